"""Tokens as coloured HTML: plain data in, an escaped HTML string out (no streamlit here).

Every piece of text goes through html.escape, so text pasted by a user is shown, never run.
"""

from __future__ import annotations

import html
from typing import Iterable

from .tokens import Tokenized, TokenGroup

VIEWS = ("text", "ids", "both")

# Defined once per page. Pastel backgrounds with dark text read the same in light and dark themes;
# the inset outline keeps neighbours apart even when two hues happen to be close.
TOKEN_CSS = """
<style>
/* Long texts scroll inside their box, and boxes off screen are not laid out until scrolled to:
   ten tokenizers on 20,000 characters are 80,000 chips. */
.tl-box{content-visibility:auto;contain-intrinsic-size:auto 24em;max-height:30em;overflow-y:auto;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;
  word-break:break-word;overflow-wrap:anywhere;tab-size:4;overflow-x:auto;line-height:2.0;
  font-size:var(--tl-font,15px)}
.tl-box .t{background:hsl(var(--h) 75% 82%);color:#161616;border-radius:4px;padding:1px 1px;margin:0 1px;
  box-shadow:inset 0 0 0 1px rgba(0,0,0,.18)}
.tl-box .t:hover{outline:2px solid #d81b60}
.tl-box .s{background:#3b3b3b;color:#fafafa;font-weight:600;box-shadow:inset 0 0 0 1px #000;
  border:1px dashed #bbb}
.tl-box .g{text-decoration:underline dotted 2px;text-underline-offset:3px}
.tl-gap{color:#888;background:repeating-linear-gradient(45deg,transparent 0 3px,rgba(128,128,128,.25) 3px 5px);
  border-radius:3px}
.tl-box .t sub{font-size:.7em;opacity:.75;margin-left:2px}
.tl-ws{opacity:.55}
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
            out.append(f'<span class="tl-ws">{mark[0]}</span>{mark[1:]}')
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
    # Chips are the bulk of the page (40k for ten tokenizers on 10k characters): keep them short.
    classes = "t"
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
    return (f'<span class="{classes}" style=--h:{hue(group.tokens[0].id)} '
            f'title="{_attribute(token_title(group))}">{body}</span>')


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
            parts.append(f'<span class="tl-gap" title="not covered by any token">'
                         f"{_shown(text[cursor:until], show_whitespace)}</span>")
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
        f'<span class="t" style=--h:{hue(i)} title="id {i} · {_attribute(repr(t))}">'
        f"{html.escape(t) or '&#8203;'}</span>"
        for i, t in pieces
    ]
    return '<div class="tl-box">' + "".join(chips) + "</div>"
