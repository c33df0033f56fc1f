"""Compare tokenizers: one text, many tokenizers, every id real."""

import pandas as pd
import streamlit as st

from components.loaders import cached_tokenize, cached_tokenizer, load_with_progress
from components.charts import token_count_chart
from components.model_status import unavailable
from components.token_view import token_legend, token_panels
from tokenlens.catalog import BOOK_TOKENIZERS, TOKENIZERS
from tokenlens.hub import AssetUnavailable
from tokenlens.text_input import MAX_CHARS, PRESET_LABELS, PRESETS, prepare_text
from tokenlens.token_html import VIEWS
from tokenlens.tokens import decode_ids, parse_ids, stats_rows, token_rows, tokenize_with
from tokenlens.share import SHARE_TEXT_LIMIT, read_state, write_state

st.title("🔤 Compare tokenizers")
st.caption("Type or pick a text and see how each model cuts it into tokens: colours, ids and counts "
           "straight from the real tokenizers.")

state = read_state(st.query_params)
preset_keys = ["custom", *PRESETS]
preset = st.selectbox(
    "Text", preset_keys, index=preset_keys.index(state.preset),
    format_func=lambda key: "Custom text" if key == "custom" else PRESET_LABELS[key],
)
default_text = state.text if preset == "custom" else PRESETS[preset]
raw_text = st.text_area("Text to tokenize", value=default_text, height=150, key=f"text-{preset}",
                        help=f"Up to {MAX_CHARS:,} characters.")
prepared = prepare_text(raw_text)
for notice in prepared.notices:
    st.info(notice, icon="ℹ️")

chosen = st.multiselect("Tokenizers", list(BOOK_TOKENIZERS), default=state.catalog_ids,
                        format_func=lambda hub_id: f"{TOKENIZERS[hub_id].name} · {hub_id}")
extra = st.text_input("More hub ids (comma-separated)", value=", ".join(state.extra_ids),
                      placeholder="e.g. meta-llama/Llama-3.2-1B, openai-community/gpt2-large")
extra_ids = [part.strip() for part in extra.split(",") if part.strip()]
hub_ids = list(dict.fromkeys(chosen + extra_ids))

left, right = st.columns([2, 1])
view = left.radio("Show", VIEWS, index=VIEWS.index(state.view), horizontal=True,
                  format_func={"text": "Tokens", "ids": "Ids", "both": "Tokens + ids"}.get)
show_whitespace = right.toggle("Visible whitespace (· → ↵)", value=state.whitespace)

if write_state(st.query_params, preset=preset, text=prepared.text, hub_ids=hub_ids, view=view,
               whitespace=show_whitespace) is False:
    st.caption(f"This text is longer than {SHARE_TEXT_LIMIT:,} characters, so the page link doesn't "
               "carry it; the tokenizers and options are still in the link.")

if not prepared.text:
    st.info("Type a text above to see its tokens.", icon="✍️")
    st.stop()
if not hub_ids:
    st.info("Pick at least one tokenizer.", icon="👆")
    st.stop()

load_with_progress(hub_ids)
results = tokenize_with(hub_ids, prepared.text, load=cached_tokenizer, cut=cached_tokenize)
token_legend()
for result in results:
    if result.error:
        unavailable(result.hub_id, result.error)
token_panels(results, view=view, show_whitespace=show_whitespace)

rows = stats_rows(results)
if rows:
    st.subheader("How they compare")
    table = pd.DataFrame(rows)
    token_count_chart(table)
    st.dataframe(table.drop(columns=["source"]), hide_index=True, width="stretch")
    st.download_button("Download CSV", table.to_csv(index=False).encode("utf-8"),
                       file_name="tokenlens-stats.csv", mime="text/csv")

    with st.expander("Every token, one row each"):
        detail_id = st.selectbox("Tokenizer", table["tokenizer"].tolist(), key="details-of")
        details = pd.DataFrame(token_rows(next(r.tokenized for r in results if r.hub_id == detail_id)))
        st.dataframe(details, hide_index=True, width="stretch", height=320)
        st.download_button("Download tokens (CSV)", details.to_csv(index=False).encode("utf-8"),
                           file_name="tokenlens-tokens.csv", mime="text/csv")

st.subheader("Decode ids")
loaded_ids = [r.hub_id for r in results if r.tokenized is not None]
if loaded_ids:
    decode_col, ids_col = st.columns([1, 2])
    decode_with = decode_col.selectbox("Tokenizer", loaded_ids, key="decode-with")
    typed = ids_col.text_input("Ids", value="3323, 622" if decode_with.startswith("microsoft/Phi-3") else "",
                               placeholder="e.g. 3323 622")
    if typed.strip():
        try:
            st.code(repr(decode_ids(cached_tokenizer(decode_with), parse_ids(typed))), language=None)
        except (ValueError, AssetUnavailable) as err:
            st.error(str(err))
