"""Every cached resource of the app, in one place: the one cache layer, bounded by the bytes it holds.

The library memoises nothing; each kind of thing kept has one `SizedCache` here, created once per
server process through st.cache_resource and shared by every visitor. Pages call these functions
with domain objects and never build cache keys.

The budget: a Streamlit Community Cloud app gets 2.7 GB. The process itself (Python, Streamlit,
the libraries imported) takes about 0.5 GB; the caches below add up to MEMORY_BUDGET, which leaves
headroom for the work of the runs under way.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from tokenlens.sized_cache import CacheStats, SizedCache

MIB = 1024 * 1024
_KINDS: dict[str, tuple[int, Callable]] = {}  # name -> (budget in bytes, size of one value)


def cache_kind(name: str, budget_bytes: int, size_of: Callable) -> Callable[[], SizedCache]:
    """Declare one kind of thing kept; returns the getter of its one cache in this process."""
    _KINDS[name] = (budget_bytes, size_of)
    return lambda: _cache(name)


@st.cache_resource(show_spinner=False)
def _cache(name: str) -> SizedCache:
    budget, size_of = _KINDS[name]
    return SizedCache(name, budget, size_of)


def memory_budget() -> int:
    """MEMORY_BUDGET: the sum of every kind's budget."""
    return sum(budget for budget, _ in _KINDS.values())


def cache_stats() -> list[CacheStats]:
    """What each cache holds now (the memory benchmark prints it)."""
    return [_cache(name).stats() for name in _KINDS]


# --- Tokenizers and tokenized texts -------------------------------------------------------------


# --- Embeddings: word vectors, sentence and contextual models, their results, projections ------


# --- Songs: datasets, trained vectors, the map -------------------------------------------------


# --- Generation: models and their tokenizers -----------------------------------------------------
