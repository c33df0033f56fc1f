"""The naive floor for the tokenizer page: each tokenizer's escaped, coloured spans in one st.html.

Run by bench/tokenizer_compare.py next to the real page; not part of the app.
"""

import html

import streamlit as st
from tokenizers import Tokenizer

from tokenlens.catalog import BOOK_TOKENIZERS
from tokenlens.assets import AssetUnavailable
from tokenlens.tokenization.loading import load_tokenizer


@st.cache_resource
def raw_tokenizers() -> dict[str, Tokenizer]:
    loaded = {}
    for hub_id in BOOK_TOKENIZERS:
        try:
            loaded[hub_id] = load_tokenizer(hub_id).tokenizer
        except AssetUnavailable:
            pass
    return loaded


text = st.text_area("Text", value="")
parts = []
for hub_id, tokenizer in raw_tokenizers().items():
    encoding = tokenizer.encode(text)
    spans = "".join(
        f'<span style="background:hsl({(i * 137) % 360} 75% 82%)">{html.escape(text[s:e])}</span>'
        for i, (s, e) in zip(encoding.ids, encoding.offsets)
    )
    parts.append(f'<div class="tl-box"><b>{hub_id}</b><br>{spans}</div>')
st.html("".join(parts))
