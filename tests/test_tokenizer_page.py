"""The tokenizer page under streamlit's AppTest: real tokenizers, real values."""

from __future__ import annotations

import pytest
from conftest import ROOT, require_hub
from streamlit.testing.v1 import AppTest

from tokenlens.tokenization.tokens import TOKEN_ROW_COLUMNS

PAGE = str(ROOT / "app_pages" / "tokenizer_compare.py")


@pytest.fixture()
def page():
    require_hub("gpt2")
    return AppTest.from_file(PAGE, default_timeout=180)


def iframe_views(page) -> str:
    return "".join(e.proto.srcdoc for e in page.main if getattr(e, "type", None) == "iframe")


def captions(page) -> str:
    return " ".join(c.value for c in page.caption)


def details(page) -> str:
    """The administrator's detail, folded in an expander as plain text."""
    return " ".join(t.value for t in page.get("text"))


def test_default_view_preselects_every_available_book_tokenizer(page):
    from tokenlens.catalog import BOOK_TOKENIZERS
    from tokenlens.assets import AssetUnavailable
    from tokenlens.tokenization.loading import load_tokenizer

    available = []
    for hub_id in BOOK_TOKENIZERS:
        try:
            load_tokenizer(hub_id)
            available.append(hub_id)
        except AssetUnavailable:
            pass
    page.run()
    assert not page.exception
    views = iframe_views(page)
    assert views.count('class="tl-panel"') == len(available) >= 5
    assert '<code>gpt2</code> · byte-level BPE · <strong>49 tokens</strong>' in views
    assert page.session_state["tokens.tok"] == available  # unavailable ones are not preselected
    assert not page.warning  # nothing in admin language on the default view
    table = page.dataframe[0].value
    gpt2 = table[table["name"] == "GPT-2"].iloc[0]
    assert gpt2["tokens"] == 49 and gpt2["unknown"] == 0


def test_an_unavailable_tokenizer_is_one_quiet_line(page, monkeypatch, tmp_path, fresh_caches):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # an empty cache: galactica cannot be had
    page.query_params["tok"] = ["gpt2", "facebook/galactica-1.3b"]
    page.run()
    assert not page.exception and not page.warning
    assert "Galactica**: not available offline" in captions(page)
    assert "HF_HUB_OFFLINE" in details(page)  # the fix, for the administrator, folded away
    assert "/" + tmp_path.name not in details(page)  # no server path


def test_custom_text_and_query_params(page):
    page.query_params["text"] = "Hello world"
    page.query_params["tok"] = ["gpt2", "Xenova/gpt-4"]
    page.run()
    assert not page.exception
    table = page.dataframe[0].value
    assert list(table["name"]) == ["GPT-2", "GPT-4 (cl100k_base)"]
    assert list(table["tokens"]) == [2, 2]
    assert page.selectbox(key="tokens.preset").value == "custom"


def test_editing_a_preset_makes_it_custom_and_the_link_carries_it(page):
    page.run()
    assert page.query_params.get("preset") in (None, ["book"], "book")
    page.text_area(key="tokens.text").input("My own words").run()
    assert page.selectbox(key="tokens.preset").value == "custom"
    assert page.query_params["text"] in ("My own words", ["My own words"])
    page.selectbox(key="tokens.preset").set_value("custom").run()  # picking "Custom text" keeps the text
    assert page.text_area(key="tokens.text").value == "My own words"
    page.selectbox(key="tokens.preset").set_value("code").run()
    assert page.text_area(key="tokens.text").value.startswith("def fibonacci")
    assert "text" not in page.query_params  # the preset's name carries it


def test_decode_box_and_bad_ids(page):
    require_hub("microsoft/Phi-3-mini-4k-instruct")
    page.query_params["tok"] = ["microsoft/Phi-3-mini-4k-instruct"]
    page.query_params["ids"] = "3323 622"
    page.run()
    assert page.code[0].value == "'Subject'"  # the book's decode([3323, 622])
    page.text_input(key="tokens.ids").set_value("3323 banana").run()
    assert "is not a token id" in page.error[0].value
    page.text_input(key="tokens.ids").set_value("3323 **bold**").run()
    assert "\\*\\*bold\\*\\*" in page.error[0].value  # shown as typed, not as Markdown
    page.text_input(key="tokens.ids").set_value("99999999").run()
    assert "not in microsoft/Phi-3-mini-4k-instruct's vocabulary" in page.error[0].value.replace("\\", "")


def test_empty_text_huge_text_and_unknown_model(page):
    page.run()
    page.selectbox(key="tokens.preset").set_value("custom").run()
    page.text_area(key="tokens.text").set_value("").run()
    assert not page.exception and any("Type a text" in i.value for i in page.info)
    page.text_area(key="tokens.text").set_value("ab " * 400_000).run()  # a 1.2 MB paste
    assert not page.exception and "shows the first 20,000" in captions(page)
    page.text_input(key="tokens.hub").set_value("someone/does-not-exist, <b>bad</b>").run()
    assert not page.exception
    assert "someone/does\\-not\\-exist**: not available offline" in captions(page)
    assert "\\<b\\>bad\\</b\\>**: not a valid hub id" in captions(page)  # escaped: never markup


def test_unreachable_hub_is_named_quickly(page, monkeypatch, tmp_path, fresh_caches):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # gpt2-large is in no cache, whatever ../shared holds
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    page.query_params["tok"] = ["gpt2"]
    page.query_params["hub"] = "openai-community/gpt2-large"
    page.run()
    assert not page.exception
    assert "openai\\-community/gpt2\\-large**: not available offline" in captions(page)
    assert "cannot be reached" in details(page)
    assert list(page.dataframe[0].value["name"]) == ["GPT-2"]  # its packaged stand-in still shows


def test_a_hidden_widget_keeps_its_value_when_it_comes_back(page):
    """The decode box is not drawn while the text is empty; its ids must survive that, not revert to the link's."""
    page.query_params["tok"] = ["gpt2"]
    page.run()
    page.text_input(key="tokens.ids").set_value("15496 995").run()
    assert page.code[0].value == "'Hello world'"
    page.text_area(key="tokens.text").set_value("").run()  # the page stops before the decode box
    assert [w.key for w in page.text_input] == ["tokens.hub"]  # no decode box
    page.text_area(key="tokens.text").set_value("Back again").run()
    assert page.text_input(key="tokens.ids").value == "15496 995"
    assert page.code[0].value == "'Hello world'"


def test_panels_documents_are_not_kept_by_pythons_url_cache(page):
    """st.iframe asks urllib.parse whether its document is a URL, and urlsplit's lru_cache kept the last
    128 documents: 14 MB each for a long CJK text, outside every budget (bench.memory found it)."""
    import urllib.parse

    page.run()
    page.selectbox(key="tokens.preset").set_value("custom").run()
    for text in ("鸟 " * 3_000, "帮 " * 3_001):
        page.text_area(key="tokens.text").set_value(text).run()
        assert not page.exception
        document = iframe_views(page)
        assert "tl-panel" in document and len(document) > 50_000
        hits = urllib.parse.urlsplit.cache_info().hits
        urllib.parse.urlparse(document)  # the very call st.iframe makes: a hit means it was kept
        assert urllib.parse.urlsplit.cache_info().hits == hits, "the panels document is in urlsplit's cache"
        urllib.parse.urlsplit.cache_clear()


def test_every_token_table_is_built_only_while_its_section_is_open(page):
    """A class of sixty types at once, so a change does not build a table nobody opened; opened, it
    holds every token of the chosen tokenizer, with the tokenizer's own ids."""
    from transformers import PreTrainedTokenizerFast

    page.query_params["tok"] = ["gpt2", "bert-base-uncased"]
    page.query_params["text"] = 'Tokens, "quoted", 🎵'
    page.run()
    assert len(page.dataframe) == 1 and [b.label for b in page.get("download_button")] == ["Download CSV"]
    page.session_state["tokens.details-open"] = True
    page.run()
    assert not page.exception
    details = page.dataframe[1].value
    reference = PreTrainedTokenizerFast.from_pretrained("gpt2")('Tokens, "quoted", 🎵')["input_ids"]
    assert details["id"].tolist() == reference
    assert details.columns.tolist() == list(TOKEN_ROW_COLUMNS)
    assert [b.label for b in page.get("download_button")] == ["Download CSV", "Download tokens (CSV)"]
