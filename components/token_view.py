"""The coloured token view: takes plain token data, never a model."""

from __future__ import annotations

import streamlit as st

from components.layout import is_projector, theme_type
from tokenlens.tokenization.html import TOKEN_CSS, panels_document, render_plain_pieces, render_tokens
from tokenlens.tokenization.tokens import TokenizerResult, Tokenized


@st.cache_resource(show_spinner=False, max_entries=300, ttl=3600,
                   hash_funcs={Tokenized: lambda t: (t.hub_id, t.source_label, t.text)})
def _view_html(tokenized: Tokenized, view: str, show_whitespace: bool) -> str:
    return TOKEN_CSS + render_tokens(tokenized, view=view, show_whitespace=show_whitespace)


def token_view(tokenized: Tokenized, *, view: str = "text", show_whitespace: bool = False) -> None:
    """The coloured view; cached per result object, so a rerun that changed nothing costs nothing."""
    st.html(_view_html(tokenized, view, show_whitespace))


@st.cache_resource(show_spinner=False, max_entries=100, ttl=3600, hash_funcs={
    TokenizerResult: lambda r: (r.hub_id, r.source.label if r.source else None,
                                r.tokenized.text if r.tokenized else None)})
def _panels_document(results: list[TokenizerResult], view: str, show_whitespace: bool, font_px: int) -> str:
    return panels_document(results, view=view, show_whitespace=show_whitespace, font_px=font_px)


def token_panels(results: list[TokenizerResult], *, view: str = "text", show_whitespace: bool = False) -> None:
    """Every tokenizer's view in one iframe document (see panels_document)."""
    font_px = 22 if is_projector() else 15
    st.iframe(_panels_document(results, view, show_whitespace, font_px), height="content")


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
        "together; hatched text is covered by no token. Hover a token for its id, piece and bytes."
    )
