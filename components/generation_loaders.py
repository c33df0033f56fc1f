"""The generation page's shared model cache: one loaded model per id for every user of the server."""

from __future__ import annotations

import streamlit as st

from tokenlens.generation.models import LoadedModel, get_model


@st.cache_resource(show_spinner=False, max_entries=3)
def cached_model(hub_id: str) -> LoadedModel:
    """Failures raise and are not cached: a model that becomes available is tried again."""
    return get_model(hub_id)
