"""The token view's data and HTML: grouping of split characters, spans, escaping, stats, input rules."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_hub

from tokenlens import decode_ids, load_tokenizer, parse_ids, prepare_text, tokenize
from tokenlens import url_state
from tokenlens.tokenization.link import SHARE_TEXT_LIMIT, extra_ids, read_view, view_fields
from tokenlens.url_state import preset_after_edit
from tokenlens.tokenization.presets import MAX_CHARS, PRESETS
from tokenlens.tokenization.html import TOKEN_CSS, hue, panels_document, render_plain_pieces, render_tokens


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


def test_unigram_unknowns_are_counted_too():
    """A Unigram model names its unknown id only in its state: flan-t5 drops Thai to <unk>."""
    require_hub("google/flan-t5-small")
    loaded = load_tokenizer("google/flan-t5-small")
    text = "ทุกคนเกิดมาอย่างอิสระ and free"
    own_ids = loaded.tokenizer.encode(text).ids
    unk = loaded.tokenizer.token_to_id("<unk>")
    tokenized = tokenize(loaded, text)
    assert own_ids.count(unk) > 0 and tokenized.stats.unknown == own_ids.count(unk)


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
    assert html.count('<i data-tip="not covered by any token">') == 2  # BERT drops the tab and the space
    assert len(re.findall(r'class="h\d+ s"', html)) == 2  # [CLS], [SEP]


def test_views_ids_and_both():
    require_hub("gpt2")
    tokenized = tokenize(load_tokenizer("gpt2"), "Hello world")
    assert re.sub(r"<[^>]+>", "", render_tokens(tokenized, view="ids")).split() == ["15496", "995"]
    both = render_tokens(tokenized, view="both")
    assert "<sub>15496</sub>" in both and "Hello" in both
    with pytest.raises(ValueError):
        render_tokens(tokenized, view="pictures")


def test_colour_follows_the_id_wherever_it_recurs():
    require_hub("gpt2")
    gpt2 = load_tokenizer("gpt2")
    first, second = (render_tokens(tokenize(gpt2, text)) for text in ("Hello world", "Peace in the world"))
    # The class of the " world" chip, read from each page's HTML (id 995 in both texts).
    world = [re.search(r'class="h(\d+)" data-tip="id 995 ', page).group(1) for page in (first, second)]
    assert world[0] == world[1] == str(hue(995))
    hello = re.search(r'class="h(\d+)" data-tip="id 15496 ', first).group(1)
    assert hello != world[0]


def test_hue_is_on_the_wheel_far_from_its_neighbours_and_the_same_in_every_process():
    hues = [hue(token_id) for token_id in range(0, 200_000)]
    assert min(hues) == 0 and max(hues) == 359 and len(set(hues)) == 360
    # Consecutive ids (a word's pieces often are) sit at least 130 degrees apart on the wheel.
    assert min(min(abs(a - b), 360 - abs(a - b)) for a, b in zip(hues, hues[1:])) >= 130
    # No per-process salt (hash() of a str would differ): a copied link shows the same colours.
    script = "from tokenlens.tokenization.html import hue; print([hue(i) for i in (0, 995, 15496, 50256)])"
    for seed in ("1", "2"):
        other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONHASHSEED": seed})
        assert other.stdout.strip() == str([hue(i) for i in (0, 995, 15496, 50256)])


def test_ids_never_break_inside_a_number():
    require_hub("gpt2")
    tokenized = tokenize(load_tokenizer("gpt2"), "Hello world")
    assert render_tokens(tokenized, view="ids").startswith('<div class="tl-box ids">')
    css = re.sub(r"/\*.*?\*/", "", TOKEN_CSS, flags=re.S)
    rules = {selector.strip(): body for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)}
    assert "white-space:nowrap" in rules[".tl-box sub"] and "word-break:keep-all" in rules[".tl-box sub"]
    assert "white-space:nowrap" in rules[".tl-box.ids>span"]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _hex(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def _hsl(h: float, s: float, lightness: float) -> tuple[float, float, float]:
    import colorsys

    return colorsys.hls_to_rgb(h / 360, lightness / 100, s / 100)


@pytest.mark.parametrize("scope", ["", ".dark "])
def test_chip_text_meets_wcag_aa_on_every_hue(scope):
    """Read the colours from the CSS that ships, for all 360 hues, in both themes."""
    chip = re.search(re.escape(scope) + r"\.tl-box>span\{color:(#[0-9a-f]{6});background:hsl\(var\(--h\) "
                     r"(\d+)% (\d+)%\)\}", TOKEN_CSS)
    special = re.search(re.escape(scope) + r"\.tl-box>span\.s\{background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})\}",
                        TOKEN_CSS)
    assert chip and special, f"no chip colours for scope {scope!r} in TOKEN_CSS"
    text, saturation, lightness = _hex(chip[1]), int(chip[2]), int(chip[3])
    worst = min(_contrast(text, _hsl(h, saturation, lightness)) for h in range(360))
    assert worst >= 4.5, f"chip text contrast falls to {worst:.2f}:1"
    assert _contrast(_hex(special[2]), _hex(special[1])) >= 4.5
    # Hue classes only set --h, so these two rules decide every chip's colours.
    assert re.findall(r"\.h\d+\{([^}]*)\}", TOKEN_CSS)[:3] == ["--h:0", "--h:1", "--h:2"]


def test_panels_follow_the_theme_and_carry_their_own_tooltip():
    require_hub("gpt2")
    from tokenlens.tokenization.tokens import tokenize_with

    document = panels_document(tokenize_with(["gpt2"], "a <b>x</b>"))
    assert ".dark .tl-panel{background:#1b1c24" in document
    assert document.count("<script>") == 1 and "<b>x" not in document  # one fixed script; user text escaped
    assert 'data-tip="id ' in document and " title=" not in document  # no native tooltip on top of ours


def test_plain_chips_show_ids_and_mark_specials():
    html = render_plain_pieces([(32001, "<|assistant|>"), (3323, "Sub")], special_ids=frozenset({32001}))
    assert 'class="h' + str(hue(32001)) + ' s"' in html and "<sub>32001</sub>" in html
    assert "&lt;|assistant|&gt;" in html and "<sub>3323</sub>" in html
    assert "<sub>" not in render_plain_pieces([(3323, "Sub")], show_ids=False)


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


def test_link_round_trip_of_the_tokenizer_view():
    fields = view_fields()
    view = {"preset": "custom", "text": "héllo <b>", "tok": ["gpt2"], "hub": "my/model", "view": "both",
            "ws": True, "dec": "gpt2", "ids": "15496"}
    params = FakeParams({k: v for k, v in url_state.to_params(view, fields).items() if v is not None})
    assert read_view(params, fields) == view
    assert url_state.too_long({**view, "text": "x" * (SHARE_TEXT_LIMIT + 1)}, fields) == ["text"]
    assert url_state.to_params({**view, "text": "x" * (SHARE_TEXT_LIMIT + 1)}, fields)["text"] is None


def test_links_with_bad_values_fall_back_to_the_defaults():
    fields = view_fields()
    got = read_view(FakeParams(preset="nonsense", view="bad", ws="yes", tok=["gpt2", "<script>"]), fields)
    assert (got["preset"], got["view"], got["ws"], got["tok"], got["hub"]) == ("book", "text", False, ["gpt2"], "")
    assert got["text"] == PRESETS["book"]


def test_old_links_keep_working():
    """Before, typed hub ids shared `tok` with catalog ids and `text` came without `preset`."""
    got = read_view(FakeParams(text="Hello", tok=["gpt2", "openai-community/gpt2-large"]), view_fields())
    assert (got["preset"], got["text"], got["tok"], got["hub"]) == (
        "custom", "Hello", ["gpt2"], "openai-community/gpt2-large")


def test_numbers_in_links_are_ascii_digits_only():
    field = url_state.Field("n", 10, kind="int", low=1, high=50)
    assert field.parse(["12"]) == 12
    assert field.parse(["١٢"]) == 10 and field.parse(["99"]) == 10 and field.parse(["nan"]) == 10


def test_editing_a_preset_makes_it_custom():
    assert preset_after_edit("book", PRESETS["book"], PRESETS.get) == "book"
    assert preset_after_edit("book", PRESETS["book"] + "!", PRESETS.get) == "custom"
    assert extra_ids("a/b, c/d  a/b\ne") == ["a/b", "c/d", "e"]


def test_token_rows_and_relative_cost():
    require_hub("gpt2")
    from tokenlens.tokenization.tokens import stats_rows, token_rows, tokenize_with

    results = tokenize_with(["gpt2", "Xenova/gpt-4"], "show_tokens 🎵")
    rows = {row["tokenizer"]: row for row in stats_rows(results)}
    # gpt2: show _ t ok ens + three byte tokens for " 🎵"; cl100k: show _tokens + three
    assert rows["gpt2"]["tokens"] == 8 and rows["Xenova/gpt-4"]["tokens"] == 5
    assert rows["gpt2"]["vs fewest"] == 1.6 and rows["Xenova/gpt-4"]["vs fewest"] == 1.0
    details = token_rows(results[1].tokenized)
    assert [d["piece"] for d in details][:2] == ["show", "_tokens"]
    assert details[-1]["bytes"] == "b5" and details[-1]["joined with neighbours"]
    assert details[2]["text covered"] == " 🎵" and details[2]["bytes"] == "20 f0 9f"


def test_the_csv_files_equal_what_pandas_writes_for_the_same_rows():
    """The downloads are written with the csv module (no DataFrame per rerun): pandas is the reference."""
    import io

    import pandas as pd

    from tokenlens.tables import csv_bytes
    from tokenlens.tokenization.tokens import TOKEN_ROW_COLUMNS, stats_rows, token_rows, tokenize_with

    require_hub("bert-base-uncased")
    text = 'Quotes "like, this", a comma, a\nnew line and 🎵 with \t tab'
    results = tokenize_with(["gpt2", "bert-base-uncased"], text)
    stats = stats_rows(results)
    stats[0]["vs fewest"] = None  # an empty cell, as when no tokenizer loaded
    for rows, columns in ((stats, list(stats[0])), (token_rows(results[0].tokenized), TOKEN_ROW_COLUMNS)):
        written = csv_bytes(rows, columns)
        assert written == pd.DataFrame(rows)[list(columns)].to_csv(index=False).encode("utf-8")
        assert pd.read_csv(io.BytesIO(written), keep_default_na=False).shape == (len(rows), len(columns))


def test_a_long_text_draws_the_first_chips_and_says_how_many_more_the_counts_cover():
    from tokenlens.tokenization.html import MAX_DRAWN_GROUPS

    tokenized = tokenize(load_tokenizer("gpt2"), "tokens " * 6_000)  # ASCII: one token a chip
    html_view = render_tokens(tokenized)
    assert html_view.count('<span class="h') == MAX_DRAWN_GROUPS
    assert tokenized.stats.tokens > 6_000  # the count is the whole text's
    assert f"… {tokenized.stats.tokens - MAX_DRAWN_GROUPS:,} more tokens not drawn here" in html_view
    assert "tl-more" not in render_tokens(tokenize(load_tokenizer("gpt2"), "tokens " * 100))
