"""TokenLens: the frame. Pages live in pages/, logic in tokenlens/."""

from pathlib import Path

import streamlit as st

from components.layout import projector_mode, sidebar_about

st.set_page_config(page_title="TokenLens", page_icon="🔬", layout="wide")

HERE = Path(__file__).parent
SECTIONS = {
    "Tokens": [("pages/tokenizer_compare.py", "Compare tokenizers", "🔤")],
    "Vectors": [("pages/embeddings_explorer.py", "Embeddings", "🧭"), ("pages/song_recommender.py", "Song recommendations", "🎵")],
    "Models": [("pages/text_generation.py", "Generation", "✍️")],
}
pages = {
    section: [st.Page(path, title=title, icon=icon) for path, title, icon in entries if (HERE / path).exists()]
    for section, entries in SECTIONS.items()
}
navigation = st.navigation({section: items for section, items in pages.items() if items})
projector_mode()
sidebar_about()
navigation.run()
