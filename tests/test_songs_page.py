"""The song page, headless (AppTest) and in a real browser, on the real playlists and a trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED
from tokenlens.songs.data import load_dataset
from tokenlens.songs.evaluate import evaluate
from tokenlens.songs.model import TrainSettings, load_or_train, model_path
from tokenlens.songs.song_map import genre_of

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
pytestmark = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")
PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "song_recommender.py")


@pytest.fixture(scope="module")
def data():
    """The data, with the book model and a 2-epoch evaluation in the test cache (loaded when already there)."""
    data = load_dataset(FOLDER)
    load_or_train(data, TrainSettings())
    evaluate(data, TrainSettings(epochs=2))
    return data


def _run(app):
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _app(folder=True):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(PAGE, default_timeout=120)
    if folder:
        app.run()
        app.radio[0].set_value("folder")
        app.run()
        app.text_input(key="songs_folder_path").set_value(str(FOLDER))
    return _run(app)


def test_page_opens_on_the_books_example(data):
    app = _app()
    assert app.selectbox[0].value == 2172
    table = app.dataframe[0].value
    assert len(table) == 10 and 2172 not in table["id"].tolist()
    assert sum(genre_of(data, int(song)) == "metal / hard rock" for song in table["id"]) >= 5
    assert any("11,088 playlists" in caption.value for caption in app.caption)
    assert any("disk cache" in caption.value for caption in app.caption)
    assert len(app.get("plotly_chart")) == 1  # the map (the evaluation is offered, not run)


def test_default_source_falls_back_to_the_shared_copy_when_offline(data):
    app = _app(folder=False)  # the download cannot reach storage.googleapis.com here
    assert any("download failed" in warning.value for warning in app.warning)
    assert len(app.dataframe[0].value) == 10


def test_search_playlist_and_bad_input(data):
    app = _app()
    app.text_input(key="songs_query").set_value("zzqx no such song")
    _run(app)
    assert any("No song matches" in warning.value for warning in app.warning)
    app.text_input(key="songs_query").set_value("run to the hills iron maiden")
    _run(app)
    assert app.selectbox[0].value == 2849
    app.radio[1].set_value("playlist")
    _run(app)
    app.multiselect[0].set_value([2172, 2849])
    _run(app)
    table = app.dataframe[0].value
    assert not {2172, 2849} & set(table["id"].tolist())
    app.multiselect[0].set_value([])
    _run(app)
    assert any("at least one" in warning.value for warning in app.warning)


def test_bad_folder_gives_a_clear_message(data, tmp_path):
    from streamlit.testing.v1 import AppTest

    (tmp_path / "train.txt").write_text("<html>Not Found</html>\n")
    (tmp_path / "song_hash.txt").write_text("0\tA\tB\n")
    for folder, message in ((tmp_path / "missing", "is not a folder"), (tmp_path, "train.txt line 1")):
        app = AppTest.from_file(PAGE, default_timeout=120)
        app.run()
        app.radio[0].set_value("folder")
        app.run()
        app.text_input(key="songs_folder_path").set_value(str(folder))
        _run(app)
        assert any(message in error.value for error in app.error), [e.value for e in app.error]


def test_train_button_trains_with_progress_then_recommends(data, tmp_path):
    """A real subset (the first 300 playlists) so that pressing Train takes seconds, not a minute."""
    from streamlit.testing.v1 import AppTest

    lines = (FOLDER / "train.txt").read_text().split("\n")
    (tmp_path / "train.txt").write_text("\n".join(lines[:302]) + "\n")
    (tmp_path / "song_hash.txt").write_bytes((FOLDER / "song_hash.txt").read_bytes())
    model_path(load_dataset(tmp_path), TrainSettings(epochs=1)).unlink(missing_ok=True)  # a cache kept from a past run
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    app.radio[0].set_value("folder")
    app.run()
    app.text_input(key="songs_folder_path").set_value(str(tmp_path))
    _run(app)
    assert any("300 playlists" in caption.value for caption in app.caption)
    app.number_input(key="songs_epochs").set_value(1)
    _run(app)
    app.button(key="songs_train").click()
    _run(app)
    assert "songs_train" not in [button.key for button in app.button]
    app.text_input(key="songs_query").set_value("0")
    _run(app)
    assert any("loaded from the disk cache" in caption.value for caption in app.caption)
    assert app.selectbox[0].value == 0
    table = app.dataframe[0].value
    assert len(table) == 10 and 0 not in table["id"].tolist()


def test_untrained_settings_offer_a_train_button_and_show_the_evaluation(data):
    app = _app()
    # The book's settings: the model is trained, the evaluation is not (it is offered, never run silently).
    assert app.button(key="songs_evaluate").label.startswith("Run the evaluation")
    app.number_input(key="songs_epochs").set_value(2)
    _run(app)
    assert any("No model is trained yet" in info.value for info in app.info)
    assert app.button(key="songs_train").label == "Train word2vec"
    # The 2-epoch evaluation was run by the fixture, so its real numbers show.
    assert any("beats popularity" in success.value for success in app.success)
    scores = app.dataframe[0].value
    assert scores["method"].tolist() == ["word2vec", "popularity", "random"]
    assert scores["Hit@10"][0] > scores["Hit@10"][1]


def test_real_browser(app_server, browser_page, artifacts, data):
    from browser import wait_for_app

    page = browser_page
    page.goto(app_server + "/songs")
    wait_for_app(page)
    page.get_by_text("Songs most often played around").wait_for(timeout=60_000)
    assert page.get_by_text("Fade To Black").first.is_visible()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    assert page.get_by_text("disk cache").first.is_visible()
    page.get_by_role("tab", name="Map of the songs").click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.set_viewport_size({"width": 1400, "height": 1900})  # the app scrolls inside; show it all
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "songs-map.png"))
    page.get_by_role("tab", name="Recommendations").click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "songs.png"))
