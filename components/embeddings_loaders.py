"""The Embeddings page's process-wide caches: one GloVe matrix, one copy of each model, for all users."""

from __future__ import annotations

import numpy as np
import streamlit as st

from tokenlens.embeddings.contextual import LoadedContextualModel, load_contextual_model
from tokenlens.embeddings.projection import Projection, project
from tokenlens.embeddings.sentences import LoadedSentenceModel, encode, load_sentence_model
from tokenlens.embeddings.word_vectors import LoadedWordVectors, fetch_word_vectors, load_word_vectors


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


def load_model_with_status(label: str, loader, model_id: str):
    """A model load inside st.status, so a first (slow) load shows what is happening."""
    with st.status(f"Loading {label}…", expanded=False) as status:
        loaded = loader(model_id)
        status.update(label=f"{loaded.name} ready ({loaded.dims}-d, {loaded.id})", state="complete")
    return loaded
