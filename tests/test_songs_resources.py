"""The songs' cache kinds in components/resources.py: honest sizes, budgets, and what is kept when."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from components import resources
from conftest import SHARED
from tokenlens.songs.data import SongDataError, load_dataset
from tokenlens.songs.model import TrainSettings, load_cached, load_or_train, model_path
from tokenlens.songs.song_map import map_points, points_bytes

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
needs_data = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")
BACKGROUND_LIBRARIES = ("numba", "llvmlite", "umap", "pynndescent", "importlib", "<frozen", "threading")
SMALL = {"train.txt": b"0\n0\n0 1 2\n2 1\n1 2 0 3\n3 0\n",
         "song_hash.txt": b"0\tA\tX\n1\tB\tY\n2\tC\tZ\n3\tD\tW\n"}


def _traced(build):
    """The value `build()` returns and the bytes it still holds. Allocations made from the libraries of
    UMAP's background compilation (started by page tests in this process) are left out."""
    gc.collect()
    tracemalloc.start()
    try:
        value = build()
        gc.collect()
        ours = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, f"*{library}*") for library in BACKGROUND_LIBRARIES])
        return value, sum(stat.size for stat in ours.statistics("filename"))
    finally:
        tracemalloc.stop()


def _write(folder, files):
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


@needs_data
def test_sizes_are_what_they_hold_and_fit_the_budgets(tmp_path):
    """Measured with tracemalloc (which slows parsing tenfold, so the dataset on its first 3,000
    playlists): the dataset with the search keys and play counts every run uses, the vectors, a map."""
    lines = (FOLDER / "train.txt").read_bytes().split(b"\n")
    _write(tmp_path, {"train.txt": b"\n".join(lines[:3_002]), "song_hash.txt": (FOLDER / "song_hash.txt").read_bytes()})

    def dataset():
        part = load_dataset(tmp_path)
        part.search_keys, part.play_counts  # counted by memory_bytes
        return part

    part, part_held = _traced(dataset)
    assert abs(part.memory_bytes() - part_held) < 0.1 * part_held, (part.memory_bytes(), part_held)
    data = load_dataset(FOLDER)
    assert 40e6 < data.memory_bytes() < 55e6  # as 1.9 million separate strings it was 135 MB
    vectors = load_or_train(data, TrainSettings())
    kept, held = _traced(lambda: load_cached(data, TrainSettings()))
    assert abs(kept.memory_bytes() - held) < 0.1 * held, (kept.memory_bytes(), held)
    map_points(data, vectors, [2172], [2849], sample=50)  # scikit-learn imported outside the measure
    points, points_held = _traced(lambda: map_points(data, vectors, [2172], [2849], sample=2500))
    # Titles and artists are the dataset's own strings; the estimate counts them again, to be safe.
    assert points_held <= points_bytes(points) < 2 * points_held
    budgets = {stats.name: stats.budget for stats in resources.cache_stats() if stats.name.startswith("songs.")}
    assert budgets["songs.datasets"] >= 2 * data.memory_bytes()  # the book's and one more of its size
    assert budgets["songs.vectors"] >= 4 * kept.memory_bytes()
    assert budgets["songs.maps"] >= 16 * points_bytes(points)
    assert sum(budgets.values()) <= 250 * 1024 * 1024


def test_a_folder_is_read_once_and_again_when_a_file_changes(tmp_path):
    folder = _write(tmp_path, SMALL)
    first = resources.song_dataset_from_folder(folder)
    assert resources.song_dataset_from_folder(folder) is first
    _write(folder, {"train.txt": SMALL["train.txt"] + b"3 2 1\n"})
    changed = resources.song_dataset_from_folder(folder)
    assert changed is not first and len(changed.playlists) == len(first.playlists) + 1
    with pytest.raises(SongDataError, match="not a folder"):
        resources.song_dataset_from_folder(tmp_path / "missing")


def test_uploads_with_the_same_bytes_share_one_dataset_and_a_bad_one_is_not_kept():
    first = resources.song_dataset_from_uploads(dict(SMALL))
    assert resources.song_dataset_from_uploads(dict(SMALL)) is first
    bad = {**SMALL, "train.txt": b"<html>Not Found</html>\n"}
    for _ in range(2):  # refused each time: a failure is never kept
        with pytest.raises(SongDataError, match="train.txt line 1"):
            resources.song_dataset_from_uploads(bad)


def test_no_saved_vectors_is_not_kept_and_a_map_is(tmp_path):
    data = resources.song_dataset_from_folder(_write(tmp_path, SMALL))
    settings = TrainSettings(vector_size=4, window=2, negative=2, epochs=1, workers=1)
    model_path(data, settings).unlink(missing_ok=True)  # saved by an earlier run into the same cache
    assert resources.saved_song_vectors(data, settings) is None
    load_or_train(data, settings)
    vectors = resources.saved_song_vectors(data, settings)
    assert vectors is not None and vectors.origin == "disk cache" and len(vectors) == 4
    assert resources.saved_song_vectors(data, settings) is vectors
    points, seconds = resources.song_map(data, vectors, [0], [1, 2], "pca")
    assert {point["role"] for point in points} == {"chosen", "recommended", "other"}
    assert resources.song_map(data, vectors, [0], [1, 2], "pca") == (points, seconds)  # kept: the same time
