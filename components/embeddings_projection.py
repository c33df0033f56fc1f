"""The projection controls shared by the page's projected views, and the projection they ask for."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import resources
from components.embeddings_state import EmbeddingsState
from tokenlens.embeddings.link import PROJECTED_VIEWS
from components.model_status import escape_markdown
from tokenlens.embeddings.projection import METHODS, Projection, umap_note

METHOD_HELP = "PCA is exact and instant; UMAP and t-SNE keep neighbourhoods but move distances."


def projection_controls(state: EmbeddingsState, view: str, container=None) -> tuple[str, int]:
    """Method and dimensions radios for one view (each view keeps its own in the link)."""
    method_param, dims_param = PROJECTED_VIEWS[view]
    left, right = (container or st).columns(2)
    method = left.radio("Projection", METHODS, horizontal=True, **state.bind(method_param), help=METHOD_HELP)
    dims = right.radio("Dimensions", (2, 3), horizontal=True, **state.bind(dims_param),
                       format_func=lambda d: f"{d}D")
    if method == "UMAP":
        (container or st).caption(umap_note())
    return method, int(dims)


def projected(matrix: np.ndarray, method: str, dims: int) -> Projection | None:
    try:
        return resources.projection(matrix, method, dims)
    except ValueError as err:
        st.info(escape_markdown(str(err)), icon="ℹ️")
        return None
