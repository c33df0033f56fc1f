"""The command line says what it did: cuts, replaced bytes, failed downloads, and no hidden network tries.

Every test runs the real CLI in a subprocess, with real tokenizers, models and the real song dataset.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import HF_HUB, ROOT, SHARED, require_hub

SONGS = SHARED / "datasets" / "yes_complete" if SHARED else None
needs_songs = pytest.mark.skipif(not (SONGS and (SONGS / "train.txt").is_file()),
                                 reason="../shared/datasets/yes_complete is absent")
# Not UTF-8: a Latin-1 é, an encoded lone surrogate (ED A0 80) and a stray continuation byte.
BAD_BYTES = b"caf\xe9 \xed\xa0\x80 ok \xff"
BAD_TEXT = BAD_BYTES.decode("utf-8", errors="replace")


def run_cli(*args, env: dict | None = None, stdin: bytes | None = None, timeout: float = 300):
    """The CLI as a person runs it; args may be bytes (argv that is not UTF-8)."""
    return subprocess.run([sys.executable, "-m", "tokenlens", *args], cwd=ROOT, capture_output=True, input=stdin,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def out(done) -> str:
    return done.stdout.decode()


def err(done) -> str:
    return done.stderr.decode()


# --- tokenize: a cut is said, or not made ---------------------------------------------------------


def test_tokenize_says_where_it_cut_and_max_chars_0_tokenizes_everything():
    require_hub("gpt2")
    from tokenlens.tokenization.loading import load_tokenizer

    text = "The quick brown fox jumps over the lazy dog. " * 600  # 27,000 characters
    everything = load_tokenizer("gpt2").tokenizer.encode(text).ids

    done = run_cli("tokenize", "-t", "gpt2", "--json", "-", stdin=text.encode())
    assert done.returncode == 0, err(done)
    [entry] = json.loads(out(done))
    assert entry["truncated"] == {"at": 20_000, "of": 27_000}
    assert "27,000 characters; only the first 20,000" in err(done) and "--max-chars 0" in err(done)
    assert entry["tokens"][-1]["end"] == 20_000
    assert [t["id"] for t in entry["tokens"]] == load_tokenizer("gpt2").tokenizer.encode(text[:20_000]).ids

    done = run_cli("tokenize", "-t", "gpt2", "--json", "--max-chars", "0", "-", stdin=text.encode())
    assert done.returncode == 0, err(done)
    [entry] = json.loads(out(done))
    assert entry["truncated"] is None and "only the first" not in err(done)
    assert [t["id"] for t in entry["tokens"]] == everything and entry["tokens"][-1]["end"] == 27_000

    done = run_cli("tokenize", "-t", "gpt2", "--json", "--max-chars", "30", "-", stdin=text.encode())
    assert json.loads(out(done))[0]["truncated"] == {"at": 30, "of": 27_000}


def test_a_text_within_the_cap_is_not_marked_and_a_negative_cap_is_refused():
    require_hub("gpt2")
    done = run_cli("tokenize", "-t", "gpt2", "--json", "Hello world")
    assert json.loads(out(done))[0]["truncated"] is None and err(done) == ""
    done = run_cli("tokenize", "-t", "gpt2", "--max-chars", "-1", "Hello")
    assert done.returncode == 2 and "--max-chars: must be 0 or more, not -1" in err(done)


def test_explain_says_where_it_cut():
    require_hub("gpt2")
    done = run_cli("explain", "-t", "gpt2", "--json", "--max-chars", "5", "Hello world")
    assert done.returncode == 0, err(done)
    document = json.loads(out(done))
    assert document["truncated"] == {"at": 5, "of": 11} and document["pieces"] == ["Hello"]
    assert "only the first 5" in err(done)


# --- bytes that are not UTF-8: replaced with a notice, by every command ---------------------------


def _replaced_notice(done, where: str) -> None:
    assert done.returncode == 0, err(done)
    assert "Traceback" not in err(done)
    assert f"in {where} were replaced by U+FFFD" in err(done) or f"in {where} was replaced by U+FFFD" in err(done)


# Strict decoding of stdin (a UTF-8 locale other than C's) must not matter: the bytes are read raw.
STRICT = {"PYTHONIOENCODING": "utf-8:strict"}


def test_tokenize_and_explain_replace_bad_bytes_from_stdin_and_argv():
    require_hub("gpt2")
    from tokenlens.tokenization.loading import load_tokenizer

    expected = load_tokenizer("gpt2").tokenizer.encode(BAD_TEXT).ids
    for source in (dict(stdin=BAD_BYTES, args=["-"]), dict(stdin=None, args=[BAD_BYTES])):
        done = run_cli("tokenize", "-t", "gpt2", "--json", *source["args"], stdin=source["stdin"], env=STRICT)
        _replaced_notice(done, "standard input" if source["stdin"] else "the command line")
        assert [t["id"] for t in json.loads(out(done))[0]["tokens"]] == expected
    done = run_cli("explain", "-t", "gpt2", "--json", "-", stdin=BAD_BYTES, env=STRICT)
    _replaced_notice(done, "standard input")
    assert json.loads(out(done))["ids"] == expected


def test_generate_replaces_bad_bytes_instead_of_crashing():
    require_hub("sshleifer/tiny-gpt2")
    from tokenlens.tokenization.loading import load_tokenizer

    done = run_cli("generate", "-m", "sshleifer/tiny-gpt2", "-n", "2", "--greedy", "--json", "-",
                   stdin=BAD_BYTES, env=STRICT)
    _replaced_notice(done, "standard input")
    document = json.loads(out(done))
    assert document["prompt"] == BAD_TEXT
    assert document["prompt_ids"] == load_tokenizer("sshleifer/tiny-gpt2").tokenizer.encode(BAD_TEXT).ids
    assert len(document["generated_ids"]) == 2


def test_contextual_and_sentence_replace_bad_bytes_instead_of_crashing():
    done = run_cli("contextual", "--json", "-", stdin=BAD_BYTES, env=STRICT)
    _replaced_notice(done, "standard input")
    document = json.loads(out(done))
    assert document["tokens"][0] == "[CLS]" and document["shape"][1] == len(document["tokens"])

    done = run_cli("sentence", "--json", "-", stdin=b"caf\xe9 ok\nplain line\n", env=STRICT)
    _replaced_notice(done, "standard input")
    document = json.loads(out(done))
    assert document["sentences"] == ["caf\ufffd ok", "plain line"] and len(document["similarities"]) == 2

    done = run_cli("sentence", "--json", b"bad \xff byte", "fine")
    _replaced_notice(done, "the command line")
    assert json.loads(out(done))["sentences"] == ["bad \ufffd byte", "fine"]


# --- assets download: real failures counted, an unreachable hub given up on in seconds ------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _download(folder: Path, env: dict, *extra: str):
    start = time.monotonic()
    done = run_cli("assets", "download", "--dir", str(folder), *extra, env=env, timeout=120)
    return done, time.monotonic() - start


def _planned() -> list[str]:
    from tokenlens import classroom

    return [f"{item.repo_id}/{item.filename}" for item in classroom.plan()]


def _assert_nothing_downloaded(done, folder: Path, why: str) -> None:
    planned = _planned()
    assert done.returncode == 1
    assert f"error: {len(planned)} of {len(planned)} files failed" in err(done)
    for key in planned:
        assert f"  {key}: failed: not tried: {why}" in err(done)
    assert "done" not in out(done) and "ready" not in out(done)
    assert not [p for p in folder.rglob("*") if p.is_file()]


def test_download_offline_fails_at_once_and_lists_every_file(tmp_path):
    done, seconds = _download(tmp_path / "class", {"HF_HUB_OFFLINE": "1"})
    _assert_nothing_downloaded(done, tmp_path / "class", "HF_HUB_OFFLINE is set")
    assert seconds < 15


def test_download_from_a_closed_port_fails_in_seconds(tmp_path):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    done, seconds = _download(tmp_path / "class", {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": endpoint})
    _assert_nothing_downloaded(done, tmp_path / "class", f"the hub ({endpoint}) cannot be reached")
    assert seconds < 15


def test_download_from_a_hub_that_never_answers_fails_in_seconds(tmp_path):
    """The socket listens (connections succeed) but nothing ever reads or answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        done, seconds = _download(tmp_path / "class", {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": endpoint}, "--json")
    _assert_nothing_downloaded(done, tmp_path / "class", f"the hub ({endpoint}) accepts connections but did not "
                                                         "answer within 5 s")
    outcomes = json.loads(out(done))
    assert set(outcomes) == set(_planned()) and all(o.startswith("failed: not tried") for o in outcomes.values())
    assert seconds < 15


@pytest.mark.skipif(HF_HUB is None, reason="../shared/hf-hub is absent")
def test_download_over_a_mirror_counts_what_it_lacks_as_failures(tmp_path):
    """The localhost mirror serves ../shared's repos: their files arrive byte for byte, and every file of
    a repo the mirror lacks is a failure, listed, with exit 1 (it was '46 of 46 done' before)."""
    from hub_mirror import hub_mirror
    from tokenlens import classroom

    folder = tmp_path / "class"
    with hub_mirror(HF_HUB) as (endpoint, requests):
        done, _ = _download(folder, {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": endpoint}, "--json")
    outcomes = json.loads(out(done))
    assert requests, "the mirror was never asked"
    expected_failures = set()
    for item in classroom.plan():
        key = f"{item.repo_id}/{item.filename}"
        repo = HF_HUB / f"models--{item.repo_id.replace('/', '--')}"
        if not repo.is_dir():
            expected_failures.add(key)
            assert outcomes[key] == "repository not found"
            continue
        snapshot = repo / "snapshots" / (repo / "refs" / "main").read_text().strip()
        if (snapshot / item.filename).is_file():
            assert outcomes[key] == "downloaded", key
            copied = classroom.check(folder, [item])[item.repo_id][item.filename]
            assert copied == "present"
        else:
            assert outcomes[key] == "not in repo", key
    assert "downloaded" in outcomes.values()
    assert done.returncode == (1 if expected_failures else 0), err(done)
    for key in expected_failures:
        assert f"  {key}: repository not found" in err(done)
    if expected_failures:
        assert f"error: {len(expected_failures)} of {len(outcomes)} files failed" in err(done)


# --- songs: offline means no download try; --limit is honest -------------------------------------

WATCH = """
import runpy, sys
log = open(sys.argv[1], "a", buffering=1)
WATCHED = {"socket.connect", "socket.getaddrinfo", "urllib.Request"}
sys.addaudithook(lambda event, args: event in WATCHED and log.write(f"{event} {args!r}\\n"))
sys.argv = ["tokenlens", *sys.argv[2:]]
runpy.run_module("tokenlens", run_name="__main__", alter_sys=True)
"""


def run_watched(tmp_path: Path, *args: str, env: dict) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The CLI with Python's audit hooks recording every connection, name lookup and HTTP request."""
    log = tmp_path / "network.log"
    done = subprocess.run([sys.executable, "-c", WATCH, str(log), *args], cwd=ROOT, capture_output=True,
                          env={**os.environ, **env}, timeout=120)
    return done, log.read_text().splitlines() if log.exists() else []


@needs_songs
def test_songs_offline_uses_the_local_copy_without_any_download_try(tmp_path):
    env = {"HF_HUB_OFFLINE": "1", "TOKENLENS_CACHE": str(tmp_path / "empty-cache"), "TOKENLENS_SHARED": str(SHARED)}
    done, network = run_watched(tmp_path, "songs", "search", "yesterday", "--limit", "3", "--json", env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert network == []  # not one lookup, connection or request (it was four tries, 7 s of backoff)
    assert "No download was tried (HF_HUB_OFFLINE is set)" in done.stderr.decode()
    rows = json.loads(done.stdout)
    assert len(rows) == 3 and all("yesterday" in f"{r['title']} {r['artist']}".lower() for r in rows)


@needs_songs
def test_songs_with_no_network_probe_once_and_send_no_request(tmp_path):
    """HF_HUB_OFFLINE unset and the dataset's server unreachable: one probe, then the local copy."""
    env = {"HF_HUB_OFFLINE": "0", "TOKENLENS_CACHE": str(tmp_path / "empty-cache"), "TOKENLENS_SHARED": str(SHARED)}
    done, network = run_watched(tmp_path, "songs", "search", "yesterday", "--limit", "2", "--json", env=env)
    if any(line.startswith("urllib.Request") for line in network):
        pytest.fail(f"a download was tried: {network}")
    if done.returncode == 0 and "No download was tried" not in done.stderr.decode():
        pytest.skip("this machine reaches the dataset's server: the offline path is not exercised")
    assert done.returncode == 0, done.stderr.decode()
    assert len([line for line in network if line.startswith("socket.connect")]) <= 1
    assert len(json.loads(done.stdout)) == 2


@needs_songs
def test_songs_search_limit_is_checked_and_never_drops_a_hit(tmp_path):
    env = {"HF_HUB_OFFLINE": "1", "TOKENLENS_CACHE": str(tmp_path / "cache")}
    for bad in ("-1", "0"):
        done = run_cli("songs", "search", "love", "--limit", bad, env=env)
        assert done.returncode == 2 and f"--limit: must be 1 or more, not {bad}" in err(done)

    from tokenlens.songs.data import load_dataset
    from tokenlens.songs.recommend import search

    data = load_dataset(SONGS)
    every = search(data, "yesterday", limit=10**6)
    assert len(every) > 3
    done = run_cli("songs", "search", "yesterday", "--limit", str(len(every)), "--json", "--data", str(SONGS), env=env)
    assert [row["id"] for row in json.loads(out(done))] == every  # the last hit included
    with pytest.raises(ValueError, match="limit must be 1 or more"):
        search(data, "yesterday", limit=-1)
