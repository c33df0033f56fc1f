"""The song page's two folded settings: where the playlists come from, and word2vec's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from components import progress
from components.model_status import escape_markdown, shorten_paths, unavailable
from components.page_state import PageState
from tokenlens.assets import AssetUnavailable
from tokenlens.songs.data import OPTIONAL_FILES, REQUIRED_FILES, SPEC, SongData, SongDataError
from tokenlens.songs.link import SETTINGS, SOURCES, gensim_call, train_settings
from tokenlens.songs.model import TrainSettings

BOOK_ORIGINS = {
    "shared copy": "📦 The book's Yes.com playlists, from the server's local copy (the download is not "
                   "available offline: see Playlist data)",
    "downloaded": "📦 The book's Yes.com playlists, downloaded just now",
}
BOOK_ORIGIN_EARLIER = "📦 The book's Yes.com playlists, downloaded earlier"


@dataclass
class DataChoice:
    """What the Playlist data expander asks for; `note` holds why the download failed, if it did."""

    source: str
    folder: str = ""
    uploads: list = field(default_factory=list)
    note: object = None  # a container inside the expander


def data_source_controls(state: PageState) -> DataChoice:
    """The source radio and, for a folder or uploads, the box to name them (inside an expander)."""
    source = st.radio("Where from", list(SOURCES), horizontal=True, **state.bind("source"),
                      format_func=SOURCES.get,
                      help="The book's dataset is downloaded once and cached; without internet the server's "
                           "local copy is used.")
    choice = DataChoice(source)
    if source == "folder":
        choice.folder = st.text_input("Folder with train.txt and song_hash.txt", **state.bind("folder"))
    elif source == "upload":
        choice.uploads = st.file_uploader("train.txt, song_hash.txt (tags.txt, tag_hash.txt optional)",
                                          type=["txt"], accept_multiple_files=True, key="songs.uploads") or []
        st.caption("Uploaded files stay in this browser session: a copied link cannot carry them.")
    choice.note = st.container()  # why the download failed, for whoever runs the server
    return choice


def settings_controls(state: PageState) -> TrainSettings:
    """One number box per word2vec setting, and the book's line of Python with them."""
    for cell, (param, (_, text, low, high)) in zip(st.columns(len(SETTINGS)), SETTINGS.items()):
        cell.number_input(text, low, high, step=1, **state.bind(param))
    settings = train_settings(state)
    st.code(gensim_call(settings), language="python")
    return settings


def load_playlists(choice: DataChoice) -> tuple[SongData, str] | None:
    """The dataset and a line saying where it came from; None (with a message shown) when there is none."""
    try:
        if choice.source == "folder":
            if not choice.folder.strip():
                st.info("Type the path of a folder on this server holding train.txt and song_hash.txt.", icon="📁")
                return None
            return (progress.song_dataset_from_folder(Path(choice.folder.strip())),
                    "📁 Playlists from the folder you named")
        if choice.source == "upload":
            files = {upload.name: upload.getvalue() for upload in choice.uploads}
            if not files:
                st.info(f"Upload {' and '.join(REQUIRED_FILES)} (and {', '.join(OPTIONAL_FILES)} for genres).",
                        icon="📤")
                return None
            return (progress.song_dataset_from_uploads(files),
                    f"📤 Playlists from {len(files)} uploaded file{'s' if len(files) > 1 else ''}")
        folder = progress.book_song_folder()
        if folder.failure:  # a quiet line below; the detail for whoever runs the server is in the expander
            choice.note.caption("⚠️ The download is not available offline: the server's local copy of the same "
                                "files is used instead.")
            choice.note.text(shorten_paths(f"{folder.failure}\nFor the download, let this server reach "
                                           f"{urlsplit(SPEC.base_url).hostname}."))
        return progress.song_dataset_from_folder(folder.path), BOOK_ORIGINS.get(folder.origin, BOOK_ORIGIN_EARLIER)
    except AssetUnavailable as err:
        unavailable("The book's playlist data", err.reason, err.kind)
        st.info("Open **Playlist data** above to use a folder on this server or to upload the files.", icon="📁")
    except (SongDataError, OSError) as err:  # the message names the file and line; paths cut short
        st.error(f"The playlist data could not be used: {escape_markdown(shorten_paths(str(err)))}", icon="🚫")
    return None
