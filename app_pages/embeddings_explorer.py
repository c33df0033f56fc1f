"""Embeddings: word vectors, sentence vectors and tokens in context, with their neighbourhoods.

The whole view (section, words, texts, models, projections) is kept in the page's link; see
tokenlens/embeddings/link.py. Each section is one component, top to bottom.
"""

import streamlit as st

from components.embeddings_contextual import contextual_section
from components.embeddings_sentences import sentences_section
from components.embeddings_state import page_state
from components.embeddings_words import word_vectors_section
from tokenlens.embeddings.link import FIELD_NAMES, SECTIONS
from tokenlens.embeddings.projection import warm_umap_in_background

state = page_state()

st.title("🧭 Embeddings")
st.caption("Chapter 2's second half: words, sentences and tokens-in-context become vectors. "
           "Look at their neighbourhoods, project them to 2D/3D and compare them.")
warm_umap_in_background()  # UMAP's one-off compilation happens in a thread, not when someone picks it

section = st.segmented_control("Section", list(SECTIONS), format_func=SECTIONS.get, required=True,
                               **state.bind("section"), label_visibility="collapsed")
{"words": word_vectors_section, "sentences": sentences_section, "contextual": contextual_section}[section](state)

too_long = state.sync(omit=state.link_omits())
if too_long:
    st.caption("This page's link does not carry " + " or ".join(FIELD_NAMES.get(p, p) for p in too_long)
               + ": too long for a link.")
