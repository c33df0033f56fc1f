"""Tokens as coloured HTML: plain data in, an escaped HTML string out (no streamlit here).

Every piece of text goes through html.escape, so text pasted by a user is shown, never run.
"""

from __future__ import annotations

import html
from typing import Iterable

from .tokens import Tokenized, TokenGroup

VIEWS = ("text", "ids", "both")

_HUES = "".join(f".h{h}{{background:hsl({h} 75% 82%)}}" for h in range(360))

# Defined once per page. Pastel backgrounds with dark text read the same in light and dark themes;
# the inset outline keeps neighbours apart even when two hues happen to be close. A chip is a
# direct <span> child of .tl-box with a hue class (h0..h359), not an inline style: ten tokenizers
# on 20,000 characters are 80,000 chips, and every attribute costs the browser time.
TOKEN_CSS = f"""
<style>
/* Long texts scroll inside their box, and boxes off screen are not laid out until scrolled to. */
.tl-box{{content-visibility:auto;contain-intrinsic-size:auto 24em;max-height:30em;overflow-y:auto;
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;
  word-break:break-word;overflow-wrap:anywhere;tab-size:4;overflow-x:auto;line-height:2.0;
  font-size:var(--tl-font,15px);margin:.4rem 0}}
.tl-box>span{{color:#161616;border-radius:4px;padding:1px 1px;margin:0 1px;
  box-shadow:inset 0 0 0 1px rgba(0,0,0,.18)}}
{_HUES}
.tl-box>span:hover{{outline:2px solid #d81b60}}
.tl-box>span.s{{background:#3b3b3b;color:#fafafa;font-weight:600;box-shadow:inset 0 0 0 1px #000;
  border:1px dashed #bbb}}
.tl-box>span.g{{text-decoration:underline dotted 2px;text-underline-offset:3px}}
.tl-box>i{{font-style:normal;color:#888;border-radius:3px;
  background:repeating-linear-gradient(45deg,transparent 0 3px,rgba(128,128,128,.25) 3px 5px)}}
.tl-box sub{{font-size:.7em;opacity:.75;margin-left:2px}}
.tl-box b{{font-weight:inherit;opacity:.55}}
.tl-panel{{border:1px solid rgba(128,128,128,.35);border-radius:.5rem;padding:.7rem 1rem;margin:0 0 1rem 0}}
.tl-head{{font-family:inherit}}
.tl-head code{{font-size:.85em}}
.tl-src{{font-size:.85em;opacity:.7}}
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


def _group_html(group: TokenGroup, view: str, show_whitespace: bool) -> str:
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
    return f'<span class="{classes}" title="{_attribute(token_title(group))}">{body}</span>'


def render_tokens(tokenized: Tokenized, *, view: str = "text", show_whitespace: bool = False) -> str:
    """The coloured token view of one tokenizer, as an HTML fragment (needs TOKEN_CSS once)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    text = tokenized.text
    parts: list[str] = ['<div class="tl-box">']
    cursor = 0
    real = [i for i, g in enumerate(tokenized.groups) if g.end > g.start]
    last_real = real[-1] if real else -1

    def gap(until: int) -> None:
        nonlocal cursor
        if view != "ids" and until > cursor:
            parts.append(f'<i title="not covered by any token">{_shown(text[cursor:until], show_whitespace)}</i>')
        cursor = max(cursor, until)

    chips: dict[int, str] = {}  # a lone token's chip depends only on its id: texts repeat tokens a lot
    for index, group in enumerate(tokenized.groups):
        if group.end > group.start:
            gap(group.start)
        if group.split_character:
            parts.append(_group_html(group, view, show_whitespace))
        else:
            token_id = group.tokens[0].id
            chip = chips.get(token_id)
            if chip is None:
                chip = chips[token_id] = _group_html(group, view, show_whitespace)
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


def render_plain_pieces(pieces: Iterable[tuple[int, str]]) -> str:
    """Coloured chips for (id, text) pairs with no source text, e.g. generated ids."""
    chips = [
        f'<span class="h{hue(i)}" title="id {i} · {_attribute(repr(t))}">'
        f"{html.escape(t) or '&#8203;'}</span>"
        for i, t in pieces
    ]
    return '<div class="tl-box">' + "".join(chips) + "</div>"


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
            f'<div class="tl-panel" data-tokenizer="{_attribute(result.hub_id)}">'
            f'<div class="tl-head"><strong>{html.escape(tokenized.name)}</strong> · '
            f"<code>{html.escape(result.hub_id)}</code> · {html.escape(tokenized.algorithm)} · "
            f"<strong>{tokenized.stats.tokens:,} tokens</strong></div>"
            f"{render_tokens(tokenized, view=view, show_whitespace=show_whitespace)}"
            f'<div class="tl-src">{html.escape(result.source.caption)}</div></div>'
        )
    return "".join(parts)


def panels_document(results, *, view: str = "text", show_whitespace: bool = False, font_px: int = 15) -> str:
    """render_panels as a standalone page for an iframe, with its own font size.

    An iframe's static document is laid out by the browser directly, about twice as fast for tens
    of thousands of chips as the same HTML inserted (and sanitised) into the app's page. It holds no
    script of ours, and every piece of user text in it went through html.escape. (Streamlit adds one
    script of its own that reports the document's height, so a Content-Security-Policy forbidding
    scripts would break the sizing.) Panels are light cards: the app's theme is not reliably known
    on a session's first run, and a card reads the same in both themes.
    """
    head = (
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        "body{margin:0;background:transparent;font-family:'Source Sans Pro','Source Sans 3',system-ui,sans-serif;"
        f"font-size:{round(font_px * 1.07)}px}}"
        ".tl-panel{background:#fff;color:#31333f} .tl-src{color:#5f6374}"
        f".tl-box{{--tl-font:{font_px}px}}</style></head><body>"
    )
    return head + render_panels(results, view=view, show_whitespace=show_whitespace) + "</body></html>"
