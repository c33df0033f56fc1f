"""The tokenizer caches in components/resources.py, called directly: one shared object per hub id,
and never more bytes kept than the budget says, however many texts come."""

from __future__ import annotations

import gc
import tracemalloc

from conftest import require_hub

from bench.memory import worst_case_text
from components import resources
from tokenlens.tokenization.html import panels_document
from tokenlens.tokenization.tokens import tokenize, tokenize_with


def test_a_hub_id_gives_one_shared_tokenizer(fresh_caches):
    require_hub("gpt2")
    first = resources.tokenizer("gpt2")
    assert resources.tokenizer(" gpt2 ") is first and resources.has_tokenizer("gpt2")
    assert resources.tokenized(first, "Hello world") is resources.tokenized(resources.tokenizer("gpt2"), "Hello world")
    assert resources.tokenized(first, "Hello world").ids == [15496, 995]


def test_many_distinct_texts_stay_within_the_byte_budget(fresh_caches):
    require_hub("gpt2")
    gpt2 = resources.tokenizer("gpt2")
    texts = 75  # ~1.7 MB each through gpt2: more than the budget holds
    for seed in range(texts):
        assert resources.tokenized(gpt2, worst_case_text(seed)).stats.tokens > 20_000
    stats = next(s for s in resources.cache_stats() if s.name == "tokenized texts")
    assert stats.budget == resources.TOKENIZED_BUDGET
    assert stats.bytes <= stats.budget and 0 < stats.entries < texts
    assert stats.bytes > 0.9 * stats.budget  # what was dropped was the oldest, one at a time


def test_nbytes_is_what_a_result_really_holds():
    require_hub("Xenova/gpt-4")
    loaded = resources.tokenizer("Xenova/gpt-4")
    text = worst_case_text(1000)
    gc.collect()
    tracemalloc.start()
    try:
        found = tokenize(loaded, text)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert found.stats.tokens > 40_000
    assert 0.9 * held <= found.nbytes <= 1.5 * held
    assert found.nbytes < 2_000_000  # 50,000 tokens: columns, not 100,000 Python objects (12 MB before)


def test_panels_document_is_kept_and_exact(fresh_caches):
    require_hub("gpt2")
    results = tokenize_with(["gpt2", "bert-base-uncased"], "naïve 🎵 <b>", load=resources.tokenizer,
                            cut=resources.tokenized)
    shown = resources.token_panels(results, "both", True, 15)
    assert shown == panels_document(results, view="both", show_whitespace=True, font_px=15)
    assert resources.token_panels(results, "both", True, 15) == shown
    panels = next(s for s in resources.cache_stats() if s.name == "token panels")
    assert panels.entries == 1 and panels.bytes == len(shown.encode("utf-8"))
