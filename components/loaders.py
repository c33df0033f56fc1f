"""Process-wide model and tokenizer caches (st.cache_resource: one shared object for all users).

Failures raise and are therefore not cached: a hub that comes back is tried again.
"""

from __future__ import annotations

import streamlit as st

from tokenlens.catalog import BOOK_TOKENIZERS
from tokenlens.assets import AssetUnavailable
from tokenlens.tokenization.loading import LoadedTokenizer, load_tokenizer
from tokenlens.tokenization.tokens import Tokenized, tokenize


@st.cache_resource(show_spinner=False, max_entries=64)
def cached_tokenizer(hub_id: str) -> LoadedTokenizer:
    loaded = load_tokenizer(hub_id)
    _loaded_ids.add(hub_id)
    return loaded


_loaded_ids: set[str] = set()


def is_loaded(hub_id: str) -> bool:
    return hub_id in _loaded_ids


def load_with_progress(hub_ids: list[str]) -> None:
    """Load tokenizers not yet in memory behind a progress bar; failures are reported later."""
    pending = [hub_id for hub_id in hub_ids if not is_loaded(hub_id)]
    if not pending:
        return
    bar = st.progress(0.0, text="Loading tokenizers…")
    for done, hub_id in enumerate(pending, start=1):
        bar.progress(done / (len(pending) + 1), text=f"Loading {hub_id} ({done}/{len(pending)})…")
        try:
            cached_tokenizer(hub_id)
        except Exception:  # reported next to that tokenizer's view, with the reason
            pass
    bar.empty()


@st.cache_resource(show_spinner=False, max_entries=200, ttl=3600)
def _tokenized(hub_id: str, text: str) -> Tokenized:
    return tokenize(cached_tokenizer(hub_id), text)


def cached_tokenize(loaded: LoadedTokenizer, text: str) -> Tokenized:
    """Tokenized results are immutable, so one shared copy serves every rerun and every user."""
    return _tokenized(loaded.hub_id, text)


@st.cache_resource(show_spinner=False)
def available_book_tokenizers() -> tuple[str, ...]:
    """The book's tokenizers this server can load: the page preselects these and no others
    (an unavailable one stays selectable and then says why)."""
    load_with_progress(list(BOOK_TOKENIZERS))
    found = []
    for hub_id in BOOK_TOKENIZERS:
        try:
            cached_tokenizer(hub_id)
        except AssetUnavailable:
            continue
        found.append(hub_id)
    return tuple(found)
