"""Why some songs have no vector, read from the real data; and download failures said in words."""

from __future__ import annotations

import urllib.error
import urllib.request

import numpy as np
import pytest

from conftest import SHARED
from tokenlens.assets import AssetUnavailable
from tokenlens.songs.coverage import BELOW_MIN_COUNT, NEVER_PLAYED, ONLY_IN_ONE_SONG_PLAYLISTS, vector_coverage
from tokenlens.songs.data import load_dataset
from tokenlens.songs.download import download_file, plain_reason
from tokenlens.songs.model import TrainSettings, load_or_train

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
needs_data = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")


@needs_data
def test_the_one_song_without_a_vector_is_only_in_a_one_song_playlist():
    """75,262 songs, 75,261 vectors: song 68565 appears only in a playlist of one song (dropped, as the book does)."""
    data = load_dataset(FOLDER)
    raw = (FOLDER / "train.txt").read_text().split("\n")[2:]
    singles = {int(line.split()[0]) for line in raw if len(line.split()) == 1}
    assert data.single_song_ids == singles and 68565 in singles
    coverage = vector_coverage(data, load_or_train(data, TrainSettings()))
    assert (coverage.songs, coverage.with_vector) == (75_262, 75_261)
    assert coverage.missing == {ONLY_IN_ONE_SONG_PLAYLISTS: [68565]}
    text = coverage.explanation(lambda song: f"{data.titles[song]} by {data.artists[song]}")
    assert text == ("1 song (10 To 5 by Ziggurat Quartet) only ever appears in a playlist of one song, which the "
                    "book's parsing drops, so word2vec never learned a vector for it.")


@needs_data
def test_min_count_and_unplayed_songs_are_told_apart(tmp_path):
    """A real subset trained with min_count=2: each song without a vector is sorted by the true reason."""
    lines = (FOLDER / "train.txt").read_text().split("\n")
    (tmp_path / "train.txt").write_text("\n".join(lines[:202]) + "\n")
    (tmp_path / "song_hash.txt").write_bytes((FOLDER / "song_hash.txt").read_bytes())
    data = load_dataset(tmp_path)
    vectors = load_or_train(data, TrainSettings(min_count=2, epochs=1), folder=tmp_path / "models")
    coverage = vector_coverage(data, vectors)
    plays = data.play_counts
    assert coverage.missing[BELOW_MIN_COUNT] == np.flatnonzero(plays == 1).tolist()
    assert set(coverage.missing[NEVER_PLAYED]) | set(coverage.missing.get(ONLY_IN_ONE_SONG_PLAYLISTS, [])) == set(
        np.flatnonzero(plays == 0).tolist())
    assert coverage.with_vector == len(vectors) == int((plays >= 2).sum())
    text = coverage.explanation()
    assert f"{len(coverage.missing[BELOW_MIN_COUNT]):,} songs are played fewer than min_count = 2 times" in text
    assert f"{len(coverage.missing[NEVER_PLAYED]):,} songs appear in no playlist at all" in text


def test_an_unknown_host_is_said_in_words_not_errno(tmp_path):
    url = "http://tokenlens-no-such-host.invalid/train.txt"  # .invalid never resolves (RFC 2606)
    with pytest.raises(urllib.error.URLError) as raised:
        urllib.request.urlopen(url, timeout=5)
    reason = plain_reason(raised.value, url)
    assert reason == ("the name tokenlens-no-such-host.invalid could not be looked up: this server has no internet "
                      "connection or no DNS")
    with pytest.raises(AssetUnavailable) as failed:
        download_file(url, tmp_path / "train.txt", retries=0)
    assert reason in failed.value.reason and "Errno" not in failed.value.reason


def test_a_refused_connection_is_said_in_words(tmp_path):
    import socket

    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(AssetUnavailable) as failed:
        download_file(f"http://127.0.0.1:{port}/train.txt", tmp_path / "train.txt", retries=0)
    assert "127.0.0.1 refused the connection" in failed.value.reason and "Errno" not in failed.value.reason
