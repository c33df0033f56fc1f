"""TokenLens: the frame. Pages live in app_pages/, logic in tokenlens/."""

from pathlib import Path

import streamlit as st

from components.layout import frame_controls, page_config, sidebar_about
from components.secrets import export_hub_token

page_config()
export_hub_token()  # before any page asks the hub

HERE = Path(__file__).parent
# Short, stable url paths for shared links; the first page is the default, served at "/".
SECTIONS = {
    "Tokens": [("app_pages/tokenizer_compare.py", "Compare tokenizers", "🔤", "tokens"),
               ("app_pages/tokenizer_workings.py", "How tokenizers work", "🔍", "how")],
    "Vectors": [("app_pages/embeddings_explorer.py", "Embeddings", "🧭", "embeddings"),
                ("app_pages/song_recommender.py", "Song recommendations", "🎵", "songs")],
    "Models": [("app_pages/text_generation.py", "Generation", "✍️", "generation")],
}
pages = {
    section: [st.Page(path, title=title, icon=icon, url_path=url_path)
              for path, title, icon, url_path in entries if (HERE / path).exists()]
    for section, entries in SECTIONS.items()
}
navigation = st.navigation({section: items for section, items in pages.items() if items})
frame_controls(["/", *(f"/{entry[3]}" for entries in SECTIONS.values() for entry in entries)])
sidebar_about()
navigation.run()
