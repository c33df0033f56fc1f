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
