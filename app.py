"""TokenLens: the frame. Pages live in pages/, logic in tokenlens/."""

from pathlib import Path

import streamlit as st

from components.layout import projector_mode, sidebar_about

st.set_page_config(page_title="TokenLens", page_icon="🔬", layout="wide")

HERE = Path(__file__).parent
# url paths differ from the file names on purpose: a path that names a file in pages/ makes
# Streamlit run that file alone, in its legacy multipage mode, without this frame.
SECTIONS = {
    "Tokens": [("pages/tokenizer_compare.py", "Compare tokenizers", "🔤", "tokens")],
    "Vectors": [("pages/embeddings_explorer.py", "Embeddings", "🧭", "embeddings"),
                ("pages/song_recommender.py", "Song recommendations", "🎵", "songs")],
    "Models": [("pages/text_generation.py", "Generation", "✍️", "generation")],
}
pages = {
    section: [st.Page(path, title=title, icon=icon, url_path=url_path)
              for path, title, icon, url_path in entries if (HERE / path).exists()]
    for section, entries in SECTIONS.items()
}
navigation = st.navigation({section: items for section, items in pages.items() if items})
projector_mode()
sidebar_about()
navigation.run()
