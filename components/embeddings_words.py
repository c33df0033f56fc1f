"""The Embeddings page's word-vector section: neighbours, analogies, the odd one out, a word set."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import resources
from components.charts import show_chart
from components.embeddings_charts import (box_height, heatmap, heatmap_caption, neighbours_chart, projection_notice,
                                         scatter, table)
from components.embeddings_projection import projected, projection_controls
from components.embeddings_state import EmbeddingsState
from tokenlens.embeddings.link import CUSTOM, PRESETS
from components.model_status import escape_markdown, source_line, unavailable
from components.progress import word_vectors_with_progress
from tokenlens.catalog import WORD_VECTORS
from tokenlens.embeddings import words
from tokenlens.embeddings.similarity import cosine_matrix
from tokenlens.assets import AssetUnavailable


def neighbour_table(found) -> pd.DataFrame:
    return pd.DataFrame({"word": [n.word for n in found], "similarity": [n.similarity for n in found]})


def _vectors_label(vectors_id: str) -> str:
    spec = WORD_VECTORS[vectors_id]
    return spec.name + ("" if spec.packaged else " (gensim-data download)")


def word_vectors_section(state: EmbeddingsState) -> None:
    chooser, about = st.columns([1, 2], vertical_alignment="bottom")
    vectors_id = chooser.selectbox("Word vectors", list(WORD_VECTORS), **state.bind("vectors"),
                                   format_func=_vectors_label, help=WORD_VECTORS[state["vectors"]].description)
    try:
        loaded = word_vectors_with_progress(vectors_id)
    except AssetUnavailable as err:
        with about:
            unavailable(WORD_VECTORS[vectors_id].name, err.reason, err.kind)
        return
    kv = loaded.vectors
    about.caption(f"{len(kv.index_to_key):,} words × {kv.vector_size} dimensions · {source_line(loaded.source)}")

    nearest_neighbours(state, kv)
    analogies(state, kv)
    odd_one_out(state, kv)
    word_set(state, kv)


def nearest_neighbours(state: EmbeddingsState, kv) -> None:
    st.subheader("Nearest neighbours")
    word_box, count_box, note = st.columns([2, 1, 3], vertical_alignment="bottom")
    word = word_box.text_input("Word", **state.bind("word"))
    topn = count_box.number_input("How many", min_value=2, max_value=100, step=1, **state.bind("topn"))
    note.caption("As in the book: `model.most_similar([model[word]], topn=11)`; the word itself comes first.")
    try:
        found = words.neighbours(kv, word, int(topn))
    except ValueError as err:
        st.warning(escape_markdown(str(err)), icon="🔎")
        return
    found_table = neighbour_table(found)
    chart_column, table_column = st.columns([2, 1])
    with chart_column:
        neighbours_chart(found_table)
    with table_column:
        table(found_table)


def analogies(state: EmbeddingsState, kv) -> None:
    st.subheader("Analogies")
    a, b, c = st.columns(3)
    first = a.text_input("A", **state.bind("a"))
    minus = b.text_input("minus B", **state.bind("b"))
    plus = c.text_input("plus C", **state.bind("c"))
    try:
        answers = words.analogy(kv, first, minus, plus)
    except ValueError as err:
        st.warning(escape_markdown(str(err)), icon="🔎")
        return
    answer_column, table_column = st.columns([1, 1])
    answer_column.markdown(f"**{escape_markdown(answers[0].word)}** is closest to "
                           f"*{escape_markdown(first)} − {escape_markdown(minus)} + {escape_markdown(plus)}* "
                           f"(cosine {answers[0].similarity:.4f}).")
    with table_column:
        table(neighbour_table(answers))


def odd_one_out(state: EmbeddingsState, kv) -> None:
    st.subheader("Which one doesn't belong?")
    typed = st.text_input("Words", **state.bind("odd"), help="Separate the words with spaces or commas.")
    try:
        odd, missing = words.odd_one_out(kv, words.split_words(typed))
    except ValueError as err:
        st.warning(escape_markdown(str(err)), icon="🔎")
        return
    st.markdown(f"The odd one out: **{escape_markdown(odd)}**")
    if missing:
        st.caption(escape_markdown(words.missing_message(missing) + " They were left out."))


def word_set(state: EmbeddingsState, kv) -> None:
    st.subheader("A word set, projected")
    state.fill_preset_text()  # before the box is drawn: a chosen preset shows its words
    preset_box, text_box = st.columns([1, 2])
    preset_box.selectbox("Preset", PRESETS, **state.bind("preset"),
                         format_func=lambda p: "Your own words" if p == CUSTOM else p.capitalize(),
                         help="Editing a preset's words turns them into your own; the link keeps them.")
    text = text_box.text_area("Words (one group per line: `group: word, word`)",
                              height=box_height(state["set"], at_least=3),
                              **state.bind("set"), on_change=state.text_edited)
    chosen = words.word_set(kv, words.parse_groups(text))
    for notice in chosen.notices:
        st.info(escape_markdown(notice), icon="ℹ️")
    if len(chosen.words) < 2:
        st.info("Give at least two known words to project.", icon="✍️")
        return
    method, dims = projection_controls(state, "words")
    points = projected(words.matrix_of(kv, chosen.words), method, dims)
    if points is not None:
        hover = [f"nearest: {line}" if line else ""
                 for line in resources.hover_neighbours(state["vectors"], chosen.words)]
        show_chart(scatter(points, chosen.words, chosen.groups, hover))
        projection_notice(points)
    with st.expander("Cosine similarity of every pair", expanded=len(chosen.words) <= 24):
        similarity = cosine_matrix(words.matrix_of(kv, chosen.words))
        heatmap_caption(similarity)
        show_chart(heatmap(similarity, chosen.words))
