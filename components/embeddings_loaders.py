"""The Embeddings page's process-wide caches (one GloVe matrix, one copy of each model, for all users)
and the model selectors, which name the model actually in use."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.model_status import unavailable
from tokenlens.embeddings.contextual import (LoadedContextualModel, TokenVectors, load_contextual_model, token_vectors,
                                             word_in_context)
from tokenlens.embeddings.projection import Projection, project
from tokenlens.embeddings.sentences import LoadedSentenceModel, encode, load_sentence_model
from tokenlens.embeddings.word_vectors import LoadedWordVectors, fetch_word_vectors, load_word_vectors
from tokenlens.embeddings.words import hover_neighbours
from tokenlens.assets import AssetUnavailable


@st.cache_resource(show_spinner=False, max_entries=2)
def cached_word_vectors(vectors_id: str) -> LoadedWordVectors:
    return load_word_vectors(vectors_id)


@st.cache_resource(show_spinner=False, max_entries=2)
def cached_sentence_model(model_id: str) -> LoadedSentenceModel:
    return load_sentence_model(model_id)


@st.cache_resource(show_spinner=False, max_entries=2)
def cached_contextual_model(model_id: str) -> LoadedContextualModel:
    return load_contextual_model(model_id)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_sentence_embeddings(model_id: str, sentences: tuple[str, ...]) -> np.ndarray:
    return encode(cached_sentence_model(model_id), list(sentences))


@st.cache_data(show_spinner=False, max_entries=64)
def cached_hover_neighbours(vectors_id: str, words: tuple[str, ...]) -> list[str]:
    """A word set's hover lines: one pass over the vocabulary per word, so kept across reruns."""
    return hover_neighbours(cached_word_vectors(vectors_id).vectors, list(words))


@st.cache_data(show_spinner=False, max_entries=64)
def cached_token_vectors(model_id: str, text: str, layer: int) -> TokenVectors:
    return token_vectors(cached_contextual_model(model_id), text, layer)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_word_in_context(model_id: str, sentences: tuple[str, ...], word: str, layer: int) -> list:
    """One forward pass per sentence: every click elsewhere in the section would repeat them."""
    return word_in_context(cached_contextual_model(model_id), list(sentences), word, layer)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_projection(matrix: np.ndarray, method: str, dims: int) -> Projection:
    return project(matrix, method, dims)


def word_vectors_with_progress(vectors_id: str) -> LoadedWordVectors:
    """Load a word-vector set behind a progress bar (downloads report their bytes)."""
    bar = st.progress(0.0, text=f"Loading {vectors_id}…")
    try:
        # The download (if any) runs outside the cached loader: cached functions must not draw.
        fetch_word_vectors(vectors_id, lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text=text))
        bar.progress(1.0, text=f"Reading {vectors_id} into memory…")
        return cached_word_vectors(vectors_id)
    finally:
        bar.empty()


# What each requested model id turned out to be on this server (a stand-in offline), learnt as
# models load: the selectors name the model actually in use, also for options not chosen now.
_in_use: dict[str, str] = {}


def load_model(loader, model_id: str, catalog: dict):
    """A model load behind a spinner (only while a first, slow load runs); remembers what it got."""
    name = catalog[model_id].name if model_id in catalog else model_id
    with st.spinner(f"Loading {name}…", show_time=True):
        loaded = loader(model_id)
    _in_use[model_id] = model_label(loaded, catalog)
    return loaded


def model_label(loaded, catalog: dict) -> str:
    """'all-MiniLM-L6-v2, standing in for all-mpnet-base-v2' when a stand-in is used, else the name."""
    if loaded.fallback_reason and loaded.requested_id != loaded.id:
        requested = catalog[loaded.requested_id].name if loaded.requested_id in catalog else loaded.requested_id
        return f"{loaded.name}, standing in for {requested}"
    return loaded.name


def option_label(model_id: str, catalog: dict) -> str:
    """A selector option: the model in use for it when known, else the catalog name."""
    return _in_use.get(model_id) or catalog[model_id].name


def source_line(loaded) -> str:
    return ("📦 " if loaded.is_standin else "🤗 ") + loaded.source_label


def model_selector(state, param: str, loader, catalog: dict, label: str, note: str = "", **options):
    """The model select names the model in use ("X, standing in for Y"), so it is drawn after the load.

    Beside it, one quiet line: why the requested model is not used (the detail folded away), or
    where the model in use comes from; then `note`, if any."""
    chooser, about = st.columns([1, 1], vertical_alignment="top")
    loaded = None
    with about:
        try:
            loaded = load_model(loader, state[param], catalog)
        except AssetUnavailable as err:
            unavailable(catalog[state[param]].name, err.reason, err.kind)
        else:
            if loaded.fallback_reason and loaded.requested_id != loaded.id:
                requested = catalog.get(loaded.requested_id)
                unavailable(requested.name if requested else loaded.requested_id, loaded.fallback_reason, "offline")
            else:
                st.caption(source_line(loaded))
        if note:
            st.caption(note)
    chooser.selectbox(label, list(catalog), **state.bind(param),
                      format_func=lambda model_id: option_label(model_id, catalog),
                      help=f"In use: {source_line(loaded)}" if loaded else None, **options)
    return loaded
