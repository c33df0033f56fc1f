"""Loading for the generation page: a model's tokenizer alone, and the model with a progress bar.

Both are kept once per server process by the library (get_model_tokenizer, get_model: one copy
for every visitor); here they only get a face while they load.
"""

from __future__ import annotations

import streamlit as st

from components.model_status import escape_markdown
from tokenlens.generation.models import (LoadedModel, ModelTokenizer, get_model, get_model_tokenizer,
                                         is_model_loaded, is_tokenizer_loaded)
from tokenlens.generation.progress import LoadProgress


def model_tokenizer(hub_id: str, name: str) -> ModelTokenizer:
    """The model's tokenizer without its weights; AssetUnavailable when it cannot be had."""
    if is_tokenizer_loaded(hub_id):
        return get_model_tokenizer(hub_id)
    with st.spinner(f"Reading {escape_markdown(name)}'s tokenizer (once per server)…"):
        return get_model_tokenizer(hub_id)


def load_model_with_progress(hub_id: str, name: str) -> LoadedModel:
    """The model, with each loading stage shown on a progress bar (nothing shown once it is loaded)."""
    if is_model_loaded(hub_id):
        return get_model(hub_id)
    shown_name = escape_markdown(name)
    bar = st.progress(0.0, text=f"Loading {shown_name}…")

    def show(fraction: float, message: str) -> None:
        bar.progress(fraction, text=f"Loading {shown_name}: {escape_markdown(message)} · {fraction:.0%}")

    try:
        return get_model(hub_id, progress=LoadProgress(show))
    finally:
        bar.empty()
