"""Embeddings: word vectors, sentence vectors and tokens in context, with their neighbourhoods."""

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from components.embeddings_charts import heatmap, model_caption, projection_notice, safe, scatter, show
from components.embeddings_loaders import (cached_contextual_model, cached_projection, cached_sentence_embeddings,
                                           cached_sentence_model, load_model_with_status,
                                           word_vectors_with_progress)
from components.loaders import cached_tokenizer
from components.model_status import unavailable
from components.token_view import id_chips
from tokenlens.catalog import CONTEXTUAL_MODELS, SENTENCE_MODELS, WORD_VECTORS
from tokenlens.embeddings import contextual, sentences, words
from tokenlens.embeddings.projection import METHODS, project, umap_state, warm_umap_in_background
from tokenlens.hub import AssetUnavailable

SECTIONS = {"words": "Word vectors", "sentences": "Sentences", "contextual": "Tokens in context"}

st.title("🧭 Embeddings")
st.caption("Chapter 2's second half: words, sentences and tokens-in-context become vectors. "
           "Look at their neighbourhoods, project them to 2D/3D and compare them.")
warm_umap_in_background()  # UMAP's one-off compilation happens in a thread, not when someone picks it

section_keys = list(SECTIONS)
wanted = st.query_params.get("section", "words")
section = st.segmented_control("Section", section_keys, format_func=SECTIONS.get, key="section",
                               default=wanted if wanted in SECTIONS else "words") or "words"
st.query_params["section"] = section


def projection_controls(key: str, default_dims: int = 2) -> tuple[str, int]:
    left, right = st.columns(2)
    method = left.radio("Projection", METHODS, horizontal=True, key=f"{key}-method",
                        help="PCA is exact and instant; UMAP and t-SNE keep neighbourhoods but move distances.")
    dims = right.radio("Dimensions", (2, 3), index=default_dims - 2, horizontal=True, key=f"{key}-dims",
                       format_func=lambda d: f"{d}D")
    if method == "UMAP" and umap_state()["status"] == "warming":
        st.caption("UMAP is still compiling in the background (once per server); this first run may wait for it.")
    return method, dims


def projected(matrix, method: str, dims: int):
    try:
        # PCA is cheaper than hashing its input; UMAP and t-SNE are cached per input.
        return project(matrix, method, dims) if method == "PCA" else cached_projection(matrix, method, dims)
    except ValueError as err:
        st.info(str(err), icon="ℹ️")
        return None


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def neighbour_table(found) -> pd.DataFrame:
    return pd.DataFrame({"word": [n.word for n in found], "similarity": [round(n.similarity, 4) for n in found]})


# ---------------------------------------------------------------- word vectors
def word_vectors_section() -> None:
    vectors_id = st.selectbox("Word vectors", list(WORD_VECTORS),
                              format_func=lambda i: f"{WORD_VECTORS[i].name} · {i}"
                              + ("" if WORD_VECTORS[i].packaged else " (gensim-data download)"))
    st.caption(WORD_VECTORS[vectors_id].description)
    try:
        loaded = word_vectors_with_progress(vectors_id)
    except AssetUnavailable as err:
        unavailable(vectors_id, err.reason)
        return
    model_caption(loaded)
    kv = loaded.vectors
    st.caption(f"{len(kv.index_to_key):,} words × {kv.vector_size} dimensions.")

    st.subheader("Nearest neighbours")
    left, right = st.columns([3, 1])
    word = left.text_input("Word", value="king", key="nn-word")
    topn = right.number_input("How many", 2, 100, 11, key="nn-topn")
    st.caption("As in the book: `model.most_similar([model[word]], topn=11)` — the word itself comes first.")
    try:
        found = words.neighbours(kv, word, int(topn))
    except ValueError as err:
        st.warning(str(err), icon="🔎")
    else:
        table = neighbour_table(found)
        chart_col, table_col = st.columns([2, 1])
        with chart_col:
            drawn = table.assign(word=safe(table["word"]))  # plotly would read tags in tick labels
            figure = px.bar(drawn.iloc[::-1], x="similarity", y="word", orientation="h",
                            range_x=[min(0.0, table.similarity.min()), 1.05])
            figure.update_traces(texttemplate="%{x:.4f}", textposition="inside", marker_color="#d81b60")
            figure.update_layout(height=max(260, 26 * len(table)), margin=dict(l=10, r=10, t=10, b=10))
            show(figure)
        table_col.dataframe(table, hide_index=True, width="stretch", height=min(800, 36 * (len(table) + 1) + 3))

    st.subheader("Analogies")
    a, b, c = st.columns(3)
    first = a.text_input("A", "king", key="an-a")
    minus = b.text_input("minus B", "man", key="an-b")
    plus = c.text_input("plus C", "woman", key="an-c")
    try:
        answers = words.analogy(kv, first, minus, plus)
    except ValueError as err:
        st.warning(str(err), icon="🔎")
    else:
        st.markdown(f"**{answers[0].word}** is closest to *{first} − {minus} + {plus}* "
                    f"(cosine {answers[0].similarity:.4f}).")
        st.dataframe(neighbour_table(answers), hide_index=True)

    st.subheader("Which one doesn't belong?")
    typed = st.text_input("Words", "breakfast cereal dinner lunch", key="odd-words")
    try:
        odd, missing = words.odd_one_out(kv, words.split_words(typed))
    except ValueError as err:
        st.warning(str(err), icon="🔎")
    else:
        st.markdown(f"The odd one out: **{odd}**")
        if missing:
            st.caption(words.missing_message(missing) + " They were left out.")

    st.subheader("A word set, projected")
    presets = list(words.WORD_SET_PRESETS)
    preset = st.selectbox("Preset", ["custom", *presets], index=1,
                          format_func=lambda p: "Type your own" if p == "custom" else p.capitalize())
    default = "" if preset == "custom" else words.groups_as_text(words.WORD_SET_PRESETS[preset])
    text = st.text_area("Words (one group per line: `group: word, word`)", default, height=130,
                        key=f"set-{preset}")
    chosen = words.word_set(kv, words.parse_groups(text))
    for notice in chosen.notices:
        st.info(notice, icon="ℹ️")
    if len(chosen.words) < 2:
        st.info("Give at least two known words to project.", icon="✍️")
        return
    method, dims = projection_controls("words")
    points = projected(words.matrix_of(kv, chosen.words), method, dims)
    if points is not None:
        hover = words.hover_neighbours(kv, chosen.words)
        hover = [f"nearest: {line}" if line else "" for line in hover]
        show(scatter(points, chosen.words, chosen.groups, hover))
        projection_notice(points)
    with st.expander("Cosine similarity of every pair", expanded=len(chosen.words) <= 24):
        show(heatmap(words.cosine_matrix(words.matrix_of(kv, chosen.words)), chosen.words))


# ---------------------------------------------------------------- sentences
def sentences_section() -> None:
    model_id = st.selectbox("Sentence model", list(SENTENCE_MODELS),
                            format_func=lambda i: f"{SENTENCE_MODELS[i].name} · {i}")
    try:
        loaded = load_model_with_status(SENTENCE_MODELS[model_id].name, cached_sentence_model, model_id)
    except AssetUnavailable as err:
        unavailable(model_id, err.reason)
        return
    model_caption(loaded)
    text = st.text_area("Sentences (one per line)", "\n".join(sentences.EXAMPLE_SENTENCES), height=190,
                        help=f"Up to {sentences.MAX_SENTENCES} sentences.")
    prepared = sentences.prepare_sentences(text)
    for notice in prepared.notices:
        st.info(notice, icon="ℹ️")
    if not prepared.sentences:
        st.info("Type at least one sentence.", icon="✍️")
        return
    with st.spinner(f"Encoding {len(prepared.sentences)} sentences…"):
        embeddings = cached_sentence_embeddings(loaded.id if loaded.fallback_reason else model_id,
                                                tuple(prepared.sentences))
    first = prepared.sentences[0] if len(prepared.sentences[0]) <= 40 else prepared.sentences[0][:39] + "…"
    st.markdown(f"`model.encode({first!r})` → shape **{tuple(embeddings.shape[1:])}**; "
                f"{len(prepared.sentences)} sentences → **{tuple(embeddings.shape)}**")

    st.subheader("Semantic search")
    query = st.text_input("Query", "a wonderful film", key="sent-query")
    if query.strip():
        hits = sentences.search(loaded, query, prepared.sentences, embeddings, topn=5)
        st.dataframe(pd.DataFrame(hits, columns=["sentence", "cosine"]).round(4), hide_index=True,
                     width="stretch")

    labels = [s if len(s) <= 40 else s[:39] + "…" for s in prepared.sentences]
    st.subheader("Similarity of every pair")
    show(heatmap(sentences.similarity_matrix(embeddings), labels))
    if len(prepared.sentences) >= 2:
        st.subheader("Sentences, projected")
        method, dims = projection_controls("sentences")
        points = projected(embeddings, method, dims)
        if points is not None:
            show(scatter(points, [short(s, 26) for s in prepared.sentences], hover=prepared.sentences, height=480))
            projection_notice(points)


# ---------------------------------------------------------------- contextual
def own_tokens(hub_id: str, text: str) -> None:
    """The requested model's own tokenizer still works offline: show how it splits the text."""
    try:
        tokenizer = cached_tokenizer(hub_id).tokenizer
    except AssetUnavailable as err:
        st.caption(f"{hub_id}'s tokenizer is unavailable too: {err.reason}")
        return
    encoding = tokenizer.encode(text)
    st.caption(f"{hub_id}'s own tokenizer (available here; only its weights are missing) splits the text as:")
    id_chips(list(zip(encoding.ids, encoding.tokens)))


def contextual_section() -> None:
    model_id = st.selectbox("Model", list(CONTEXTUAL_MODELS),
                            format_func=lambda i: f"{CONTEXTUAL_MODELS[i].name} · {i}")
    notes = CONTEXTUAL_MODELS[model_id].notes
    if notes:
        st.info("A note on the book: " + notes, icon="📖")
    try:
        loaded = load_model_with_status(CONTEXTUAL_MODELS[model_id].name, cached_contextual_model, model_id)
    except AssetUnavailable as err:
        unavailable(model_id, err.reason)
        return
    model_caption(loaded)
    own_tokenizer = loaded.requested_id if loaded.fallback_reason else None

    st.subheader("One vector per token")
    left, right = st.columns([3, 1])
    text = left.text_input("Text", "Hello world", key="ctx-text")
    layer = right.slider("Layer", 0, loaded.layers, loaded.layers, key="ctx-layer",
                         help="0 is the embedding layer (no context yet); the last layer is what model(...)[0] returns.")
    try:
        result = contextual.token_vectors(loaded, text, layer)
    except ValueError as err:
        st.info(str(err), icon="✍️")
    else:
        id_chips(list(zip(result.ids, result.tokens)))
        if own_tokenizer:
            own_tokens(own_tokenizer, text)
        st.markdown(f"Output shape **{list(result.shape)}**: {result.shape[1]} tokens × {result.shape[2]} dimensions "
                    f"(layer {result.layer} of {loaded.layers}).")
        preview = pd.DataFrame({"token": result.tokens,
                                "first 3": [", ".join(f"{v:.4f}" for v in row[:3]) for row in result.vectors],
                                "last 3": [", ".join(f"{v:.4f}" for v in row[-3:]) for row in result.vectors]})
        st.dataframe(preview, hide_index=True, width="stretch")

    st.subheader("Same word, different meaning")
    st.caption("A static word vector gives *bank* one vector; a contextual model gives it one per sentence.")
    word = st.text_input("Word to follow", "bank", key="ctx-word")
    typed = st.text_area("Sentences that use it", "\n".join(contextual.BANK_SENTENCES), height=170, key="ctx-sents")
    prepared = sentences.prepare_sentences(typed, max_sentences=60)
    for notice in prepared.notices:
        st.info(notice, icon="ℹ️")
    try:
        found = contextual.word_in_context(loaded, prepared.sentences, word, layer)
    except ValueError as err:
        st.info(str(err), icon="✍️")
        found = []
    if word.strip() and len(found) < 2:
        st.info(f"Give at least two sentences that contain {word.strip()!r}.", icon="✍️")
    elif found:
        labels = [s if len(s) <= 45 else s[:44] + "…" for s, _ in found]
        matrix = np.vstack([v for _, v in found])
        show(heatmap(words.cosine_matrix(matrix), labels))
        points = projected(matrix, "PCA", 2)
        if points is not None:
            show(scatter(points, [short(s, 26) for s, _ in found], hover=[s for s, _ in found], height=420))

    st.subheader("The static input-embedding matrix")
    matrix_shape = contextual.input_embedding_matrix(loaded).shape
    st.caption(f"Before any context, each token id has one row of a {matrix_shape[0]:,} × {matrix_shape[1]} "
               "matrix. Tokens are not words: compare `king` with `##king` (BERT) or `▁king` (SentencePiece).")
    piece = st.text_input("Token (exactly as in the vocabulary)", "king", key="ctx-piece")
    try:
        nearest = contextual.nearest_tokens(loaded, piece.strip(), 10)
    except ValueError as err:
        st.warning(str(err), icon="🔎")
    else:
        st.dataframe(pd.DataFrame(nearest, columns=["token", "id", "cosine"]).round(4), hide_index=True)


{"words": word_vectors_section, "sentences": sentences_section, "contextual": contextual_section}[section]()
