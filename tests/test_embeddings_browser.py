"""The Embeddings page in Chromium at 1280x800, used the way a lecturer uses it.

Clicks come 2–3 s apart on every section button, select, radio, slider and text box; after each
one the test checks that the widget shows the new value, that the view changed accordingly and
that the link carries it. Each sequence ends with the link opened in a fresh browser. Screenshots
of each section's first screen (light, dark, projector) go to test-artifacts/.
"""

from __future__ import annotations

import re
import time

import pytest
from browser import (button_checked, choose_radio, chromium_page, group_button, query, radio_value, select_value,
                     type_into, wait_for_app, wait_for_url, widget)
from conftest import ARTIFACTS
from playwright.sync_api import expect

from tokenlens.embeddings import contextual

VIEWPORT = (1280, 800)
WAIT_MS = 120_000  # a first model load on a busy 2-core machine
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


class Person:
    """Acts at a person's pace: each action comes at least two seconds after the previous one,
    later when the page is still drawing the last result (as a person waits to see it)."""

    def __init__(self, page):
        self.page = page
        self.last = 0.0

    def __call__(self, action, *args) -> None:
        rest = 2.0 - (time.monotonic() - self.last)
        if rest > 0:
            self.page.wait_for_timeout(int(rest * 1000))
        wait_for_app(self.page)  # a person sees the page still drawing (the spinner) and waits
        try:
            action(self.page, *args)
        except Exception:  # what the page showed when an action could not be done, for whoever debugs it
            self.page.screenshot(path=str(ARTIFACTS / "embeddings-failed-action.png"))
            raise
        self.last = time.monotonic()


def has(param: str, value: str | None):
    """A link predicate: `param` is `value` (None: absent)."""
    return lambda found: found.get(param, [None])[0] == value


FIRST_CHART_ROWS = """() => [...(document.querySelector('.js-plotly-plot') || document).querySelectorAll('.ytick text')]
    .map(t => [t.getBoundingClientRect().top, t.textContent]).sort((a, b) => a[0] - b[0]).map(p => p[1])"""


def chart_rows(page) -> list[str]:
    """The y labels of the section's first chart, top to bottom (neighbour bars, or a heatmap's rows)."""
    return page.evaluate(FIRST_CHART_ROWS)


def wait_for_neighbours(page, first: str, count: int) -> None:
    page.wait_for_function(f"([first, count]) => {{ const rows = ({FIRST_CHART_ROWS})(); "
                           "return rows[0] === first && rows.length === count; }", arg=[first, count], timeout=WAIT_MS)


def wait_for_rows(page, rows: list[str]) -> None:
    page.wait_for_function(f"(rows) => JSON.stringify(({FIRST_CHART_ROWS})()) === JSON.stringify(rows)",
                           arg=rows, timeout=WAIT_MS)


def wait_for_plot_text(page, text: str, selector: str = "text") -> None:
    page.wait_for_function(
        "([s, t]) => [...document.querySelectorAll('.js-plotly-plot ' + s)].some(e => e.textContent === t)",
        arg=[selector, text], timeout=WAIT_MS)


def wait_for_3d_plot(page, *, shown: bool = True) -> None:
    """Until a plot on the page is (or, shown=False, no plot is) a 3D scatter."""
    negate = "" if shown else "!"
    page.wait_for_function(f"() => {negate}[...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(p => p._fullData && p._fullData.some(t => t.type === 'scatter3d'))",
                           timeout=WAIT_MS)


def section(page, name: str) -> None:
    group_button(page, "Section", name).click()


def pick(page, label: str, option: str) -> None:
    """Open a select and pick the option whose text is exactly `option` (several start alike).

    Streamlit 1.67's select is a react-aria combobox (an input), not browser.py's baseweb one."""
    select = widget(page, "stSelectbox", label)
    # As a person does: scroll to it first. A popup opened while the page still scrolls is closed
    # again by the scroll (react-aria closes popovers on scroll).
    select.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    select.get_by_role("button", name="Open").click()
    page.get_by_role("option", name=option, exact=True).click()


def table_column(page, index: int = 0, column: int = 0) -> list[str]:
    rows = page.locator('[data-testid="stTable"]').nth(index).locator("tbody tr")
    return [cell.strip() for cell in rows.locator(f"td:nth-child({column + 1}), th:nth-child({column + 1})")
            .all_inner_texts()]


def text_box(page, testid: str, label: str):
    return widget(page, testid, label).locator("textarea, input").first


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def open_fresh():
    """What a student has: a new browser, no cookies, no storage; the link is pasted in."""
    return chromium_page(VIEWPORT)


# ---------------------------------------------------------------- word vectors
WORD_SET = "fruit: apple, pear, plum, cherry\ncars: volvo, saab, fiat, honda"


def test_word_section_takes_every_click_and_the_link_restores_it(app_server, artifacts):
    with chromium_page(VIEWPORT) as page:
        act = Person(page)
        page.goto(app_server + "/embeddings")
        wait_for_app(page)
        wait_for_neighbours(page, "king", 11)
        assert chart_rows(page)[:3] == ["king", "prince", "queen"]
        expect(page.locator('[data-testid="stTable"]').first).to_contain_text("0.8236")

        act(type_into, "stTextInput", "Word", "queen")
        wait_for_neighbours(page, "queen", 11)
        assert "princess" in chart_rows(page) and table_column(page)[0] == "queen"
        wait_for_url(page, has("word", "queen"))

        act(type_into, "stNumberInput", "How many", "5")
        wait_for_neighbours(page, "queen", 5)  # every bar labelled
        expect(page.locator('[data-testid="stTable"]').first.locator("tbody tr")).to_have_count(5)
        wait_for_url(page, has("topn", "5"))

        for label, word in (("A", "paris"), ("minus B", "france"), ("plus C", "italy")):
            act(type_into, "stTextInput", label, word)
            wait_for_url(page, has({"A": "a", "minus B": "b", "plus C": "c"}[label], word))
            expect(text_box(page, "stTextInput", label)).to_have_value(word)
        answer = page.get_by_text(re.compile(r"^rome is closest to paris − france \+ italy"))
        expect(answer).to_be_visible(timeout=WAIT_MS)

        act(type_into, "stTextInput", "Words", "apple pear car plum")
        expect(page.get_by_text("The odd one out: car")).to_be_visible(timeout=WAIT_MS)
        wait_for_url(page, has("odd", "apple pear car plum"))

        act(pick, "Preset", "Animals")
        expect(text_box(page, "stTextArea", "Words (one group")).to_have_value(re.compile(r"^farm: pig, cow"),
                                                                              timeout=WAIT_MS)
        wait_for_plot_text(page, "giraffe")
        found = wait_for_url(page, has("preset", "animals"))
        assert "set" not in found  # the preset names its words

        act(type_into, "stTextArea", "Words (one group", WORD_SET)
        wait_for_plot_text(page, "volvo")
        assert select_value(page, "Preset") == "Your own words"  # edited: custom, text kept
        expect(text_box(page, "stTextArea", "Words (one group")).to_have_value(WORD_SET)
        # The page writes parameters one by one: wait for the pair, not for the first to arrive.
        wait_for_url(page, lambda q: has("preset", "custom")(q) and has("set", WORD_SET)(q))

        act(choose_radio, "Projection", "t-SNE")
        expect(page.get_by_text(re.compile(r"^t-SNE: perplexity"))).to_be_visible(timeout=WAIT_MS)
        assert radio_value(page, "Projection") == "t-SNE"
        wait_for_url(page, has("method", "t-SNE"))

        act(choose_radio, "Dimensions", "3D")
        wait_for_3d_plot(page)
        wait_for_url(page, has("dims", "3"))

        act(choose_radio, "Dimensions", "2D")
        wait_for_url(page, has("dims", None))
        wait_for_3d_plot(page, shown=False)
        assert radio_value(page, "Dimensions") == "2D"
        act(choose_radio, "Projection", "UMAP")
        note = page.get_by_text(re.compile(r"^UMAP('s one-off compilation took \d+ s| compiles its code once)"))
        expect(note).to_be_visible(timeout=WAIT_MS)
        assert "half a minute" not in note.inner_text()
        expect(page.get_by_text(re.compile(r"^UMAP: \d+ neighbours"))).to_be_visible(timeout=WAIT_MS)
        found = wait_for_url(page, has("method", "UMAP"))
        assert "dims" not in found  # back to the default, 2D

        act(pick, "Word vectors", "GloVe 6B, 100d (gensim-data download)")
        expect(page.get_by_text("GloVe 6B, 100d: not available offline")).to_be_visible(timeout=WAIT_MS)
        wait_for_url(page, has("vectors", "glove-wiki-gigaword-100"))
        assert "Nearest neighbours" not in main_text(page)

        act(pick, "Word vectors", "GloVe 6B, 50d")
        wait_for_neighbours(page, "queen", 5)  # queen's five neighbours again: nothing was lost
        wait_for_url(page, has("vectors", None))

        act(section, "Sentences")
        expect(widget(page, "stSelectbox", "Sentence model")).to_be_visible(timeout=WAIT_MS)
        assert button_checked(page, "Section", "Sentences")
        wait_for_url(page, has("section", "sentences"))
        act(section, "Word vectors")
        wait_for_plot_text(page, "volvo")
        assert button_checked(page, "Section", "Word vectors") and not button_checked(page, "Section", "Sentences")
        wait_for_url(page, has("section", None))
        expect(text_box(page, "stTextInput", "Word")).to_have_value("queen")
        wait_for_app(page)
        page.wait_for_timeout(500)  # the last parameters reach the address bar
        link = page.url

    with open_fresh() as fresh:
        fresh.goto(link)
        wait_for_app(fresh)
        wait_for_plot_text(fresh, "volvo")
        expect(text_box(fresh, "stTextInput", "Word")).to_have_value("queen")
        expect(text_box(fresh, "stNumberInput", "How many")).to_have_value("5")
        assert [text_box(fresh, "stTextInput", label).input_value() for label in ("A", "minus B", "plus C")] == \
            ["paris", "france", "italy"]
        expect(text_box(fresh, "stTextInput", "Words")).to_have_value("apple pear car plum")
        assert select_value(fresh, "Preset") == "Your own words"
        expect(text_box(fresh, "stTextArea", "Words (one group")).to_have_value(WORD_SET)
        assert radio_value(fresh, "Projection") == "UMAP" and radio_value(fresh, "Dimensions") == "2D"
        fresh.locator('[data-testid="stMain"]').screenshot(path=str(artifacts / "embeddings-words-link.png"))


# ---------------------------------------------------------------- sentences and tokens in context
SENTENCES = "The stock market fell.\nShares dropped sharply.\nMy cat sleeps all day.\nThe dog naps on the sofa."
ADDED = "[money] The bank raised its rates."
BANK_ROWS = ["river 1", "river 2", "river 3", "money 1", "money 2", "money 3"]


def test_sentences_and_context_take_every_click_and_the_link_restores_them(app_server, artifacts):
    with chromium_page(VIEWPORT) as page:
        act = Person(page)
        page.goto(app_server + "/embeddings?section=sentences")
        wait_for_app(page)
        model = widget(page, "stSelectbox", "Sentence model").get_by_role("combobox")
        expect(model).to_have_value("all-MiniLM-L6-v2, standing in for all-mpnet-base-v2", timeout=WAIT_MS)
        expect(page.get_by_text("all-mpnet-base-v2: not available offline")).to_be_visible()

        act(pick, "Sentence model", "all-MiniLM-L6-v2")
        expect(page.get_by_text("all-mpnet-base-v2: not available offline")).to_have_count(0, timeout=WAIT_MS)
        assert select_value(page, "Sentence model") == "all-MiniLM-L6-v2"
        wait_for_url(page, has("smodel", MINILM))

        act(type_into, "stTextArea", "Sentences (one per line)", SENTENCES)
        wait_for_rows(page, SENTENCES.splitlines())
        expect(page.get_by_text(re.compile(r"these 4 → \(4, 384\)"))).to_be_visible()
        wait_for_url(page, has("sentences", SENTENCES))

        act(type_into, "stTextInput", "Semantic search", "pets resting")
        expect(page.locator('[data-testid="stTable"]').first.locator("tbody tr").first).to_contain_text(
            re.compile("cat|dog"), timeout=WAIT_MS)
        wait_for_url(page, has("query", "pets resting"))

        act(choose_radio, "Projection", "t-SNE")
        expect(page.get_by_text(re.compile(r"^t-SNE: perplexity 1"))).to_be_visible(timeout=WAIT_MS)
        wait_for_url(page, has("smethod", "t-SNE"))
        act(choose_radio, "Dimensions", "3D")
        wait_for_3d_plot(page)
        wait_for_url(page, has("sdims", "3"))

        act(section, "Tokens in context")
        expect(widget(page, "stSelectbox", "Model").get_by_role("combobox")).to_have_value(
            "all-MiniLM-L6-v2, standing in for DeBERTa-v3 xsmall", timeout=WAIT_MS)
        wait_for_url(page, has("section", "contextual"))
        assert button_checked(page, "Section", "Tokens in context")
        assert "pytorch_model.bin" not in main_text(page)
        expect(page.get_by_text(re.compile(r"^Same-sense pairs are more similar than cross-sense pairs"))) \
            .to_be_visible(timeout=WAIT_MS)
        wait_for_rows(page, BANK_ROWS)

        act(pick, "Model", "all-MiniLM-L6-v2")
        expect(page.get_by_text("DeBERTa-v3 xsmall: not available offline")).to_have_count(0, timeout=WAIT_MS)
        expect(page.get_by_text(re.compile("own tokenizer .* splits the text as"))).to_have_count(0)
        wait_for_url(page, has("cmodel", MINILM))

        slider = widget(page, "stSlider", "Layer").locator('input[type="range"]')
        act(lambda p: (slider.focus(), slider.press("ArrowLeft"), slider.press("ArrowLeft")))
        expect(page.get_by_text(re.compile(r"\(layer 4 of 6\)"))).to_be_visible(timeout=WAIT_MS)
        expect(slider).to_have_value("4")
        expect(widget(page, "stSlider", "Layer").get_by_test_id("stSliderThumbValue")).to_have_text("4")
        wait_for_url(page, has("layer", "4"))

        act(type_into, "stTextInput", "Text", "The bank is closed")
        expect(page.get_by_text(re.compile(r"Output shape \[1, 6, 384\]"))).to_be_visible(timeout=WAIT_MS)
        wait_for_url(page, has("text", "The bank is closed"))

        act(type_into, "stTextInput", "Word to follow", "river")
        wait_for_rows(page, ["river 1", "river 2"])  # only two sentences have "river"
        wait_for_url(page, has("follow", "river"))
        act(type_into, "stTextInput", "Word to follow", "bank")
        wait_for_rows(page, BANK_ROWS)
        wait_for_url(page, has("follow", None))

        act(type_into, "stTextArea", "Sentences that use it", contextual.marked_text() + "\n" + ADDED)
        wait_for_rows(page, [*BANK_ROWS, "money 4"])
        wait_for_plot_text(page, "The bank raised its rates")  # its label in the projection
        wait_for_url(page, lambda q: ADDED in q.get("fsents", [""])[0])

        act(choose_radio, "Dimensions", "3D")
        wait_for_url(page, has("bdims", "3"))
        wait_for_3d_plot(page)
        act(choose_radio, "Projection", "t-SNE")
        wait_for_url(page, has("bmethod", "t-SNE"))
        expect(page.get_by_text(re.compile(r"^t-SNE: perplexity"))).to_be_visible(timeout=WAIT_MS)

        act(type_into, "stTextInput", "Token (as in the vocabulary)", "Kingdom")
        expect(page.get_by_text(re.compile(r"reads it as the single token 'kingdom'"))) \
            .to_be_visible(timeout=WAIT_MS)
        wait_for_url(page, has("piece", "Kingdom"))
        wait_for_app(page)
        page.wait_for_timeout(500)  # the last parameters reach the address bar
        link = page.url
        assert query(page)["layer"] == ["4"]

    with open_fresh() as fresh:
        fresh.goto(link)
        wait_for_app(fresh)
        expect(fresh.get_by_text(re.compile(r"\(layer 4 of 6\)"))).to_be_visible(timeout=WAIT_MS)
        assert select_value(fresh, "Model") == "all-MiniLM-L6-v2"
        expect(text_box(fresh, "stTextInput", "Text")).to_have_value("The bank is closed")
        expect(text_box(fresh, "stTextArea", "Sentences that use it")).to_have_value(
            contextual.marked_text() + "\n" + ADDED)
        wait_for_rows(fresh, [*BANK_ROWS, "money 4"])
        assert radio_value(fresh, "Projection") == "t-SNE" and radio_value(fresh, "Dimensions") == "3D"
        expect(text_box(fresh, "stTextInput", "Token (as in the vocabulary)")).to_have_value("Kingdom")
        section(fresh, "Sentences")
        wait_for_rows(fresh, SENTENCES.splitlines())
        expect(text_box(fresh, "stTextInput", "Semantic search")).to_have_value("pets resting")
        assert select_value(fresh, "Sentence model") == "all-MiniLM-L6-v2"


# ---------------------------------------------------------------- first screens
FIRST_SCREEN = {  # each section's first result, which must be in view without scrolling
    "words": ".js-plotly-plot",  # the neighbours of "king"
    "sentences": '[data-testid="stTable"]',  # the semantic search's answer
    "contextual": ".tl-box",  # the token chips
}


SIDEWAYS = """() => [...document.querySelectorAll('[data-testid="stTable"], [data-testid="stDataFrame"]')]
    .filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.innerText.slice(0, 40))"""


@pytest.mark.parametrize("mode", ["light", "dark", "projector"])
def test_first_screens(app_server, artifacts, mode):
    scheme = "dark" if mode == "dark" else "light"
    extra = "&big=1" if mode == "projector" else ""
    with chromium_page(VIEWPORT, color_scheme=scheme) as page:
        for name, selector in FIRST_SCREEN.items():
            page.goto(f"{app_server}/embeddings?section={name}{extra}")
            wait_for_app(page)
            if name == "words":
                wait_for_neighbours(page, "king", 11)
            expect(page.locator(selector).first).to_be_visible(timeout=WAIT_MS)
            wait_for_app(page)
            page.wait_for_timeout(1000)  # charts finish drawing
            box = page.locator(selector).first.bounding_box()
            assert box and box["y"] < VIEWPORT[1] - 60, f"{name}: its first result starts at {box}"
            assert page.evaluate(SIDEWAYS) == [], f"{name}: tables that scroll sideways"
            page.screenshot(path=str(artifacts / f"embeddings-{name}-{mode}.png"))
        # The "bank" experiment, the section's point: senses in colour, labels inside the plot.
        wait_for_rows(page, BANK_ROWS)
        page.get_by_text(re.compile("^Same-sense pairs are more similar")).evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(800)
        page.screenshot(path=str(artifacts / f"embeddings-bank-{mode}.png"))


def test_html_in_a_label_is_drawn_as_text(app_server):
    with chromium_page(VIEWPORT) as page:
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(app_server + "/embeddings?section=sentences")
        wait_for_app(page)
        typed = "<b>bold?</b> a film I loved\n<img src=x onerror=alert(1)> stocks\nA quiet cat sleeps"
        type_into(page, "stTextArea", "Sentences (one per line)", typed)
        wait_for_rows(page, typed.splitlines())  # the heatmap's rows, tags shown as typed
        wait_for_app(page)
        assert not dialogs
        assert page.locator(".js-plotly-plot b").count() == 0  # no bold element made from typed tags
        assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
