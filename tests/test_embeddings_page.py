"""The Embeddings page under AppTest: each section with the real packaged models, its state in the
link, and bad input."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tokenlens.embeddings.link import FIELDS, preset_text
from tokenlens import url_state
from tokenlens.catalog import WORD_VECTORS
from tokenlens.embeddings import contextual

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "embeddings_explorer.py")


def open_page(**params) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=240)
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def widget(app: AppTest, kind: str, param: str):
    return next(w for w in getattr(app, kind) if w.key == f"embeddings.{param}")


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def shown_option(select) -> str:
    """The selected option as the browser shows it."""
    return select.options[select.index]


def test_word_section_shows_the_books_neighbours():
    app = open_page()
    table = app.table[0].value
    assert table["word"].tolist()[:3] == ["king", "prince", "queen"]
    assert table["similarity"].tolist()[1] == "0.8236"
    assert any("**queen**" in m for m in texts(app.markdown))
    assert any("cereal" in m for m in texts(app.markdown))
    assert any(c.endswith("📦 Stand-in: " + WORD_VECTORS["glove-wiki-gigaword-50"].packaged.label)
               for c in texts(app.caption))
    assert dict(app.query_params) == {}  # the default view has the shortest link


def test_unknown_words_and_html_are_named_not_crashed():
    app = open_page()
    widget(app, "text_input", "word").set_value("<b>qwzxv</b>").run()
    widget(app, "text_input", "b").set_value("blorpf").run()
    assert not app.exception
    warnings = texts(app.warning)
    # Named, and escaped for Markdown: the tags are shown, never applied.
    assert any("qwzxv" in w and "\\<b\\>" in w for w in warnings) and any("blorpf" in w for w in warnings)
    assert app.query_params["word"] == "<b>qwzxv</b>" and app.query_params["b"] == "blorpf"


def test_an_edited_preset_becomes_custom_and_the_link_keeps_it():
    app = open_page(preset="animals")
    box = widget(app, "text_area", "set")
    assert box.value == preset_text("animals") and "preset" in app.query_params
    assert "set" not in app.query_params  # a preset's words need not travel
    box.set_value("fruit: apple, pear, plum\ncars: volvo, saab, <script>x</script>").run()
    assert widget(app, "selectbox", "preset").value == "custom"
    assert app.query_params["preset"] == "custom" and "volvo" in app.query_params["set"]
    assert any("\\<script\\>x\\</script\\>" in i for i in texts(app.info))  # named, as plain text
    # The link opens what the sender saw.
    again = open_page(preset="custom", set=app.query_params["set"])
    assert widget(again, "text_area", "set").value == app.query_params["set"]
    # Choosing "your own words" keeps the text in the box instead of emptying it.
    animals = open_page(preset="animals")
    widget(animals, "selectbox", "preset").set_value("custom").run()
    assert widget(animals, "text_area", "set").value == preset_text("animals")


def test_one_word_set_asks_for_more():
    app = open_page()
    widget(app, "text_area", "set").set_value("animals: cat").run()
    assert not app.exception
    assert any("at least two" in i for i in texts(app.info))


def test_a_link_restores_every_word_field():
    app = open_page(word="paris", topn="5", a="paris", b="france", c="italy", odd="apple pear car plum",
                    method="t-SNE", dims="3")
    assert widget(app, "text_input", "word").value == "paris" and len(app.table[0].value) == 5
    assert app.table[1].value["word"].iloc[0] == "rome"
    assert any("**car**" in m for m in texts(app.markdown))
    assert widget(app, "radio", "method").value == "t-SNE" and widget(app, "radio", "dims").value == 3
    assert any("t-SNE: perplexity" in c for c in texts(app.caption))


def test_malformed_links_fall_back_to_defaults():
    values = url_state.read({"section": ["nope"], "topn": ["٣"], "dims": ["7"], "preset": ["x"]}, FIELDS)
    assert (values["section"], values["topn"], values["dims"], values["preset"]) == ("words", 11, 2, "royalty")
    app = open_page(section="nope", topn="999", layer="-4")
    assert widget(app, "number_input", "topn").value == 11


def test_sentence_section_names_the_model_in_use_and_caps_input():
    app = open_page(section="sentences")
    select = widget(app, "selectbox", "smodel")
    assert shown_option(select) == "all-MiniLM-L6-v2, standing in for all-mpnet-base-v2"
    assert not app.warning  # no yellow box: one quiet line, the reason folded away
    assert any("all\\-mpnet\\-base\\-v2" in c and "not available offline" in c for c in texts(app.caption))
    assert any("(384,)" in m for m in texts(app.markdown))
    hits = app.table[0].value
    assert "film" in hits["closest sentences"].iloc[0] or "movie" in hits["closest sentences"].iloc[0]
    widget(app, "text_input", "query").set_value("money and stocks").run()
    assert app.table[0].value["closest sentences"].iloc[0].replace("\\", "") in {"The stock market fell sharply today.",
                                                               "Investors worried about rising interest rates."}
    assert app.query_params["query"] == "money and stocks"
    widget(app, "text_area", "sentences").set_value(
        "\n".join(f"Sentence number {i} in 中文 et français." for i in range(1200))).run()
    assert not app.exception
    assert any("1,200 sentences" in i for i in texts(app.info))
    assert any("does not carry the sentences" in c for c in texts(app.caption))


def test_contextual_section_is_quiet_and_shows_the_senses():
    app = open_page(section="contextual")
    select = widget(app, "selectbox", "cmodel")
    assert shown_option(select) == "all-MiniLM-L6-v2, standing in for DeBERTa-v3 xsmall"
    shown = " ".join(texts(app.caption) + texts(app.markdown) + texts(app.info) + texts(app.warning))
    assert not app.warning and not app.info
    assert "pytorch_model.bin" not in shown and "/work/" not in shown
    assert any("deberta-base" in c for c in texts(app.caption))  # the book's tokenizer mistake, said quietly
    assert any("[1, 4, 384]" in m for m in texts(app.markdown))
    assert any(m.startswith("**Same-sense pairs are more similar than cross-sense pairs**")
               for m in texts(app.markdown))
    assert widget(app, "slider", "layer").value == 6 and app.query_params["layer"] == "6"
    assert app.table[-1].value["nearest token"].iloc[0] == "king"

    widget(app, "slider", "layer").set_value(0).run()
    assert any("(layer 0 of 6)" in m for m in texts(app.markdown))
    assert any("barely differ" in m for m in texts(app.markdown))  # true at layer 0, said so
    widget(app, "text_input", "piece").set_value("Kingdom").run()
    assert any("single token 'kingdom'" in c.replace("\\", "") for c in texts(app.caption))
    assert app.table[-1].value["nearest token"].iloc[0] == "kingdom"
    widget(app, "text_input", "follow").set_value("volcano").run()
    assert not app.exception
    assert any("volcano" in i for i in texts(app.info))
    assert app.query_params["follow"] == "volcano" and app.query_params["piece"] == "Kingdom"


def test_contextual_link_round_trip():
    sentences = contextual.marked_text() + "\n[money] The bank raised its rates."
    app = open_page(section="contextual", cmodel="sentence-transformers/all-MiniLM-L6-v2", text="A bank",
                    layer="3", fsents=sentences, bmethod="t-SNE")
    assert widget(app, "selectbox", "cmodel").value == "sentence-transformers/all-MiniLM-L6-v2"
    assert not any("not available" in c for c in texts(app.caption))  # the packaged model itself
    assert widget(app, "slider", "layer").value == 3
    assert any("[1, 4, 384]" in m and "(layer 3 of 6)" in m for m in texts(app.markdown))
    assert widget(app, "text_area", "fsents").value == sentences
    assert widget(app, "radio", "bmethod").value == "t-SNE"
