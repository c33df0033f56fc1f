"""Compare tokenizers: one text, many tokenizers, every id real."""

import streamlit as st

from components.charts import token_count_chart
from components import resources
from components.model_status import escape_markdown, unavailable_list
from components.page_state import PageState
from components.tables import csv_download, show_rows
from components.progress import book_tokenizers_with_progress, tokenizers_with_progress
from components.token_view import token_legend, token_panels
from tokenlens.catalog import BOOK_TOKENIZERS, TOKENIZERS
from tokenlens.assets import AssetUnavailable
from tokenlens.tokenization.link import SHARE_TEXT_LIMIT, extra_ids, read_view, view_fields
from tokenlens.tokenization.presets import MAX_CHARS, PRESET_LABELS, PRESETS, VIEWS, prepare_text
from tokenlens.tokenization.tokens import (TOKEN_ROW_COLUMNS, decode_ids, parse_ids, stats_rows, token_rows,
                                          tokenize_with)
from tokenlens.url_state import preset_after_edit

st.title("🔤 Compare tokenizers")
st.caption("Type or pick a text and see how each model cuts it into tokens: colours, ids and counts "
           "straight from the real tokenizers.")

fields = view_fields(book_tokenizers_with_progress())
state = PageState("tokens", fields, from_link=lambda params: read_view(params, fields))


def preset_picked() -> None:
    """A preset fills the box; "Custom text" keeps what is there, to edit."""
    if state["preset"] != "custom":
        state.set("text", PRESETS[state["preset"]])


def text_edited() -> None:
    state.set("preset", preset_after_edit(state["preset"], state["text"], PRESETS.get))


inputs, outputs = st.columns([5, 8], gap="medium")
with inputs:
    st.selectbox("Text", ["custom", *PRESETS], **state.bind("preset"), on_change=preset_picked,
                 format_func=lambda key: "Custom text" if key == "custom" else PRESET_LABELS[key])
    raw_text = st.text_area("Text to tokenize", **state.bind("text"), height=130, on_change=text_edited,
                            label_visibility="collapsed", placeholder="Type or paste a text…",
                            help=f"Up to {MAX_CHARS:,} characters.")
    prepared = prepare_text(raw_text)
    for notice in prepared.notices:
        st.caption(f"ℹ️ {notice}")
    st.pills("Tokenizers", list(BOOK_TOKENIZERS), selection_mode="multi", **state.bind("tok"),
             format_func=lambda hub_id: TOKENIZERS[hub_id].name)
    st.segmented_control("Show", VIEWS, **state.bind("view"), required=True,
                         format_func={"text": "Tokens", "ids": "Ids", "both": "Tokens + ids"}.get)
    st.toggle("Show whitespace as · → ↵", **state.bind("ws"))
    chart_slot = st.container()
    with st.expander("➕ Any tokenizer from the hub", expanded=bool(state["hub"])):
        st.text_input("Hub ids (comma-separated)", **state.bind("hub"),
                      placeholder="e.g. meta-llama/Llama-3.2-1B, openai-community/gpt2-large")

hub_ids = list(dict.fromkeys([*state["tok"], *extra_ids(state["hub"])]))
preset = state["preset"]
too_long = state.sync(omit=() if preset == "custom" else ("text",))
if "text" in too_long:
    inputs.caption(f"This text is longer than {SHARE_TEXT_LIMIT:,} characters, so the page link doesn't "
                   "carry it; the tokenizers and options are still in the link.")

with outputs:
    if not prepared.text:
        st.info("Type a text to see its tokens.", icon="✍️")
        st.stop()
    if not hub_ids:
        st.info("Pick at least one tokenizer.", icon="👆")
        st.stop()
    tokenizers_with_progress(hub_ids)
    results = tokenize_with(hub_ids, prepared.text, load=resources.tokenizer, cut=resources.tokenized)
    token_panels(results, view=state["view"], show_whitespace=state["ws"])
    token_legend()
    unavailable_list([(TOKENIZERS[r.hub_id].name if r.hub_id in TOKENIZERS else r.hub_id, r.error, r.error_kind)
                      for r in results if r.error])

rows = stats_rows(results)
if not rows:
    st.stop()
with chart_slot:
    st.markdown("**Tokens per tokenizer**")
    token_count_chart(rows)

st.subheader("How they compare")
st.caption(f"The text: {rows[0]['characters']:,} characters, {rows[0]['bytes']:,} bytes in UTF-8.")
numbers = {column: st.column_config.NumberColumn(column, width="small")
           for column in ("tokens", "vs fewest", "chars/token", "bytes/token", "unknown", "special")}
show_rows(rows, ["name", "algorithm", "tokens", "vs fewest", "chars/token", "bytes/token", "unknown", "special",
                 "vocab size"], width="stretch",
          column_config={"name": st.column_config.TextColumn("tokenizer", pinned=True), **numbers,
                         "vocab size": st.column_config.NumberColumn("vocabulary", format="localized")})
csv_download("Download CSV", rows, list(rows[0]), "tokenlens-stats.csv")

loaded = {r.hub_id: r.tokenized for r in results if r.tokenized is not None}
loaded_ids = list(loaded)
# Drawn only while open (a stateful expander runs its body lazily): most changes never look here.
every_token = st.expander("Every token, one row each", key="tokens.details-open", on_change="rerun")
if every_token.open:
    with every_token:
        detail_id = st.selectbox("Tokenizer", loaded_ids, key="tokens.details-of",
                                 format_func=lambda hub_id: next(row["name"] for row in rows if row["tokenizer"] == hub_id))
        details = token_rows(loaded[detail_id])
        show_rows(details, list(TOKEN_ROW_COLUMNS), width="stretch", height=320)
        csv_download("Download tokens (CSV)", details, list(TOKEN_ROW_COLUMNS), "tokenlens-tokens.csv")

st.subheader("Decode ids")
state.ensure_choice("dec", loaded_ids)
decode_col, ids_col = st.columns([1, 2])
decode_with = decode_col.selectbox("Tokenizer", loaded_ids, **state.bind("dec"),
                                   format_func=lambda hub_id: TOKENIZERS[hub_id].name if hub_id in TOKENIZERS else hub_id)
typed = ids_col.text_input("Ids", **state.bind("ids"), placeholder="e.g. 3323 622 (Phi-3: 'Sub' + 'ject')")
state.sync(omit=() if preset == "custom" else ("text",))
if typed.strip():
    try:
        st.code(repr(decode_ids(resources.tokenizer(decode_with), parse_ids(typed))), language=None)
    except (ValueError, AssetUnavailable) as err:
        st.error(escape_markdown(str(err)))  # it quotes what was typed: shown as typed, never as Markdown
