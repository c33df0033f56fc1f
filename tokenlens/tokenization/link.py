"""The tokenizer page's view in its URL, so a copied link opens the same view.

Works on any mapping with `get_all` (st.query_params, a dict of lists in tests), so it is tested
without streamlit.
"""

from __future__ import annotations

import re
from typing import Iterable

from .. import url_state
from ..catalog import BOOK_TOKENIZERS, TOKENIZERS
from ..hub import is_valid_repo_id
from ..url_state import Field
from .presets import PRESETS, VIEWS

SHARE_TEXT_LIMIT = 2_000  # longer texts make links that browsers and chat apps cut
MAX_EXTRA_IDS = 8


def view_fields(default_tokenizers: Iterable[str] = BOOK_TOKENIZERS) -> tuple[Field, ...]:
    """The tokenizer page's fields: the text (a preset's name, or the text itself), tokenizers, view."""
    return (
        Field("preset", "book", choices=("custom", *PRESETS)),
        Field("text", "", max_chars=SHARE_TEXT_LIMIT),
        Field("tok", list(default_tokenizers), kind="list", choices=tuple(TOKENIZERS)),
        Field("hub", "", max_chars=400),
        Field("view", "text", choices=VIEWS),
        Field("ws", False, kind="bool"),
        Field("dec", "", max_chars=200),
        Field("ids", "", max_chars=400),
    )


def extra_ids(typed: str) -> list[str]:
    """Hub ids typed in the 'more tokenizers' box (comma- or space-separated), in order, once each."""
    return list(dict.fromkeys(part for part in re.split(r"[,\s]+", typed) if part))[:MAX_EXTRA_IDS]


def read_view(params, fields: tuple[Field, ...]) -> dict:
    """A link's view. Older links put typed hub ids among `tok` and gave `text` without `preset`."""
    values = url_state.read(params, fields)
    listed = list(params.get_all("tok")) if hasattr(params, "get_all") else []
    typed = [item for item in listed if item not in TOKENIZERS and is_valid_repo_id(item)]
    if typed:
        values["hub"] = ", ".join(extra_ids(", ".join([*typed, values["hub"]])))
        if not any(item in TOKENIZERS for item in listed):
            values["tok"] = []
    if not list(params.get_all("preset")) and values["text"]:
        values["preset"] = "custom"
    if values["preset"] != "custom":
        values["text"] = PRESETS[values["preset"]]
    return values
