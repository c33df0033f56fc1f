"""The tokenizer page under streamlit's AppTest: real tokenizers, real values."""

from __future__ import annotations

import pytest
from conftest import ROOT, require_hub
from streamlit.testing.v1 import AppTest

PAGE = str(ROOT / "app_pages" / "tokenizer_compare.py")


@pytest.fixture()
def page():
    require_hub("gpt2")
    return AppTest.from_file(PAGE, default_timeout=180)


def test_default_view_shows_every_available_book_tokenizer(page):
    page.run()
    assert not page.exception
    views = "".join(e.proto.srcdoc for e in page.main if getattr(e, "type", None) == "iframe")
    assert "<script" not in views
    assert views.count('class="tl-panel"') == 9  # the ten book tokenizers but galactica, which ../shared lacks
    assert '<code>gpt2</code> · byte-level BPE · <strong>49 tokens</strong>' in views
    assert any("facebook/galactica-1.3b" in w.value and "unavailable" in w.value for w in page.warning)
    table = page.dataframe[0].value
    gpt2 = table[table["tokenizer"] == "gpt2"].iloc[0]
    assert gpt2["tokens"] == 49 and gpt2["unknown"] == 0


def test_custom_text_and_query_params(page):
    page.query_params["text"] = "Hello world"
    page.query_params["tok"] = ["gpt2", "Xenova/gpt-4"]
    page.run()
    assert not page.exception
    table = page.dataframe[0].value
    assert list(table["tokenizer"]) == ["gpt2", "Xenova/gpt-4"]
    assert list(table["tokens"]) == [2, 2]
    assert page.selectbox[0].value == "custom"


def test_decode_box_and_bad_ids(page):
    require_hub("microsoft/Phi-3-mini-4k-instruct")
    page.query_params["tok"] = ["microsoft/Phi-3-mini-4k-instruct"]
    page.run()
    assert page.code[0].value == "'Subject'"  # the book's decode([3323, 622])
    page.text_input[1].set_value("3323 banana").run()
    assert "is not a token id" in page.error[0].value
    page.text_input[1].set_value("99999999").run()
    assert "not in microsoft/Phi-3-mini-4k-instruct's vocabulary" in page.error[0].value


def test_empty_text_huge_text_and_unknown_model(page):
    page.run()
    page.selectbox[0].set_value("custom").run()
    page.text_area[0].set_value("").run()
    assert not page.exception and any("Type a text" in i.value for i in page.info)
    page.text_area[0].set_value("ab " * 400_000).run()  # a 1.2 MB paste
    assert not page.exception and any("shows the first 20,000" in i.value for i in page.info)
    page.text_input[0].set_value("someone/does-not-exist, <b>bad id</b>").run()
    warnings = " ".join(w.value for w in page.warning)
    assert "someone/does-not-exist" in warnings and "not a valid hub id" in warnings


def test_unreachable_hub_is_named_quickly(page, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    page.query_params["tok"] = ["gpt2", "openai-community/gpt2-large"]
    page.run()
    assert not page.exception
    warning = " ".join(w.value for w in page.warning)
    assert "openai-community/gpt2-large" in warning and "cannot be reached" in warning
    assert list(page.dataframe[0].value["tokenizer"]) == ["gpt2"]  # the cached one still shows
