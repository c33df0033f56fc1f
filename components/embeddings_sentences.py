"""The Embeddings page's sentence section: one vector per sentence, search, similarity, projection."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import resources
from components.charts import show_chart
from components.embeddings_charts import box_height, heatmap, heatmap_caption, projection_notice, scatter, short, table
from components.embeddings_projection import projected, projection_controls
from components.embeddings_state import EmbeddingsState
from components.progress import model_selector
from tokenlens.catalog import SENTENCE_MODELS
from tokenlens.embeddings import sentences
from tokenlens.embeddings.sentences import BOOK_SENTENCE_MODEL
from tokenlens.embeddings.similarity import cosine_matrix


def sentences_section(state: EmbeddingsState) -> None:
    loaded = model_selector(state, "smodel", "sentence", SENTENCE_MODELS, "Sentence model")
    if loaded is None:
        return
    text_column, search_column = st.columns([3, 2])
    text = text_column.text_area("Sentences (one per line)", height=box_height(state["sentences"], at_least=8),
                                 **state.bind("sentences"), help=f"Up to {sentences.MAX_SENTENCES} sentences.")
    prepared = sentences.prepare_sentences(text)
    for notice in prepared.notices:
        st.info(notice, icon="ℹ️")
    if not prepared.sentences:
        st.info("Type at least one sentence.", icon="✍️")
        return
    with st.spinner(f"Encoding {len(prepared.sentences)} sentences…"):
        embeddings = resources.sentence_embeddings(state["smodel"], prepared.sentences)

    with search_column:
        query = st.text_input("Semantic search: a query", **state.bind("query"))
        if query.strip():
            hits = sentences.search(loaded, query, prepared.sentences, embeddings, topn=5)
            table(pd.DataFrame(hits, columns=["closest sentences", "cosine"]))
        else:
            st.caption("Type a query to rank the sentences by meaning.")

    st.markdown(f"Each sentence becomes one vector of **{embeddings.shape[1]}** numbers: "
                f"one sentence → shape **{tuple(embeddings.shape[1:])}**, these {len(prepared.sentences)} → "
                f"**{tuple(embeddings.shape)}**."
                + ("" if loaded.id == BOOK_SENTENCE_MODEL
                   else " The book's all-mpnet-base-v2 gives 768 numbers per sentence."))

    labels = [short(s, 40) for s in prepared.sentences]
    st.subheader("Similarity of every pair")
    similarity = cosine_matrix(embeddings)
    heatmap_caption(similarity)
    show_chart(heatmap(similarity, labels))
    if len(prepared.sentences) >= 2:
        st.subheader("Sentences, projected")
        method, dims = projection_controls(state, "sentences")
        points = projected(embeddings, method, dims)
        if points is not None:
            show_chart(scatter(points, [short(s, 26) for s in prepared.sentences], hover=prepared.sentences,
                               height=480))
            projection_notice(points)

