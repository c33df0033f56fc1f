"""The Embeddings caches (components/resources.py): honest sizes within their budgets, forward passes
and slow projections done once per input, keys on what was really loaded."""

from __future__ import annotations

import numpy as np
import pytest

from components import resources
from tokenlens.assets import AssetUnavailable
from tokenlens.embeddings.contextual import PACKAGED_CONTEXTUAL_MODEL
from tokenlens.embeddings.sentences import PACKAGED_SENTENCE_MODEL

MINILM = PACKAGED_SENTENCE_MODEL  # also the packaged contextual model


def cache_of(name: str):
    return next(stats for stats in resources.cache_stats() if stats.name == name)


def test_glove_is_counted_by_its_real_bytes_and_kept():
    try:
        loaded = resources.word_vectors("glove-wiki-gigaword-50")
    except AssetUnavailable as err:
        pytest.skip(err.reason)
    kv = loaded.vectors
    held = cache_of("word vectors").bytes
    # 400k x 50 float32 (76 MiB) and the norms, plus the word index (about 40 MiB of Python strings).
    assert held > kv.vectors.nbytes + kv.norms.nbytes + 20 * resources.MIB
    assert held <= cache_of("word vectors").budget
    assert resources.word_vectors("glove-wiki-gigaword-50") is loaded


def test_a_model_is_counted_by_its_parameters(fresh_caches):
    loaded = resources.embedding_model("contextual", MINILM)
    parameters = sum(p.numel() for p in loaded.model.parameters())
    assert 22_000_000 < parameters < 23_000_000  # MiniLM-L6-H384: 22.7M parameters
    assert resources.kept_embedding_model("contextual", MINILM) is loaded
    assert cache_of("embedding models").bytes >= parameters * 4  # float32
    assert resources.kept_embedding_model("sentence", "sentence-transformers/all-mpnet-base-v2") is None


def forward_passes(loaded) -> tuple[list, object]:
    """Count the model's forward passes (a torch hook; removed by the caller)."""
    calls = []
    handle = loaded.model.register_forward_hook(lambda *_: calls.append(1))
    return calls, handle


def test_forward_passes_run_once_per_text_and_layer():
    loaded = resources.embedding_model("contextual", PACKAGED_CONTEXTUAL_MODEL)
    calls, handle = forward_passes(loaded)
    try:
        first = resources.token_vectors(PACKAGED_CONTEXTUAL_MODEL, "The bank of the river.", 6)
        assert len(calls) == 1 and first.tokens[2] == "bank"
        assert resources.token_vectors(PACKAGED_CONTEXTUAL_MODEL, "The bank of the river.", 6) is first
        assert len(calls) == 1  # a rerun of the page: no second pass
        resources.token_vectors(PACKAGED_CONTEXTUAL_MODEL, "The bank of the river.", 0)
        assert len(calls) == 2
        sentences = ["The bank of the river.", "The bank lent me money."]
        found = resources.word_in_context(PACKAGED_CONTEXTUAL_MODEL, sentences, "bank", 6)
        assert len(calls) == 4 and [s for s, _ in found] == sentences
        assert resources.word_in_context(PACKAGED_CONTEXTUAL_MODEL, list(sentences), "bank", 6) is found
        assert len(calls) == 4
    finally:
        handle.remove()


def test_sentence_embeddings_are_kept_per_model_and_sentences():
    sentences = ["Best movie ever!", "The stock market fell."]
    first = resources.sentence_embeddings(MINILM, sentences)
    assert first.shape == (2, 384)
    assert resources.sentence_embeddings(MINILM, list(sentences)) is first
    assert resources.sentence_embeddings(MINILM, sentences[:1]) is not first


def test_slow_projections_are_kept_per_input_and_pca_is_not():
    data = np.random.default_rng(7).normal(size=(12, 20)).astype(np.float32)
    entries = cache_of("projections").entries
    first = resources.projection(data, "t-SNE", 2)
    assert resources.projection(data.copy(), "t-SNE", 2) is first  # same numbers, another array
    assert resources.projection(data + 1, "t-SNE", 2) is not first
    assert resources.projection(data, "t-SNE", 3) is not first
    assert cache_of("projections").entries == entries + 3
    resources.projection(data, "PCA", 2)
    assert cache_of("projections").entries == entries + 3  # cheaper than hashing its input


def test_embedding_budgets_stay_within_their_share():
    names = ("word vectors", "embedding models", "sentence embeddings", "token vectors", "words in context",
             "hover neighbours", "projections")
    total = sum(cache_of(name).budget for name in names)
    assert total <= 800 * resources.MIB  # the embeddings' share of the ~2.2 GB all caches may hold


def test_the_memory_a_set_needs_is_known_before_loading_and_matches_what_it_takes():
    from tokenlens.embeddings.word_vectors import memory_needed

    try:
        resources.word_vectors("glove-wiki-gigaword-50")
    except AssetUnavailable as err:
        pytest.skip(err.reason)
    held = cache_of("word vectors").bytes
    assert 0.85 * held < memory_needed("glove-wiki-gigaword-50") < 1.15 * held


def test_a_set_too_large_to_keep_is_refused_before_any_download_with_the_way_out():
    with pytest.raises(AssetUnavailable) as refused:
        resources.word_vectors("word2vec-google-news-300")
    assert refused.value.kind == "too-big"
    assert "needs about 3.6 GiB" in refused.value.reason and "TOKENLENS_MEMORY_GB" in refused.value.reason
