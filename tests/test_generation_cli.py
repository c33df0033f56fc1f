"""`python -m tokenlens generate` with the real tiny GPT-2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import require_hub

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokenlens", "generate", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_json_prints_ids_text_and_top_k():
    require_hub("sshleifer/tiny-gpt2")
    done = _cli("--model", "sshleifer/tiny-gpt2", "--max-new-tokens", "5", "--greedy", "--top-k", "3", "--json",
                "Hello world")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["prompt_ids"] == [15496, 995] and document["prompt_pieces"] == ["Hello", " world"]
    assert len(document["generated_ids"]) == 5 and len(document["steps"]) == 5
    assert document["text"] == "".join(document["generated_pieces"])
    for step in document["steps"]:
        assert step["top"][0]["id"] == step["id"]  # greedy
        assert sum(a["probability"] for a in step["top"]) <= 1 + 1e-6


def test_errors_are_messages_not_tracebacks():
    require_hub("bert-base-uncased")
    done = _cli("--model", "bert-base-uncased", "--max-new-tokens", "5", "Hello")
    assert done.returncode == 2 and "not a causal language model" in done.stderr and "Traceback" not in done.stderr
    done = _cli("--model", "sshleifer/tiny-gpt2", "--max-new-tokens", "0", "Hello")
    assert done.returncode == 2 and "max new tokens" in done.stderr
    done = _cli("--model", "sshleifer/tiny-gpt2", "")
    assert done.returncode == 2 and "empty" in done.stderr


def test_a_classroom_folder_serves_the_model_config_weights_and_tokenizer_offline(tmp_path):
    """The folder `assets download --with-models` fills (hub-cache layout), filled here over the localhost
    mirror, then read with no hub and an empty user cache: the model loads from it and writes real ids."""
    require_hub("sshleifer/tiny-gpt2")
    from conftest import HF_HUB
    from hub_mirror import hub_mirror
    from tokenlens.generation import GenerationSettings, generate, load_model, prepare_prompt

    folder, empty_cache = tmp_path / "classroom", tmp_path / "empty-hub-cache"
    empty_cache.mkdir()
    fill = ("import sys; from pathlib import Path; from tokenlens import classroom; "
            "files = [f for f in classroom.plan(with_models=True) if f.repo_id == 'sshleifer/tiny-gpt2']; "
            "print(classroom.download(Path(sys.argv[1]), files))")
    with hub_mirror(HF_HUB) as (endpoint, requests):
        done = subprocess.run([sys.executable, "-c", fill, str(folder)], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), "HF_ENDPOINT": endpoint,
                                                "HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_XET": "1",
                                                "HF_HUB_CACHE": str(tmp_path / "unused")})
    assert done.returncode == 0, done.stderr
    assert any("/sshleifer/tiny-gpt2/resolve/main/model.safetensors" in r for r in requests)
    offline = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(empty_cache),
               "TOKENLENS_ASSETS": str(folder), "TOKENLENS_CACHE": str(tmp_path / "tokenlens")}
    done = subprocess.run([sys.executable, "-m", "tokenlens", "generate", "--model", "sshleifer/tiny-gpt2", "-n", "8",
                           "--greedy", "--json", "Hello world"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=offline)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["source"] == "sshleifer/tiny-gpt2 from the classroom folder"
    assert not any(empty_cache.iterdir())  # nothing came from (or went to) the user's hub cache
    # The same model straight from ../shared/hf-hub writes the same ids.
    reference = load_model("sshleifer/tiny-gpt2")
    assert reference.source.kind == "hub cache"
    prompt = prepare_prompt(reference.tokenizer, "Hello world", context_length=reference.context_length,
                            max_new_tokens=8)
    expected = generate(reference, prompt.ids, GenerationSettings(max_new_tokens=8, top_k=0), queue=None)
    assert document["prompt_ids"] == [15496, 995] == list(prompt.ids)
    assert document["generated_ids"] == expected.generated_ids and len(expected.generated_ids) == 8
