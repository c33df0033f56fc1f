"""The Embeddings page's tokens-in-context section: one vector per token, "bank" in two senses,
and the static input-embedding matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import resources
from components.charts import show_chart
from components.embeddings_charts import box_height, heatmap, projection_notice, scatter, table
from components.embeddings_projection import projected, projection_controls
from components.embeddings_state import EmbeddingsState
from components.progress import model_selector
from components.model_status import escape_markdown
from components.token_view import id_chips
from tokenlens.catalog import CONTEXTUAL_MODELS
from tokenlens.embeddings import contextual, sentences
from tokenlens.embeddings.similarity import cosine_matrix
from tokenlens.assets import AssetUnavailable

# The shipped senses keep one colour each, in both themes; senses typed by a visitor take the
# chart palette, unmarked sentences grey.
SENSE_COLOURS = {"river": "#1e88e5", "money": "#f4511e"}
CLEAR_DIFFERENCE = 0.02  # mean cosine: below this the senses are said to barely differ


def contextual_section(state: EmbeddingsState) -> None:
    notes = CONTEXTUAL_MODELS[state["cmodel"]].notes
    loaded = model_selector(state, "cmodel", "contextual", CONTEXTUAL_MODELS, "Model",
                            note="📖 A note on the book: " + notes if notes else "", on_change=state.model_changed)
    if loaded is None:
        return
    if state["layer"] is None or not 0 <= state["layer"] <= loaded.layers:
        state.set("layer", loaded.layers)  # before the slider is drawn: the model's last layer
    layer = token_vectors(state, loaded)
    word_in_two_senses(state, loaded, layer)
    static_embeddings(state, loaded)


def own_tokens(hub_id: str, text: str) -> None:
    """The requested model's own tokenizer often works offline: show how it splits the text."""
    try:
        tokenizer = resources.tokenizer(hub_id).tokenizer
    except AssetUnavailable:
        return  # the line above the page already says the model is not available
    encoding = tokenizer.encode(text)
    name = CONTEXTUAL_MODELS[hub_id].name if hub_id in CONTEXTUAL_MODELS else hub_id
    st.caption(f"{name}'s own tokenizer (available here; only its weights are missing) splits the text as:")
    special = frozenset(i for i, m in zip(encoding.ids, encoding.special_tokens_mask) if m)
    id_chips(list(zip(encoding.ids, encoding.tokens)), special_ids=special)


def token_vectors(state: EmbeddingsState, loaded) -> int:
    st.subheader("One vector per token")
    text_box, layer_box = st.columns([3, 1])
    text = text_box.text_input("Text", **state.bind("text"))
    layer = layer_box.slider("Layer", 0, loaded.layers, **state.bind("layer"),
                             help="0 is the embedding layer (no context yet); the last layer is what "
                                  "model(...)[0] returns.")
    try:
        result = resources.token_vectors(state["cmodel"], text, layer)
    except ValueError as err:
        st.info(escape_markdown(str(err)), icon="✍️")
        return layer
    id_chips(list(zip(result.ids, result.tokens)), special_ids=result.special_ids)
    if loaded.fallback_reason and loaded.requested_id != loaded.id:
        own_tokens(loaded.requested_id, text)
    st.markdown(f"Output shape **{list(result.shape)}**: {result.shape[1]} tokens × {result.shape[2]} dimensions "
                f"(layer {result.layer} of {loaded.layers}).")
    with st.expander("The first and last three numbers of each token's vector", expanded=len(result.tokens) <= 8):
        table(pd.DataFrame({"token": result.tokens,
                            "first 3": [", ".join(f"{v:.4f}" for v in row[:3]) for row in result.vectors],
                            "last 3": [", ".join(f"{v:.4f}" for v in row[-3:]) for row in result.vectors]}))
    return layer


def word_in_two_senses(state: EmbeddingsState, loaded, layer: int) -> None:
    st.subheader("Same word, different meaning")
    st.caption("A static word vector gives *bank* one vector; a contextual model gives it one per sentence. "
               "Start a line with `[sense]` to colour its point; unmarked sentences are grey.")
    word_box, text_box = st.columns([1, 3])
    word = word_box.text_input("Word to follow", **state.bind("follow"))
    typed = text_box.text_area("Sentences that use it", height=box_height(state["fsents"]), **state.bind("fsents"))
    marked = [contextual.split_sense(line) for line in typed.splitlines() if line.strip()]
    prepared = sentences.prepare_sentences([sentence for sentence, _ in marked], max_sentences=60)
    for notice in prepared.notices:
        st.info(notice, icon="ℹ️")
    sense_of = {}
    for sentence, sense in marked:
        sense_of.setdefault(sentence[: sentences.MAX_SENTENCE_CHARS], sense)
    try:
        found = resources.word_in_context(state["cmodel"], prepared.sentences, word, layer)
    except ValueError as err:
        st.info(escape_markdown(str(err)), icon="✍️")
        return
    if len(found) < 2:
        st.info(escape_markdown(f"Give at least two sentences that contain {word.strip()!r}."), icon="✍️")
        return
    # Same senses side by side: the heatmap then shows them as squares on its diagonal.
    order = list(dict.fromkeys(sense_of.get(s, "") for s, _ in found if sense_of.get(s, "")))
    found = sorted(found, key=lambda item: order.index(sense_of[item[0]]) if sense_of.get(item[0]) else len(order))
    senses = [sense_of.get(s, "") for s, _ in found]
    matrix = np.vstack([v for _, v in found])
    what_to_look_for(contextual.sense_contrast(matrix, senses), word.strip(), layer)

    full = [s for s, _ in found]
    heat_column, map_column = st.columns(2)
    with heat_column:
        # Short tags ("river 2") keep the cells large; hovering a cell shows both sentences.
        show_chart(heatmap(cosine_matrix(matrix), sense_tags(senses), hover_texts=full))
    with map_column:
        method, dims = projection_controls(state, "bank")
        points = projected(matrix, method, dims)
        if points is not None:
            labels = [contextual.context_snippet(s, word) for s in full]
            show_chart(scatter(points, labels, [s or "unmarked" for s in senses] if any(senses) else None,
                               hover=full, height=420, colours=SENSE_COLOURS))
            projection_notice(points)


def sense_tags(senses: list[str]) -> list[str]:
    """'river 1', 'river 2', 'money 1', …; 'sentence 3' for an unmarked one."""
    seen: dict[str, int] = {}
    tags = []
    for position, sense in enumerate(senses, start=1):
        seen[sense] = seen.get(sense, 0) + 1
        tags.append(f"{sense} {seen[sense]}" if sense else f"sentence {position}")
    return tags


def what_to_look_for(contrast, word: str, layer: int) -> None:
    """One line, with the measured numbers: what the colours show at this layer."""
    if contrast is None:
        st.caption("Mark sentences with `[sense]` (two senses, two sentences each) to compare the senses.")
        return
    numbers = (f"{contrast.same:.2f} on average for same-sense pairs against {contrast.across:.2f} "
               f"for cross-sense pairs (layer {layer})")
    before_context = (f" Layer 0 is before any context: every *{escape_markdown(word)}* starts alike. "
                      "Move the layer slider up." if layer == 0 else "")
    if contrast.same - contrast.across >= CLEAR_DIFFERENCE:
        st.markdown(f"**Same-sense pairs are more similar than cross-sense pairs**: {numbers}. Look at the "
                    "bright blocks along the heatmap's diagonal, and at how the colours gather in the projection.")
    elif contrast.same > contrast.across:
        st.markdown(f"**The senses barely differ at this layer**: {numbers}.{before_context}")
    else:
        st.markdown(f"**Same-sense pairs are not more similar at this layer**: {numbers}.{before_context}")


def static_embeddings(state: EmbeddingsState, loaded) -> None:
    st.subheader("The static input-embedding matrix")
    rows, dims = contextual.input_embedding_matrix(loaded).shape
    st.caption(f"Before any context, each token id has one row of a {rows:,} × {dims} matrix. Tokens are not "
               "words: compare `king` with `##king` (BERT) or `▁king` (SentencePiece).")
    ask, answer = st.columns([1, 1])
    typed = ask.text_input("Token (as in the vocabulary)", **state.bind("piece"))
    try:
        piece, note = contextual.vocabulary_piece(loaded, typed)
        nearest = contextual.nearest_tokens(loaded, piece, 10)
    except ValueError as err:
        ask.warning(escape_markdown(str(err)), icon="🔎")
        return
    if note:
        ask.caption(escape_markdown(note))
    with answer:
        table(pd.DataFrame(nearest, columns=["nearest token", "id", "cosine"]))
