"""The coloured token view: takes plain token data, never a model."""

from __future__ import annotations

import streamlit as st

from tokenlens.token_html import TOKEN_CSS, render_plain_pieces, render_tokens
from tokenlens.tokens import Tokenized

@st.cache_resource(show_spinner=False, max_entries=300, ttl=3600,
                   hash_funcs={Tokenized: lambda t: (t.hub_id, t.source_label, t.text)})
def _view_html(tokenized: Tokenized, view: str, show_whitespace: bool) -> str:
    return TOKEN_CSS + render_tokens(tokenized, view=view, show_whitespace=show_whitespace)


def token_view(tokenized: Tokenized, *, view: str = "text", show_whitespace: bool = False) -> None:
    """The coloured view; cached per result object, so a rerun that changed nothing costs nothing."""
    st.html(_view_html(tokenized, view, show_whitespace))


def id_chips(pairs: list[tuple[int, str]]) -> None:
    """Chips for (id, text) pairs, e.g. generated ids decoded one at a time."""
    st.html(TOKEN_CSS + render_plain_pieces(pairs))


def token_legend() -> None:
    st.caption(
        "Colour comes from the token id: a token keeps its colour wherever it recurs. "
        "Dark chips are special tokens; a dotted underline joins tokens that only form a character "
        "together; hatched text is covered by no token. Hover a token for its id, piece and bytes."
    )
