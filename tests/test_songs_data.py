"""Parsing the real Yes.com files as the book does, and refusing malformed ones with file and line."""

from __future__ import annotations

import pytest

from conftest import SHARED
from tokenlens.songs.data import SongDataError, load_dataset, load_dataset_files, parse_playlists, parse_songs
from tokenlens.songs.recommend import search

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
needs_data = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")


@pytest.fixture(scope="module")
def data():
    return load_dataset(FOLDER)


@needs_data
def test_book_counts_and_fade_to_black(data):
    assert len(data.playlists) == 11_088
    assert data.song_count == 75_262
    assert data.song(2172)["title"] == "Fade To Black"
    assert data.song(2172)["artist"] == "Metallica"
    assert "heavy metal" in data.song(2172)["tags"]
    assert all(len(playlist) > 1 for playlist in data.playlists)
    assert data.play_counts.sum() == sum(len(p) for p in data.playlists)


@needs_data
def test_parsing_matches_the_books_code(data):
    raw = (FOLDER / "train.txt").read_text()
    lines = raw.split("\n")[2:]
    book = [s.rstrip().split() for s in lines if len(s.split()) > 1]
    assert data.playlists == book


@needs_data
def test_search_by_title_artist_and_id(data):
    assert 2172 in search(data, "fade to black metallica")
    assert 2172 in search(data, "  FADE black ")
    assert search(data, "2172") == [2172]
    assert search(data, "99999999") == []
    assert search(data, "zzqx no such song") == []
    assert search(data, "") == []
    hits = search(data, "metallica", limit=5)
    assert len(hits) == 5 and all(data.artists[h] == "Metallica" for h in hits)


def test_malformed_playlist_names_file_and_line():
    raw = b"1 2 3\n4 5 6\n0 1 2 \n3 4 x5 \n"
    with pytest.raises(SongDataError, match=r"train\.txt line 4: 'x5'"):
        parse_playlists(raw)


def test_html_instead_of_playlists_is_refused():
    with pytest.raises(SongDataError, match=r"train\.txt line 1"):
        parse_playlists(b"<html><body>Not found</body></html>\n\n\n")


def test_song_hash_with_wrong_fields_or_ids():
    with pytest.raises(SongDataError, match=r"song_hash\.txt line 2: expected 'id<TAB>title<TAB>artist'"):
        parse_songs(b"0 \tA\tB\n1 \tonly title\n")
    with pytest.raises(SongDataError, match=r"line 2: expected song id 1, found '5'"):
        parse_songs(b"0 \tA\tB\n5 \tC\tD\n")


def test_empty_missing_and_inconsistent_uploads():
    with pytest.raises(SongDataError, match="empty"):
        load_dataset_files({"train.txt": b"", "song_hash.txt": b"0\tA\tB\n"})
    with pytest.raises(SongDataError, match="Missing song_hash.txt"):
        load_dataset_files({"train.txt": b"1\n1\n0 1\n"})
    with pytest.raises(SongDataError, match="uses song id 7"):
        load_dataset_files({"train.txt": b"1\n1\n0 7\n", "song_hash.txt": b"0\tA\tB\n1\tC\tD\n"})
    with pytest.raises(SongDataError, match="not UTF-8"):
        load_dataset_files({"train.txt": b"1\n1\n0 1\n", "song_hash.txt": b"0\tA\xff\tB\n"})


def test_small_upload_parses():
    data = load_dataset_files({"train.txt": b"101 102 103\n2 3 2\n0 1 2 \n2 \n1 2 \n",
                               "song_hash.txt": b"0 \tA\tX\n1 \tB\tY\n2 \tC\tZ\n",
                               "tags.txt": b"0 1\n#\n1\n", "tag_hash.txt": b"0, rock\n1, pop\n"})
    assert data.playlists == [["0", "1", "2"], ["1", "2"]]
    assert data.song(0) == {"id": 0, "title": "A", "artist": "X", "tags": ["rock", "pop"]}
    assert data.song(1)["tags"] == []
    with pytest.raises(SongDataError, match="Unknown song id 3"):
        data.song(3)


def test_each_song_id_is_one_string_however_often_it_is_played():
    data = load_dataset_files({"train.txt": b"0 0\n0\n0 1 2\n2 1\n1 2 0\n",
                               "song_hash.txt": b"0\tA\tX\n1\tB\tY\n2\tC\tZ\n"})
    plays_of_1 = [song for playlist in data.playlists for song in playlist if song == "1"]
    assert len(plays_of_1) == 3 and len({id(song) for song in plays_of_1}) == 1
    assert data.summary() == "3 playlists · 3 songs · no tags file, so no genres"

