"""The token view's data and HTML: grouping of split characters, spans, escaping, stats, input rules."""

from __future__ import annotations

import re

import pytest
from conftest import require_hub

from tokenlens import decode_ids, load_tokenizer, parse_ids, prepare_text, tokenize
from tokenlens.share import SHARE_TEXT_LIMIT, read_state, write_state
from tokenlens.text_input import MAX_CHARS
from tokenlens.token_html import hue, render_tokens


def test_split_emoji_is_grouped_with_its_bytes():
    require_hub("gpt2")
    tokenized = tokenize(load_tokenizer("gpt2"), "I 🎵 it")
    emoji = [g for g in tokenized.groups if "🎵" in g.text]
    assert len(emoji) == 1 and emoji[0].split_character
    assert b"".join(t.raw for t in emoji[0].tokens) == " 🎵".encode()
    assert all("\ufffd" in t.piece for t in emoji[0].tokens)  # alone, each piece is a lone "�"
    assert "\ufffd" not in "".join(g.text for g in tokenized.groups)
    assert "".join(g.text for g in tokenized.groups) == "I 🎵 it"


def test_byte_fallback_tokens_grouped_for_phi3():
    require_hub("microsoft/Phi-3-mini-4k-instruct")
    tokenized = tokenize(load_tokenizer("microsoft/Phi-3-mini-4k-instruct"), "鸟")
    grouped = [g for g in tokenized.groups if g.split_character]
    assert [g.text for g in grouped] == ["鸟"]
    assert [t.id for t in grouped[0].tokens] == [236, 187, 162]  # <0xE9> <0xB8> <0x9F>


def test_spans_cover_the_text_for_byte_level_bpe():
    require_hub("Xenova/gpt-4")
    text = "Hello\tworld  ok\n\n👩‍💻 done"
    tokenized = tokenize(load_tokenizer("Xenova/gpt-4"), text)
    assert "".join(text[g.start:g.end] for g in tokenized.groups) == text
    assert "".join(g.text for g in tokenized.groups) == text


def test_special_tokens_marked_and_unknowns_counted():
    require_hub("bert-base-uncased")
    tokenized = tokenize(load_tokenizer("bert-base-uncased"), "Hi 🎵")
    assert [t.piece for t in tokenized.tokens] == ["[CLS]", "hi", "[UNK]", "[SEP]"]
    assert [t.special for t in tokenized.tokens] == [True, False, False, True]
    assert tokenized.stats.unknown == 1 and tokenized.stats.special == 2
    assert tokenized.stats.vocab_size == 30522


def test_stats_ratios():
    require_hub("gpt2")
    stats = tokenize(load_tokenizer("gpt2"), "Hello world").stats
    assert (stats.tokens, stats.characters, stats.bytes) == (2, 11, 11)
    assert stats.chars_per_token == pytest.approx(5.5)


def test_html_is_escaped_never_markup():
    require_hub("gpt2")
    text = "<img src=x onerror=alert(1)><script>alert('x')</script>"
    html = render_tokens(tokenize(load_tokenizer("gpt2"), text))
    assert "<script" not in html and "<img" not in html
    assert "&lt;" in html
    visible = re.sub(r"<[^>]+>", "", html)
    import html as html_module

    assert html_module.unescape(visible) == text


def test_whitespace_made_visible_and_uncovered_gaps_marked():
    require_hub("bert-base-uncased")
    tokenized = tokenize(load_tokenizer("bert-base-uncased"), "a\tb c")
    html = render_tokens(tokenized, show_whitespace=True)
    assert "→" in html and "·" in html
    assert html.count('<i title="not covered by any token">') == 2  # BERT drops the tab and the space
    assert len(re.findall(r'class="h\d+ s"', html)) == 2  # [CLS], [SEP]


def test_views_ids_and_both():
    require_hub("gpt2")
    tokenized = tokenize(load_tokenizer("gpt2"), "Hello world")
    assert re.sub(r"<[^>]+>", "", render_tokens(tokenized, view="ids")).split() == ["15496", "995"]
    both = render_tokens(tokenized, view="both")
    assert "<sub>15496</sub>" in both and "Hello" in both
    with pytest.raises(ValueError):
        render_tokens(tokenized, view="pictures")


def test_colour_follows_the_id():
    assert hue(995) == hue(995)
    assert len({hue(i) for i in range(15490, 15500)}) == 10


def test_parse_and_decode_ids():
    require_hub("gpt2")
    gpt2 = load_tokenizer("gpt2")
    assert parse_ids("[15496, 995]") == [15496, 995]
    assert decode_ids(gpt2, parse_ids("15496 995")) == "Hello world"
    with pytest.raises(ValueError, match="not a token id"):
        parse_ids("12 abc")
    with pytest.raises(ValueError, match="not in gpt2's vocabulary"):
        decode_ids(gpt2, [50257, 99999999])


def test_prepare_text_caps_and_flags():
    prepared = prepare_text("x" * (MAX_CHARS + 500))
    assert len(prepared.text) == MAX_CHARS and "20,500" in prepared.notices[0]
    assert prepare_text("a\x00b\x07").notices[0].startswith("The text contains control characters (U+0000, U+0007)")
    assert prepare_text("ok\ud800").text == "ok\ufffd"
    assert prepare_text(None).text == ""


def test_nul_and_controls_tokenize_without_error():
    require_hub("gpt2")
    tokenized = tokenize(load_tokenizer("gpt2"), "a\x00b\x1b")
    assert "".join(g.text for g in tokenized.groups) == "a\x00b\x1b"


class FakeParams(dict):
    """st.query_params' interface: get and get_all."""

    def get_all(self, key):
        value = dict.get(self, key)
        return [] if value is None else (value if isinstance(value, list) else [value])


def test_share_state_round_trip():
    params = FakeParams()
    assert write_state(params, preset="custom", text="héllo <b>", hub_ids=["gpt2", "my/model"], view="both",
                       whitespace=True)
    state = read_state(params)
    assert (state.preset, state.text, state.catalog_ids, state.extra_ids, state.view, state.whitespace) == (
        "custom", "héllo <b>", ["gpt2"], ["my/model"], "both", True)
    assert write_state(params, preset="custom", text="x" * (SHARE_TEXT_LIMIT + 1), hub_ids=["gpt2"], view="text",
                       whitespace=False) is False
    assert "text" not in params
    assert read_state(FakeParams(preset="nonsense", view="bad")).preset == "book"


def test_token_rows_and_relative_cost():
    require_hub("gpt2")
    from tokenlens.tokens import stats_rows, token_rows, tokenize_with

    results = tokenize_with(["gpt2", "Xenova/gpt-4"], "show_tokens 🎵")
    rows = {row["tokenizer"]: row for row in stats_rows(results)}
    # gpt2: show _ t ok ens + three byte tokens for " 🎵"; cl100k: show _tokens + three
    assert rows["gpt2"]["tokens"] == 8 and rows["Xenova/gpt-4"]["tokens"] == 5
    assert rows["gpt2"]["vs fewest"] == 1.6 and rows["Xenova/gpt-4"]["vs fewest"] == 1.0
    details = token_rows(results[1].tokenized)
    assert [d["piece"] for d in details][:2] == ["show", "_tokens"]
    assert details[-1]["bytes"] == "b5" and details[-1]["joined with neighbours"]
    assert details[2]["text covered"] == " 🎵" and details[2]["bytes"] == "20 f0 9f"
