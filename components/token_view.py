"""The coloured token view: takes plain token data, never a model."""

from __future__ import annotations

import urllib.parse

import streamlit as st

from components import resources
from components.layout import is_projector, theme_type
from tokenlens.tokenization.html import TOKEN_CSS, render_plain_pieces
from tokenlens.tokenization.tokens import TokenizerResult


def token_panels(results: list[TokenizerResult], *, view: str = "text", show_whitespace: bool = False) -> None:
    """Every tokenizer's view in one iframe document (see panels_document), kept in resources: a
    rerun that changed none of it costs nothing."""
    font_px = 22 if is_projector() else 15
    st.iframe(resources.token_panels(results, view, show_whitespace, font_px), height="content")
    # st.iframe asks urllib.parse whether the document is a URL, and Python 3.11's urlsplit keeps its
    # last 128 inputs in an lru_cache: every distinct document stayed in memory (14 MB for a 3 MB
    # document of CJK text, 1.8 GB at most), outside any budget. Nothing here needs that cache.
    urllib.parse.urlsplit.cache_clear()


def id_chips(pairs: list[tuple[int, str]], *, special_ids: frozenset[int] = frozenset(),
             show_ids: bool = True) -> None:
    """Chips for (id, text) pairs, e.g. generated ids decoded one at a time, each with its id."""
    chips = render_plain_pieces(pairs, special_ids=frozenset(special_ids), show_ids=show_ids)
    font = "22px" if is_projector() else "15px"
    st.html(f'{TOKEN_CSS}<div class="{theme_type()}" style="--tl-font:{font}">{chips}</div>')


def token_legend() -> None:
    st.caption(
        "Colour comes from the token id: a token keeps its colour wherever it recurs. "
        "Special tokens are the black-and-white chips with a dashed edge; a dotted underline joins tokens that "
        "only form a character "
        "together; hatched text is covered by no token. Hover a token for its id, piece and bytes; click it "
        "to watch its word being cut, step by step (How tokenizers work, in a new tab)."
    )
