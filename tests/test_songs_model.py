"""A word2vec model trained once per session with the book's settings on the real playlists."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from conftest import SHARED
from tokenlens.cli import main as cli_main
from tokenlens.songs.data import SongDataError, load_dataset
from tokenlens.songs.model import TrainSettings, load_cached, load_or_train, model_path
from tokenlens.songs.recommend import recommend, similar
from tokenlens.songs.song_map import genre_of, map_points

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
pytestmark = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")
METAL = "metal / hard rock"


@pytest.fixture(scope="module")
def data():
    return load_dataset(FOLDER)


@pytest.fixture(scope="module")
def trained(data):
    """The book's settings (epochs=5 is gensim's default, which the book keeps); saved in the test cache."""
    epochs = []
    vectors = load_or_train(data, TrainSettings(), progress=lambda done, total, s: epochs.append((done, total)))
    return vectors, epochs


def _tag_jaccard(data, a: int, b: int) -> float:
    first, second = set(data.tags[a]), set(data.tags[b])
    return len(first & second) / len(first | second) if first | second else 0.0


def test_training_reports_every_epoch_and_covers_every_played_song(data, trained):
    vectors, epochs = trained
    if vectors.origin == "trained":
        assert epochs == [(done, 5) for done in range(1, 6)]
    played = {int(song) for playlist in data.playlists for song in playlist}
    assert set(vectors.song_ids.tolist()) == played
    assert vectors.vectors.shape == (len(played), 32)
    assert np.allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-5)


def test_recommendations_for_fade_to_black_share_its_tags(data, trained):
    vectors, _ = trained
    rows = recommend(data, vectors, [2172], topn=20)
    assert len(rows) == 20 and 2172 not in [row["id"] for row in rows]
    assert [row["similarity"] for row in rows] == sorted((row["similarity"] for row in rows), reverse=True)
    rng = np.random.default_rng(0)
    tagged = [song for song in range(data.song_count) if data.tags[song] and data.play_counts[song] > 0]
    random_songs = rng.choice(tagged, size=2000, replace=False)
    recommended_overlap = np.mean([_tag_jaccard(data, 2172, row["id"]) for row in rows])
    random_overlap = np.mean([_tag_jaccard(data, 2172, song) for song in random_songs])
    assert recommended_overlap > 3 * random_overlap, (recommended_overlap, random_overlap)
    metal_share = np.mean([genre_of(data, row["id"]) == METAL for row in rows])
    random_metal_share = np.mean([genre_of(data, song) == METAL for song in random_songs])
    assert metal_share >= 0.5 and metal_share > 3 * random_metal_share, (metal_share, random_metal_share)


def test_a_little_playlist_gets_songs_like_all_of_it(data, trained):
    vectors, _ = trained
    seeds = [2172, 2849]  # Metallica, Iron Maiden
    rows = recommend(data, vectors, seeds, topn=10)
    assert not {row["id"] for row in rows} & set(seeds)
    assert np.mean([genre_of(data, row["id"]) == METAL for row in rows]) >= 0.5


def test_same_answer_as_gensim_most_similar(data, trained):
    vectors, _ = trained
    ours = similar(vectors, [2172], topn=10)
    theirs = vectors.keyed_vectors().most_similar("2172", topn=10)
    assert [song for song, _ in ours] == [int(key) for key, _ in theirs]
    assert np.allclose([score for _, score in ours], [score for _, score in theirs], atol=1e-5)


def test_cache_round_trip_loads_fast_and_equal(data, trained):
    vectors, _ = trained
    started = time.perf_counter()
    loaded = load_cached(data, TrainSettings())
    assert time.perf_counter() - started < 1.0
    assert loaded.origin == "disk cache"
    assert np.array_equal(loaded.song_ids, vectors.song_ids) and np.array_equal(loaded.vectors, vectors.vectors)
    assert load_cached(data, TrainSettings(window=5)) is None  # other settings, other key


def test_damaged_cache_file_is_removed(data, trained, tmp_path):
    path = model_path(data, TrainSettings(), tmp_path)
    path.write_bytes(b"not a model")
    assert load_cached(data, TrainSettings(), tmp_path) is None
    assert not path.exists()


def test_unknown_ids_give_clear_messages(data, trained):
    vectors, _ = trained
    with pytest.raises(SongDataError, match="Unknown song id 999999"):
        recommend(data, vectors, [999999])
    with pytest.raises(SongDataError, match="not a song id"):
        recommend(data, vectors, ["Fade To Black"])
    never_played = next(song for song in range(data.song_count) if not vectors.has(song))
    with pytest.raises(SongDataError, match="appears in no playlist"):
        recommend(data, vectors, [never_played])
    with pytest.raises(SongDataError, match="at least one"):
        recommend(data, vectors, [])
    with pytest.raises(ValueError, match="topn"):
        recommend(data, vectors, [2172], topn=0)


def test_map_highlights_the_chosen_song_and_its_recommendations(data, trained):
    vectors, _ = trained
    recommended = [row["id"] for row in recommend(data, vectors, [2172], topn=10)]
    points = map_points(data, vectors, [2172], recommended, sample=500)
    roles = {point["id"]: point["role"] for point in points}
    assert roles[2172] == "chosen" and all(roles[song] == "recommended" for song in recommended)
    assert len(points) >= 500 and all(np.isfinite([p["x"], p["y"]]).all() for p in points)
    assert len({point["genre"] for point in points}) > 5


def test_cli_recommend_json(trained, capsys):
    assert cli_main(["songs", "recommend", "2172", "--topn", "5", "--json", "--data", str(FOLDER)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["seeds"][0]["title"] == "Fade To Black"
    assert len(document["recommendations"]) == 5 and document["vectors"] == "disk cache"
    assert cli_main(["songs", "recommend", "31337000", "--data", str(FOLDER)]) == 2
    assert "Unknown song id" in capsys.readouterr().err
    assert cli_main(["songs", "search", "fade to black metallica", "--data", str(FOLDER)]) == 0
    assert "2172" in capsys.readouterr().out
