"""The song page's link: what it may carry, and the settings it names (no streamlit needed)."""

from __future__ import annotations

from tokenlens import url_state
from tokenlens.catalog import BOOK_SONG_ID
from tokenlens.songs.data import load_dataset_files
from tokenlens.songs.link import FIELDS, changes_from_book, gensim_call, train_settings
from tokenlens.songs.model import TrainSettings
from tokenlens.songs.recommend import best_match, song_in_data, songs_in_data


class _Link(dict):
    """A query string as st.query_params gives it: a list of values per parameter."""

    def get_all(self, param):
        return self.get(param, [])


def test_an_empty_link_is_the_books_view():
    view = url_state.read(_Link(), FIELDS)
    assert view["source"] == "download" and view["song"] == BOOK_SONG_ID and view["n"] == 10
    assert train_settings(view) == TrainSettings() and changes_from_book(train_settings(view)) == ""
    assert not any(url_state.to_params(view, FIELDS).values())  # the link stays empty


def test_a_link_carries_songs_settings_and_view():
    link = _Link(song=["2849"], playlist=["2849", "2172"], n=["5"], view=["map"], proj=["umap"],
                 epochs=["1"], window=["5"], source=["folder"], folder=["/data/yes"])
    view = url_state.read(link, FIELDS)
    assert (view["song"], view["playlist"], view["n"], view["view"], view["proj"]) == (
        2849, ["2849", "2172"], 5, "map", "umap")
    settings = train_settings(view)
    assert (settings.epochs, settings.window, settings.vector_size) == (1, 5, 32)
    assert changes_from_book(settings) == "window 5, epochs 1"
    assert gensim_call(settings) == ("Word2Vec(playlists, vector_size=32, window=5, negative=50, min_count=1, "
                                     "workers=4, epochs=1)")
    assert url_state.to_params(view, FIELDS)["epochs"] == ["1"]


def test_values_a_link_cannot_mean_fall_back_to_the_defaults():
    link = _Link(song=["99999999"], n=["500"], view=["nonsense"], playlist=["x1", "2172"], epochs=["-3"],
                 dim=["٣٢"], source=["ftp"])
    view = url_state.read(link, FIELDS)
    assert view["song"] == BOOK_SONG_ID and view["n"] == 10 and view["view"] == "list"
    assert view["playlist"] == [str(BOOK_SONG_ID)] and view["source"] == "download"
    assert train_settings(view) == TrainSettings()


def test_ids_from_a_link_that_the_data_lacks_give_way():
    data = load_dataset_files({"train.txt": b"0\n0\n0 1 2\n2 1\n", "song_hash.txt": b"0\tA\tX\n1\tB\tY\n2\tC\tZ\n"})
    assert song_in_data(data, 1, [2], BOOK_SONG_ID) == 1
    assert song_in_data(data, 2172, [2], BOOK_SONG_ID) == 2  # the search's first match
    assert song_in_data(data, 2172, [], BOOK_SONG_ID) == 2  # the book's song is past the end: the last
    assert songs_in_data(data, ["2", "x", "7", "0"]) == ["2", "0"]
    assert best_match(data, "b y", None) == 1 and best_match(data, "nothing", None) is None
