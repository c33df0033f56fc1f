"""Held-out evaluation on the real playlists: word2vec against popularity and random."""

from __future__ import annotations

import json
import time

import pytest

from conftest import SHARED
from tokenlens.cli import main as cli_main
from tokenlens.songs.data import load_dataset
from tokenlens.songs.evaluate import evaluate, holdout_split, stored_evaluation
from tokenlens.songs.model import TrainSettings

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
pytestmark = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")
# The book's settings with 2 epochs instead of 5, to keep the suite short on 2 cores.
FAST = TrainSettings(epochs=2)


@pytest.fixture(scope="module")
def data():
    return load_dataset(FOLDER)


@pytest.fixture(scope="module")
def result(data):
    return evaluate(data, FAST, sample=1000, seed=0)


def test_holdout_split_hides_only_new_last_songs(data):
    split = holdout_split(data, sample=300, seed=3, context=20)
    assert split.sample == 300 == len(split.hidden) == len(split.contexts)
    assert len(split.train_playlists) == len(data.playlists)
    shortened = [i for i, (a, b) in enumerate(zip(split.train_playlists, data.playlists)) if len(a) != len(b)]
    assert len(shortened) == 300
    for index in shortened:
        assert split.train_playlists[index] == data.playlists[index][:-1]
        assert data.playlists[index][-1] not in split.train_playlists[index]
    assert all(1 <= len(context) <= 20 for context in split.contexts)


def test_word2vec_beats_popularity_and_random(result):
    assert result.cases == 1000 and result.songs_ranked == 75_262
    w2v, pop, rnd = (result.score(name) for name in ("word2vec", "popularity", "random"))
    assert w2v.hit_at_10 > pop.hit_at_10 and w2v.mrr > 2 * pop.mrr, result.to_json()
    assert w2v.median_rank < pop.median_rank < rnd.median_rank
    assert rnd.hit_at_10 <= 0.005 and rnd.mrr < 0.002  # 10 of 75,262 songs: about 0.01 %
    assert 20_000 < rnd.median_rank < 55_000  # about half of the songs
    assert "beats popularity" in result.verdict()


def test_evaluation_is_saved_and_reloaded(data, result):
    started = time.perf_counter()
    again = evaluate(data, FAST, sample=1000, seed=0)
    assert time.perf_counter() - started < 5
    assert again.to_json() == result.to_json()
    assert stored_evaluation(data, FAST).to_json() == result.to_json()
    assert stored_evaluation(data, TrainSettings(epochs=3)) is None


def test_cli_evaluate_json(result, capsys):
    assert cli_main(["songs", "evaluate", "--epochs", "2", "--json", "--data", str(FOLDER)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {score["method"] for score in document["scores"]} == {"word2vec", "popularity", "random"}
    assert document == result.to_json()
