"""Tokens as coloured HTML: plain data in, an escaped HTML string out (no streamlit here).

Every piece of text goes through html.escape, so text pasted by a user is shown, never run.
"""

from __future__ import annotations

import html
from typing import Iterable

from .presets import VIEWS
from .tokens import Tokenized, TokenGroup
from .walkthrough import WordFinder, step_link


# Chip colours per theme, as (saturation %, lightness %) of hsl(hue, s, l), with the chip text colour.
# Light: pastel chips, near-black text. Dark: deep chips, near-white text. tests/test_token_views.py
# computes WCAG contrast for all 360 hues in both themes from these very rules.
CHIP_COLOURS = {"light": ((75, 82), "#161616"), "dark": ((45, 28), "#f4f4f4")}
SPECIAL_COLOURS = {"light": ("#3b3b3b", "#fafafa"), "dark": ("#e8e8e8", "#111111")}
_HUES = "".join(f".h{h}{{--h:{h}}}" for h in range(360))


def _theme_rules(theme: str, scope: str) -> str:
    (saturation, lightness), text = CHIP_COLOURS[theme]
    special_bg, special_text = SPECIAL_COLOURS[theme]
    return (f"{scope}.tl-box>span{{color:{text};background:hsl(var(--h) {saturation}% {lightness}%)}}"
            f"{scope}.tl-box>span.s{{background:{special_bg};color:{special_text}}}")


# Defined once per page. A chip is a direct <span> child of .tl-box with a hue class (h0..h359)
# that only sets --h, not an inline style: ten tokenizers on 20,000 characters are 80,000 chips,
# and every attribute costs the browser time. The theme's rules pick the colours from --h; the
# inset outline keeps neighbours apart even when two hues happen to be close.
TOKEN_CSS = f"""
<style>
/* Long texts scroll inside their box, and boxes off screen are not laid out until scrolled to. */
.tl-box{{content-visibility:auto;contain-intrinsic-size:auto 24em;max-height:30em;overflow-y:auto;
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;
  word-break:break-word;overflow-wrap:anywhere;tab-size:4;overflow-x:auto;line-height:2.0;
  font-size:var(--tl-font,15px);margin:.4rem 0}}
.tl-box>span{{border-radius:4px;padding:1px 1px;margin:0 1px;box-shadow:inset 0 0 0 1px rgba(128,128,128,.35)}}
{_HUES}
{_theme_rules("light", "")}
{_theme_rules("dark", ".dark ")}
.tl-box>span:hover{{outline:2px solid #d81b60}}
.tl-box>span[data-w]{{cursor:pointer}}
.tl-box>span.s{{font-weight:600;border:1px dashed #999}}
.tl-box>span.g{{text-decoration:underline dotted 2px;text-underline-offset:3px}}
.tl-box>i{{font-style:normal;color:#767676;border-radius:3px;
  background:repeating-linear-gradient(45deg,transparent 0 3px,rgba(128,128,128,.25) 3px 5px)}}
.dark .tl-box>i{{color:#a0a0a0}}
/* An id is one word: it never breaks in the middle ("2990 / 0"). */
.tl-box sub{{font-size:.72em;margin-left:3px;white-space:nowrap;overflow-wrap:normal;word-break:keep-all}}
.tl-box.ids>span{{white-space:nowrap;overflow-wrap:normal;word-break:keep-all}}
.tl-box b{{font-weight:inherit;opacity:.55}}
/* Chips outside the panels' document (no script there): a tooltip drawn by CSS alone, in the
   chips' own font size, so it scales with projector mode too. */
.tl-plain{{max-height:none;overflow:visible;content-visibility:visible}}
/* A plain chip is one unbreakable unit, its id on the text's baseline (a lowered id made a "." chip
   look like the "·" that marks a space). */
.tl-plain>span{{position:relative;white-space:pre;overflow-wrap:normal;word-break:keep-all;display:inline-block;
  line-height:1.5;margin-bottom:.25em;padding:1px 3px}}
.tl-plain>span>sub{{vertical-align:baseline}}
.tl-plain>span:hover::after{{content:attr(data-tip);position:absolute;left:0;top:calc(100% + 4px);z-index:5;
  white-space:pre;font-size:.85em;line-height:1.3;padding:.3em .55em;border-radius:6px;background:#262730;
  color:#fafafa;font-weight:400;box-shadow:0 2px 8px rgba(0,0,0,.35);pointer-events:none}}
.dark .tl-plain>span:hover::after{{background:#f0f0f5;color:#15151a}}
.tl-panel{{border:1px solid rgba(128,128,128,.35);border-radius:.5rem;padding:.7rem 1rem;margin:0 0 1rem 0}}
.tl-head{{font-family:inherit}}
.tl-head code{{font-size:.85em}}
.tl-src{{font-size:.85em;opacity:.8}} .tl-more{{font-style:italic;opacity:.8;margin-top:.4em}} .tl-src::before{{content:'🤗 '}} .tl-src.standin::before{{content:'📦 '}} .tl-src.trained::before{{content:'🛠️ '}}
</style>
"""

_WHITESPACE = {" ": "·", "\t": "→", "\n": "↵\n", "\r": "␍", "\u3000": "□", "\xa0": "⍽"}


def hue(token_id: int) -> int:
    """A token's colour: the golden angle spreads consecutive ids around the colour wheel."""
    return int(token_id * 137.508) % 360


def visible_whitespace(text: str) -> str:
    """Escaped text with spaces, tabs and newlines drawn as · → ↵ (marks dimmed)."""
    out = []
    for char in text:
        mark = _WHITESPACE.get(char)
        if mark is None:
            out.append(html.escape(char))
        else:
            out.append(f"<b>{mark[0]}</b>{mark[1:]}")
    return "".join(out)


def _shown(text: str, show_whitespace: bool) -> str:
    return visible_whitespace(text) if show_whitespace else html.escape(text)


def token_title(group: TokenGroup) -> str:
    lines = []
    for token in group.tokens:
        kind = " (special)" if token.special else ""
        lines.append(f"id {token.id}{kind} · {token.piece!r} · {token.raw.hex(' ') or '-'}")
    if group.split_character:
        lines.append(f"{len(group.tokens)} tokens form {group.text!r} together")
    return "\n".join(lines)


def _attribute(text: str) -> str:
    """Escape for a double-quoted attribute (single quotes stay as they are: shorter)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _group_html(group: TokenGroup, view: str, show_whitespace: bool, word: str = "") -> str:
    classes = f"h{hue(group.tokens[0].id)}"
    if group.special:
        classes += " s"
    if group.split_character:
        classes += " g"
    ids = " ".join(str(t.id) for t in group.tokens)
    if view == "ids":
        body = ids
    elif view == "both":
        body = f"{_shown(group.text, show_whitespace)}<sub>{ids}</sub>"
    else:
        body = _shown(group.text, show_whitespace) or "&#8203;"
    # data-w: the word a click opens on the "How tokenizers work" page (see PANELS_SCRIPT).
    link = f' data-w="{_attribute(word)}"' if word else ""
    return f'<span class="{classes}" data-tip="{_attribute(token_title(group))}"{link}>{body}</span>'


# Chips drawn per tokenizer. A 20,000-character CJK text is ~20,000 chips per tokenizer: nine such
# views made a 16 MB document that every rerun sent, browsers laid out slowly and the server's
# memory never gave back. Counts, ids and the table still cover every token.
MAX_DRAWN_GROUPS = 4_000


def render_tokens(tokenized: Tokenized, *, view: str = "text", show_whitespace: bool = False,
                  max_groups: int = MAX_DRAWN_GROUPS) -> str:
    """The coloured token view of one tokenizer, as an HTML fragment (needs TOKEN_CSS once)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    text = tokenized.text
    parts: list[str] = ['<div class="tl-box ids">' if view == "ids" else '<div class="tl-box">']
    cursor = 0
    columns = tokenized.columns
    last_real = max((i for i, (start, end) in enumerate(zip(columns.group_starts.tolist(), columns.group_ends.tolist()))
                     if end > start), default=-1)

    def gap(until: int) -> None:
        nonlocal cursor
        if view != "ids" and until > cursor:
            parts.append(f'<i data-tip="not covered by any token">{_shown(text[cursor:until], show_whitespace)}</i>')
        cursor = max(cursor, until)

    # A chip depends only on its tokens' ids (a split character's text is their bytes') and its word,
    # and texts repeat tokens a lot: each chip is built once.
    chips: dict[tuple, str] = {}
    word_of = WordFinder(text)
    for index, group in enumerate(tokenized.groups):
        if index == max_groups:
            left = len(tokenized.tokens) - int(columns.group_bounds[max_groups])
            parts.append(f'<div class="tl-more">… {left:,} more tokens not drawn here; '
                         "the counts and the token table cover every one.</div>")
            break
        if group.end > group.start:
            gap(group.start)
        word = word_of(group.start, group.end) if group.end > group.start else ""
        key = (tuple(t.id for t in group.tokens) if group.split_character else group.tokens[0].id, word)
        chip = chips.get(key)
        if chip is None:
            chip = chips[key] = _group_html(group, view, show_whitespace, word)
        parts.append(chip)
        if view == "ids":
            parts.append(" ")
        cursor = max(cursor, group.end)
        if index == last_real:
            gap(len(text))
    if last_real < 0:
        gap(len(text))
    parts.append("</div>")
    return "".join(parts)


def render_plain_pieces(pieces: Iterable[tuple[int, str]], *, special_ids: frozenset[int] = frozenset(),
                        show_ids: bool = True) -> str:
    """Coloured chips for (id, text) pairs with no source text, e.g. generated ids.

    With `show_ids` each chip carries its id (as the "Tokens + ids" view does); ids in
    `special_ids` are drawn as special tokens (dark chips), as the legend says.
    """
    chips = []
    for token_id, text in pieces:
        classes = f"h{hue(token_id)}" + (" s" if token_id in special_ids else "")
        kind = " (special)" if token_id in special_ids else ""
        body = html.escape(text) or "&#8203;"
        if show_ids:
            body += f"<sub>{token_id}</sub>"
        chips.append(f'<span class="{classes}" data-tip="id {token_id}{kind} · {_attribute(repr(text))}">{body}</span>')
    return '<div class="tl-box tl-plain">' + "".join(chips) + "</div>"


_SAME_IDS = ". Same ids as the hub version (tested)."
_SOURCE_CLASS = {"packaged": " standin", "trained": " trained"}  # the icon before a panel's source line


def render_panels(results, *, view: str = "text", show_whitespace: bool = False) -> str:
    """Every loaded tokenizer's view, with its header and source, as one HTML document.

    One document, one stylesheet: the browser builds the page once instead of once per tokenizer.
    """
    parts = [TOKEN_CSS]
    for result in results:
        tokenized = result.tokenized
        if tokenized is None:
            continue
        parts.append(
            f'<div class="tl-panel" data-tokenizer="{_attribute(result.hub_id)}" '
            f'data-how="{_attribute(step_link(result.hub_id))}">'
            f'<div class="tl-head"><strong>{html.escape(tokenized.name)}</strong> · '
            f"<code>{html.escape(result.hub_id)}</code> · {html.escape(tokenized.algorithm)} · "
            f"<strong>{tokenized.stats.tokens:,} tokens</strong></div>"
            f"{render_tokens(tokenized, view=view, show_whitespace=show_whitespace)}"
            f'<div class="tl-src{_SOURCE_CLASS.get(result.source.kind, "")}">'
            f"{html.escape(result.source.words)}{_SAME_IDS if result.source.is_standin else ''}</div></div>"
        )
    return "".join(parts)


# The one script in the panels document: fixed text, never built from user input. It follows the
# app's theme (read from the app page's own background, so it is right even on the first run,
# when the server does not know the theme yet) and shows token details in a tooltip of our own,
# which scales with projector mode, unlike the browser's small native one.
PANELS_SCRIPT = """
<div id="tl-tip" role="tooltip"></div>
<script>
(() => {
  const root = document.documentElement, tip = document.getElementById("tl-tip");
  const luminance = colour => {
    const rgb = (colour.match(/[\\d.]+/g) || [255, 255, 255]).slice(0, 3).map(Number);
    return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  };
  const followTheme = () => {
    let dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    try {
      const app = window.parent.document.querySelector('[data-testid="stApp"]');
      if (app) dark = luminance(window.parent.getComputedStyle(app).backgroundColor) < 0.5;
    } catch (e) { /* not inside the app: keep the browser's preference */ }
    root.classList.toggle("dark", dark);
  };
  followTheme();
  setInterval(followTheme, 1000);
  document.addEventListener("mouseover", event => {
    const chip = event.target.closest("[data-tip]");
    if (!chip) { tip.style.display = "none"; return; }
    tip.textContent = chip.getAttribute("data-tip") + (chip.dataset.w ? "\\nClick: how this word is cut, step by step" : "");
    tip.style.display = "block";
    const box = chip.getBoundingClientRect(), room = window.innerHeight - box.bottom;
    tip.style.left = Math.max(4, Math.min(box.left, window.innerWidth - tip.offsetWidth - 4)) + "px";
    tip.style.top = (room > tip.offsetHeight + 8 ? box.bottom + 6 : Math.max(4, box.top - tip.offsetHeight - 6)) + "px";
  });
  document.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  // A click opens the walkthrough of the chip's word in a new tab. The app sandboxes this frame
  // without allow-top-navigation, so this tab cannot be navigated; popups may leave the sandbox.
  // The link is relative to the app page's own address and keeps its projector and theme settings.
  document.addEventListener("click", event => {
    const chip = event.target.closest("[data-w]"), panel = chip && chip.closest("[data-how]");
    if (!panel) return;
    let base = document.baseURI;
    try { base = window.parent.location.href; } catch (e) { /* not inside the app */ }
    const url = new URL(panel.dataset.how, base), from = new URL(base);
    url.searchParams.set("text", chip.dataset.w);
    for (const name of ["big", "theme"]) {
      if (from.searchParams.has(name)) url.searchParams.set(name, from.searchParams.get(name));
    }
    window.open(url.href, "_blank", "noopener");
  });
})();
</script>
"""


def panels_document(results, *, view: str = "text", show_whitespace: bool = False, font_px: int = 15) -> str:
    """render_panels as a standalone page for an iframe, with its own font size.

    An iframe's static document is laid out by the browser directly, about twice as fast for tens
    of thousands of chips as the same HTML inserted (and sanitised) into the app's page. Every piece
    of user text in it went through html.escape; its only script is PANELS_SCRIPT, fixed text.
    (Streamlit adds one script of its own that reports the document's height.)
    """
    head = (
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        "body{margin:0;background:transparent;font-family:'Source Sans Pro','Source Sans 3',system-ui,sans-serif;"
        f"font-size:{round(font_px * 1.07)}px}}"
        ".tl-panel{background:#fff;color:#31333f} .tl-src{color:#5f6374}"
        ".dark .tl-panel{background:#1b1c24;color:#e6e6eb} .dark .tl-src{color:#b0b3c0}"
        "#tl-tip{position:fixed;display:none;z-index:10;max-width:32em;white-space:pre-wrap;pointer-events:none;"
        "font:inherit;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;line-height:1.35;"
        "background:#262730;color:#fafafa;border-radius:6px;padding:.35em .6em;box-shadow:0 2px 8px rgba(0,0,0,.35)}"
        ".dark #tl-tip{background:#f0f0f5;color:#15151a}"
        f".tl-box{{--tl-font:{font_px}px}}</style></head><body>"
    )
    return (head + render_panels(results, view=view, show_whitespace=show_whitespace) + PANELS_SCRIPT
            + "</body></html>")
