"""The tokenizer page's state in its URL, so a copied link opens the same view.

Works on any mapping with `get` and `get_all` (st.query_params), so it is tested without streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import BOOK_TOKENIZERS, TOKENIZERS
from .text_input import MAX_CHARS, PRESETS
from .token_html import VIEWS

SHARE_TEXT_LIMIT = 2_000  # longer texts make links that browsers and chat apps cut


@dataclass(frozen=True)
class PageState:
    preset: str
    text: str
    catalog_ids: list[str]
    extra_ids: list[str]
    view: str
    whitespace: bool


def read_state(params) -> PageState:
    preset = params.get("preset") or ("custom" if params.get("text") else "book")
    if preset != "custom" and preset not in PRESETS:
        preset = "book"
    ids = [i for i in params.get_all("tok") if i.strip()] or list(BOOK_TOKENIZERS)
    view = params.get("view") or "text"
    return PageState(
        preset=preset,
        text=(params.get("text") or "")[:MAX_CHARS],
        catalog_ids=[i for i in ids if i in TOKENIZERS],
        extra_ids=[i for i in ids if i not in TOKENIZERS][:8],
        view=view if view in VIEWS else "text",
        whitespace=params.get("ws") == "1",
    )


def write_state(params, *, preset: str, text: str, hub_ids: list[str], view: str, whitespace: bool) -> bool:
    """Put the state in the URL; False when the text was too long to carry."""
    wanted: dict[str, str | list[str]] = {"preset": preset}
    fits = True
    if preset == "custom":
        if len(text) <= SHARE_TEXT_LIMIT:
            wanted["text"] = text
        else:
            fits = False
    if hub_ids != list(BOOK_TOKENIZERS):
        wanted["tok"] = hub_ids
    if view != "text":
        wanted["view"] = view
    if whitespace:
        wanted["ws"] = "1"
    for key in ("preset", "text", "tok", "view", "ws"):
        value = wanted.get(key)
        current = params.get_all(key)
        if value is None:
            if current:
                del params[key]
        elif (value if isinstance(value, list) else [value]) != current:
            params[key] = value
    return fits
