"""The song page in Chromium at 1280×800, used as a lecturer uses it: clicks a few seconds apart.

After every click: the widget shows the new value, the table or map changed accordingly, and the
address bar carries it. Then a link opened in a fresh browser shows the same view, and the first
screen is photographed in light, dark and projector mode (test-artifacts/songs-*.png).

The server shares the test session's cache (TOKENLENS_CACHE), where the module fixture trains the
book's model once (about two minutes) unless an earlier test module already did.
"""

from __future__ import annotations

import re
import time

import pytest

from browser import (choose_radio, chromium_page, pause_like_a_person, query, radio_value, settle, type_into,
                     wait_for_app, wait_for_url, widget)
from conftest import SHARED
from tokenlens.catalog import BOOK_SONG_ID
from tokenlens.songs.data import load_dataset
from tokenlens.songs.model import TrainSettings, load_or_train
from tokenlens.songs.recommend import recommend

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
pytestmark = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")
VIEWPORT = (1280, 800)
SLOW_MS = 240_000  # UMAP's first map on a busy 2-core machine includes numba's compilation


@pytest.fixture(scope="module")
def songs_url(app_server):
    load_or_train(load_dataset(FOLDER), TrainSettings())  # the server finds it in the same cache
    return app_server + "/songs"


@pytest.fixture(scope="module")
def book_first_title(songs_url):
    """The first recommendation for Fade To Black from the model the server uses. word2vec with
    several workers is not deterministic, so the title is read from the trained model, not written here."""
    data = load_dataset(FOLDER)
    return recommend(data, load_or_train(data, TrainSettings()), [BOOK_SONG_ID], 10)[0]["title"]


# --- what a person sees ---------------------------------------------------------------------------
def open_page(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    # The last line of the page: everything above it has been drawn.
    page.get_by_text("song vectors of", exact=False).first.wait_for(timeout=SLOW_MS)
    wait_for_app(page)


def table_column(page, column: int) -> list[str]:
    """A column of the recommendations grid (its cells are read from the grid's accessible table)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=30_000)
    return grid.evaluate(
        """(grid, column) => Array.from(grid.querySelectorAll(`tbody td[aria-colindex="${column}"]`))
               .map(cell => cell.textContent)""", column)


def titles(page, *, unlike: list[str] | None = None, timeout_s: float = 15) -> list[str]:
    """The titles in the grid once drawn (and, with `unlike`, once they differ from those)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = table_column(page, 2)
        if found and found != unlike:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the table did not change: {found}" if found else "no table rows shown")
        page.wait_for_timeout(200)


def ids(page) -> list[int]:
    return [int(text) for text in table_column(page, 6)]


def row_count(page) -> int:
    grid = page.locator('[data-testid="stDataFrame"] table[role="grid"]').first
    return int(grid.get_attribute("aria-rowcount")) - 1  # minus the header row


def select_value(page, label: str) -> str:
    """The shown choice of a selectbox (Streamlit 1.67's is a combobox input, no longer a baseweb select)."""
    return widget(page, "stSelectbox", label).get_by_role("combobox").input_value().strip()


def open_select(page, label: str):
    """Open a selectbox's list; returns its options."""
    widget(page, "stSelectbox", label).get_by_role("combobox").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    return options


def song_id(label: str) -> int:
    """The id in an option's label, "Title — Artist (#2172)"."""
    return int(re.search(r"\(#(\d+)\)\s*$", label).group(1))


def view_group(page):
    return page.locator('[data-testid="stButtonGroup"]').filter(has_text="Map of the songs").first


def choose_view(page, name: str) -> None:
    view_group(page).get_by_role("radio", name=re.compile(re.escape(name))).click()


def view_value(page) -> str:
    return view_group(page).locator('[aria-checked="true"]').inner_text().strip()


def playlist_box(page):
    return widget(page, "stMultiSelect", "Your little playlist")


def playlist_chips(page) -> list[str]:
    return [chip.get_attribute("aria-label") for chip in playlist_box(page).locator("[data-tag]").all()]


def add_to_playlist(page, text: str) -> None:
    box = playlist_box(page).get_by_role("combobox")
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    page.keyboard.press("Escape")  # close the list, as a person clicks away


def slider_value(page, label: str) -> int:
    return int(widget(page, "stSlider", label).locator('[data-testid="stSliderThumbValue"]').inner_text())


def move_slider(page, label: str, steps: int) -> None:
    """Arrow keys on the focused thumb: one step each, as precise as a person's hand is not."""
    widget(page, "stSlider", label).locator('input[type="range"]').focus()
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowRight" if steps > 0 else "ArrowLeft")


def map_shown(page) -> None:
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=SLOW_MS)


def map_caption(page, method: str) -> str:
    caption = page.get_by_text(re.compile(f"{method} took [0-9.]+ s for this map")).first
    caption.wait_for(timeout=SLOW_MS)
    return caption.inner_text()


def until(page, check, what: str, timeout_s: float = 30):
    """Poll `check()` until it gives something true (a rerun takes a moment); returns it."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout_s:.0f} s")
        page.wait_for_timeout(200)


# --- the tests --------------------------------------------------------------------------------------
def test_every_control_takes_effect_on_the_first_click(songs_url, book_first_title):
    with chromium_page(VIEWPORT) as page:
        open_page(page, songs_url)
        assert select_value(page, "Song") == "Fade To Black — Metallica (#2172)"
        book_titles = titles(page)
        assert row_count(page) == 10 and book_titles[0] == book_first_title

        pause_like_a_person(page)  # search: the best match is picked, the table follows
        type_into(page, "stTextInput", "Find a song", "iron maiden")
        until(page, lambda: "Iron Maiden" in select_value(page, "Song"), "the song follows the search")
        first_pick = select_value(page, "Song")
        found = wait_for_url(page, lambda q: q.get("q") == ["iron maiden"]
                             and q.get("song") == [str(song_id(first_pick))])
        titles(page, unlike=book_titles)
        assert song_id(first_pick) not in ids(page)

        pause_like_a_person(page)  # another song from the same search
        before = titles(page)
        options = open_select(page, "Song")
        second = options.nth(1).inner_text().strip()
        assert second != first_pick
        options.nth(1).click()
        until(page, lambda: select_value(page, "Song") == second, "the picked song is shown")
        wait_for_url(page, lambda q: q.get("song") == [str(song_id(second))])
        titles(page, unlike=before)

        pause_like_a_person(page)  # more recommendations
        move_slider(page, "How many", 5)
        until(page, lambda: slider_value(page, "How many") == 15, "the slider shows 15")
        wait_for_url(page, lambda q: q.get("n") == ["15"])
        until(page, lambda: row_count(page) == 15, "15 recommendations")

        pause_like_a_person(page)  # a little playlist starts from the song in view
        before = titles(page)
        choose_radio(page, "Recommend for", "A little playlist")
        until(page, lambda: radio_value(page, "Recommend for") == "A little playlist", "playlist mode")
        until(page, lambda: playlist_chips(page) == [second], "the playlist holds the song in view")
        wait_for_url(page, lambda q: q.get("mode") == ["playlist"] and q.get("playlist") == [str(song_id(second))])

        pause_like_a_person(page)  # search, then add the book's song to the playlist
        type_into(page, "stTextInput", "Find a song", "fade to black metallica")
        wait_for_url(page, lambda q: q.get("q") == ["fade to black metallica"])
        settle(page)
        assert playlist_chips(page) == [second]  # a search in playlist mode only offers songs
        pause_like_a_person(page)
        add_to_playlist(page, "Fade To Black — Metallica")
        until(page, lambda: playlist_chips(page) == [second, "Fade To Black — Metallica (#2172)"], "two chips")
        wait_for_url(page, lambda q: q.get("playlist") == [str(song_id(second)), "2172"])
        two_song_titles = titles(page, unlike=before)
        assert not {2172, song_id(second)} & set(ids(page))

        pause_like_a_person(page)  # remove a chip
        playlist_box(page).get_by_role("button", name=f"Remove {second}").click()
        until(page, lambda: playlist_chips(page) == ["Fade To Black — Metallica (#2172)"], "one chip left")
        wait_for_url(page, lambda q: q.get("playlist") is None)  # [2172] is the default playlist
        titles(page, unlike=two_song_titles)

        pause_like_a_person(page)  # back to one song: the song chosen before is still there
        choose_radio(page, "Recommend for", "One song")
        until(page, lambda: select_value(page, "Song") == second, "the earlier song is back")
        wait_for_url(page, lambda q: "mode" not in q and q.get("song") == [str(song_id(second))])

        pause_like_a_person(page)  # the map
        choose_view(page, "Map of the songs")
        until(page, lambda: "Map of the songs" in view_value(page), "the map view is chosen")
        map_shown(page)
        assert "PCA" in map_caption(page, "PCA")
        wait_for_url(page, lambda q: q.get("view") == ["map"])
        until(page, lambda: not page.locator('[data-testid="stDataFrame"]').count(), "the old table goes")

        pause_like_a_person(page)  # UMAP instead of PCA
        choose_radio(page, "Projection", "UMAP")
        until(page, lambda: radio_value(page, "Projection").startswith("UMAP"), "UMAP is chosen")
        seconds = float(re.search(r"UMAP took ([0-9.]+) s", map_caption(page, "UMAP")).group(1))
        assert 0 < seconds < 240
        wait_for_url(page, lambda q: q.get("proj") == ["umap"])

        pause_like_a_person(page)  # how good is it: the evaluation is offered (or its stored result shown)
        choose_view(page, "How good is it?")
        until(page, lambda: "How good is it?" in view_value(page), "the evaluation view is chosen")
        page.get_by_text(re.compile("Run the evaluation|beats popularity")).first.wait_for(timeout=30_000)
        wait_for_url(page, lambda q: q.get("view") == ["quality"])

        pause_like_a_person(page)  # and back to the table, as it was
        choose_view(page, "Recommendations")
        until(page, lambda: row_count(page) == 15, "the table is back")
        assert song_id(second) not in ids(page)
        final = wait_for_url(page, lambda q: "view" not in q)
        assert final.get("proj") == ["umap"] and found.get("q") != final.get("q") == ["fade to black metallica"]


def test_data_source_and_settings_take_effect_and_travel_in_the_link(songs_url, book_first_title):
    with chromium_page(VIEWPORT) as page:
        open_page(page, songs_url)
        assert page.get_by_text("from the server's local copy").first.is_visible()
        page.get_by_text("Playlist data", exact=True).click()
        page.get_by_text("word2vec settings (the book's by default)").click()

        pause_like_a_person(page)
        choose_radio(page, "Where from", "A folder on this server")
        until(page, lambda: radio_value(page, "Where from") == "A folder on this server", "the folder choice")
        # The operator's folder (TOKENLENS_SONGS_DIR, set by conftest's app_server) is offered by name.
        page.get_by_text(f"Playlists from the server's folder {FOLDER.name}").wait_for(timeout=60_000)
        assert titles(page)[0] == book_first_title
        wait_for_url(page, lambda q: q.get("source") == ["folder"] and q.get("folder") == [FOLDER.name])

        pause_like_a_person(page)
        choose_radio(page, "Where from", "The book's dataset")
        until(page, lambda: radio_value(page, "Where from") == "The book's dataset", "the book's data chosen")
        page.get_by_text("from the server's local copy").first.wait_for(timeout=30_000)
        wait_for_url(page, lambda q: "source" not in q)

        pause_like_a_person(page)  # a setting the cache has no model for: offered, never trained silently
        type_into(page, "stNumberInput", "epochs", "2")
        page.get_by_text("changed from the book's: epochs 2").wait_for(timeout=30_000)
        page.get_by_role("button", name="Train word2vec").wait_for(timeout=30_000)
        # No recommendations without a model (a stored evaluation of these settings may show its scores).
        until(page, lambda: not page.get_by_text("Songs most often played around").count(), "the old table goes")
        wait_for_url(page, lambda q: q.get("epochs") == ["2"])

        pause_like_a_person(page)
        type_into(page, "stNumberInput", "epochs", "5")
        assert titles(page, timeout_s=30)[0] == book_first_title
        wait_for_url(page, lambda q: "epochs" not in q)


def test_a_copied_link_opens_the_same_view_in_a_fresh_browser(songs_url):
    with chromium_page(VIEWPORT) as page:
        open_page(page, songs_url)
        type_into(page, "stTextInput", "Find a song", "beyonce")
        until(page, lambda: "Beyonce" in select_value(page, "Song"), "the search picks a Beyonce song")
        pause_like_a_person(page)
        move_slider(page, "How many", -5)
        wait_for_url(page, lambda q: q.get("n") == ["5"] and q.get("q") == ["beyonce"])
        until(page, lambda: row_count(page) == 5, "five recommendations")
        song, shown = select_value(page, "Song"), titles(page)
        pause_like_a_person(page)
        choose_view(page, "Map of the songs")
        map_shown(page)
        link = page.url
        assert query(page).get("view") == ["map"]

    with chromium_page(VIEWPORT) as fresh:  # no cookies, no session: only the link
        fresh.goto(link)
        wait_for_app(fresh)
        map_shown(fresh)
        assert select_value(fresh, "Song") == song
        assert slider_value(fresh, "How many") == 5
        assert "Map of the songs" in view_value(fresh)
        choose_view(fresh, "Recommendations")
        until(fresh, lambda: row_count(fresh) == 5, "the table in the fresh browser")
        assert titles(fresh) == shown


@pytest.mark.parametrize("mode, suffix, scheme", [("light", "", "light"), ("dark", "", "dark"),
                                                  ("projector", "?big=1", "light")])
def test_first_screen_screenshots(songs_url, artifacts, mode, suffix, scheme):
    """The recommendations start on the first screen; the pictures are for a person to look at."""
    with chromium_page(VIEWPORT, color_scheme=scheme) as page:
        open_page(page, songs_url + suffix)
        table = page.locator('[data-testid="stTable"]' if mode == "projector" else '[data-testid="stDataFrame"]')
        box = table.first.bounding_box()
        assert box and box["y"] < VIEWPORT[1] - 120, box  # the table's top and its first rows are in view
        assert box["x"] + box["width"] <= VIEWPORT[0], box  # no column falls off the screen
        if mode == "projector":
            cells = page.locator('[data-testid="stTable"] th').all_inner_texts()
            assert [cell for cell in cells if cell in ("title", "artist", "similarity", "genre")] == [
                "title", "artist", "similarity", "genre"]
        if mode == "dark":
            background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=\"stApp\"]'))"
                                       ".backgroundColor")
            assert background != "rgb(255, 255, 255)", background
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / f"songs-{mode}.png"))
