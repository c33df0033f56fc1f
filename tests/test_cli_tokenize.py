"""`python -m tokenlens` run as a user runs it, in a subprocess with its own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, require_hub


def run_cli(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokenlens", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env={**os.environ, **(env or {})}, timeout=300)


def test_tokenize_json_shape_and_ids():
    require_hub("gpt2")
    done = run_cli("tokenize", "--tokenizer", "gpt2", "--tokenizer", "bert-base-uncased", "--json", "Hello world")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [entry["tokenizer"] for entry in document] == ["gpt2", "bert-base-uncased"]
    assert document[0]["source"] == "gpt2 tokenizer.json (hub cache)"
    assert document[0]["tokens"] == [{"id": 15496, "piece": "Hello", "start": 0, "end": 5},
                                     {"id": 995, "piece": " world", "start": 5, "end": 11}]
    assert [t["id"] for t in document[1]["tokens"]] == [101, 7592, 2088, 102]


def test_tokenize_reads_standard_input_and_prints_text():
    require_hub("Xenova/gpt-4")
    done = run_cli("tokenize", "-t", "Xenova/gpt-4", "-", stdin="show_tokens")
    assert done.returncode == 0, done.stderr
    assert "source: Xenova/gpt-4 tokenizer.json (hub cache)" in done.stdout
    assert "'show'" in done.stdout and "'_tokens'" in done.stdout


def test_fresh_machine_without_hub_uses_packaged_standins(tmp_path):
    """No cache and an unreachable hub: the five packaged tokenizers still answer, labelled."""
    env = {"HF_HUB_CACHE": str(tmp_path / "empty-hub"), "HF_HUB_OFFLINE": "0",
           "HF_ENDPOINT": "http://127.0.0.1:9", "TOKENLENS_CACHE": str(tmp_path / "cache")}
    ids = ["bert-base-uncased", "gpt2", "Xenova/gpt-4", "microsoft/Phi-3-mini-4k-instruct", "Qwen/Qwen2.5-1.5B",
           "bert-base-cased"]
    args = ["tokenize", "--json", "Hello world"]
    for hub_id in ids:
        args[1:1] = ["-t", hub_id]
    done = run_cli(*args, env=env)
    document = {entry["tokenizer"]: entry for entry in json.loads(done.stdout)}
    assert done.returncode == 1  # bert-base-cased has no packaged copy
    assert "cannot be reached" in document["bert-base-cased"]["error"]
    assert [t["id"] for t in document["gpt2"]["tokens"]] == [15496, 995]
    assert [t["id"] for t in document["Xenova/gpt-4"]["tokens"]] == [9906, 1917]
    assert [t["id"] for t in document["bert-base-uncased"]["tokens"]] == [101, 7592, 2088, 102]
    assert document["microsoft/Phi-3-mini-4k-instruct"]["source"] == (
        "Llama-2 vocabulary with Phi-3's added tokens, from the wordllama package")
    assert all(document[i]["source"].endswith("package") or "package," in document[i]["source"] for i in ids[:5])


def test_bad_ids_give_clear_messages():
    done = run_cli("tokenize", "-t", "not a valid id!", "--json", "x")
    assert done.returncode == 1
    assert "is not a valid hub id" in json.loads(done.stdout)[0]["error"]
    done = run_cli("tokenize", "-t", "someone/no-such-model", "x")
    assert "unavailable:" in done.stdout and "Traceback" not in done.stderr


def test_assets_list_and_check(tmp_path):
    """A hub cache that holds gpt2 and nothing else, whatever ../shared holds."""
    require_hub("gpt2")
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "models--gpt2").symlink_to(Path(os.environ["HF_HUB_CACHE"]) / "models--gpt2")
    env = {"HF_HUB_CACHE": str(hub), "TOKENLENS_CACHE": str(tmp_path / "cache")}
    done = run_cli("assets", "--json", env=env)
    rows = {row["id"]: row for row in json.loads(done.stdout)}
    assert rows["gpt2"]["available_from"] == "hub cache"
    assert rows["facebook/galactica-1.3b"]["available_from"] == "unavailable"
    done = run_cli("assets", "--check", "--dir", str(hub), "--json", env=env)
    report = json.loads(done.stdout)
    assert report["gpt2"]["tokenizer.json"] == "present"
    assert report["facebook/galactica-1.3b"]["tokenizer.json"] == "absent"
    assert done.returncode == 1  # galactica is missing from that folder
