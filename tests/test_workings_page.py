"""The "How tokenizers work" page under AppTest, step part: real tokenizers, the ids they really give."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, require_hub
from streamlit.testing.v1 import AppTest

from tokenlens.tokenization.loading import load_tokenizer

PAGE = str(ROOT / "app_pages" / "tokenizer_workings.py")


def _page(**params) -> AppTest:
    require_hub("gpt2")
    page = AppTest.from_file(PAGE, default_timeout=180)
    for name, value in params.items():
        page.query_params[name] = value
    return page.run()


def _markdown(page) -> str:
    return "\n".join(m.value for m in page.markdown)


def _verdict(page) -> str:
    return next(m.value for m in page.markdown if "same ids" in m.value or "differs" in m.value)


def _chips(page) -> str:
    return "".join(h.proto.body for h in page.get("html"))


@pytest.mark.parametrize("hub_id, word", [("gpt2", "tokenization"), ("bert-base-uncased", "Tokenization"),
                                          ("google/flan-t5-small", "tokenization"),
                                          ("microsoft/Phi-3-mini-4k-instruct", "naïve 🦙")])
def test_the_replays_ids_are_the_tokenizers_own_and_the_page_says_so(hub_id, word):
    require_hub(hub_id)
    own = load_tokenizer(hub_id).tokenizer.encode(word, add_special_tokens=False).ids
    page = _page(tok=hub_id, text=word)
    assert not page.exception
    assert page.selectbox(key="how.tok").value == hub_id and page.text_input(key="how.text").value == word
    shown = " ".join(map(str, own))
    assert _verdict(page) == f"✅ same ids: tokenizer `{shown}` = replay `{shown}`"
    assert all(f"<sub>{token_id}</sub>" in _chips(page) for token_id in own)  # the final tokens as chips


def test_step_slider_and_buttons_walk_through_the_merges():
    page = _page(text="tokenization")
    steps = page.slider(key="how.step-frame")
    last = steps.max
    assert steps.value == last and last >= 10  # a new word shows every step
    listing = page.code[-1].value
    assert listing.splitlines()[-1].startswith("▶ no rule in the merge table")
    assert '"t" + "oken" → "token"   rank 29,745' in listing
    page.slider(key="how.step-frame").set_value(1).run()
    assert page.code[-1].value.splitlines() == ["  start: 12 symbols, one per character",
                                                '▶ merge 1: "o" + "n" → "on"   rank 5']
    assert "**After step 1**" in _markdown(page)
    page.button(key="how.step-next").click().run()
    assert page.slider(key="how.step-frame").value == 2 and page.code[-1].value.splitlines()[-1].startswith("▶ merge 2:")
    page.button(key="how.step-back").click().run()
    page.button(key="how.step-back").click().run()
    assert page.slider(key="how.step-frame").value == 0 and page.button(key="how.step-back").disabled
    page.text_input(key="how.text").set_value("strawberry").run()  # a new word starts on its last step
    assert page.slider(key="how.step-frame").value == page.slider(key="how.step-frame").max
    assert page.query_params["text"] in ("strawberry", ["strawberry"])


def test_several_words_are_picked_one_at_a_time():
    require_hub("bert-base-uncased")
    page = _page(tok="bert-base-uncased", text="Hello tokenization")
    words = page.get("button_group")[-1]
    assert words.label == "Word" and words.value == 0
    assert "**Steps in \"hello\"**" in _markdown(page)
    words.set_value(1).run()
    listing = page.code[-1].value
    assert '✓ "##ization" in the vocabulary: cut here' in listing
    assert listing.splitlines()[0] == "  start: try the longest piece first, then one character shorter, …"


def test_unigram_shows_the_best_cut_against_the_next_best():
    require_hub("google/flan-t5-small")
    page = _page(tok="google/flan-t5-small", text="tokenization")
    table = page.dataframe[0].value
    assert table["cut"][0] == "▁token | ization" and table["as likely as the best"][0] == "best"
    assert list(table["score (log prob)"]) == sorted(table["score (log prob)"], reverse=True) and len(table) > 1
    assert table["as likely as the best"][1].startswith("1 in ")


def test_hostile_text_is_shown_as_text():
    evil = "<img src=x> **b** 🦙\x07"
    page = _page(text=evil)
    assert not page.exception
    assert page.code[0].value.startswith('pre-tokenize: 10 words: "<" "img" "Ġsrc"')  # quoted, in a code block
    assert "<img" not in _chips(page).replace("&lt;img", "")  # chips escape it
    words = page.get("button_group")[-1]
    labels = [option.content for option in words.proto.options]
    assert labels[:3] == ["\\<", "img", "src"] and "\\*\\*" in labels  # pills read Markdown: escaped
    assert labels[-1] == '"🦙\\\\u0007"'  # a control character made visible (its backslash escaped)
    words.set_value(9).run()
    assert '**Steps in "ĠðŁ¦Ļć" (typed " 🦙\\\\u0007")**' in _markdown(page)  # byte alphabet, and as typed
    assert page.code[-1].value.splitlines()[0] == "  start: 6 symbols, one per character"


def test_long_text_is_capped_and_bad_or_unavailable_tokenizers_are_one_quiet_line():
    page = _page(text="word " * 60)
    assert "first 200 of 300 characters" in " ".join(c.value for c in page.caption)
    words = page.selectbox(key="how.step-word-list")  # 41 words: a list, not 41 pills
    assert len(words.options) == 41 and words.options[1] == "2. word"
    assert words.options[-1] == '41. " "'  # GPT-2's last word is the trailing space, shown quoted
    page = _page(tok="<b>bad</b>")
    assert page.selectbox(key="how.tok").value == "gpt2"  # a link's bad value falls back to the default
    page = _page(tok="someone/does-not-exist")
    assert not page.exception
    assert "someone/does\\-not\\-exist**: not available offline" in " ".join(c.value for c in page.caption)
    page.text_input(key="how.text").set_value("").run()
    assert any("Type a word" in info.value for info in page.info)


def test_the_part_switch_travels_in_the_link():
    page = _page()
    switch = page.get("button_group")[0]
    assert switch.value == "step" and "part" not in page.query_params
    assert [re.sub(r"\W", "", o.content) for o in switch.proto.options] == ["Stepbystep", "Trainone", "Vocabulary",
                                                                            "Costperlanguage"]
    page.selectbox(key="how.tok").set_value("bert-base-uncased").run()
    assert page.query_params["tok"] in ("bert-base-uncased", ["bert-base-uncased"])


@pytest.mark.parametrize("part", ["train", "vocab", "cost"])
def test_each_part_opens_from_its_link_and_drops_the_step_parts_widgets(part):
    page = _page(part=part)
    assert not page.exception
    assert page.get("button_group")[0].value == part
    assert "how.step-frame" not in [slider.key for slider in page.slider]  # only the chosen part is drawn
    assert page.query_params["part"] in (part, [part])


def test_a_typed_hub_id_outside_the_catalog_is_replayed_too():
    require_hub("microsoft/deberta-v3-xsmall")
    from tokenlens.catalog import TOKENIZERS

    hub_id = "microsoft/deberta-v3-xsmall"
    assert hub_id not in TOKENIZERS
    page = _page(tok=hub_id, text="tokenization")  # typing it into the box: tests/test_workings_browser.py
    assert not page.exception and page.selectbox(key="how.tok").value == hub_id
    shown = " ".join(map(str, load_tokenizer(hub_id).tokenizer.encode("tokenization", add_special_tokens=False).ids))
    assert _verdict(page) == f"✅ same ids: tokenizer `{shown}` = replay `{shown}`"
