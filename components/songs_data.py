"""The song page's two folded settings: where the playlists come from, and word2vec's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from components import progress
from components.model_status import escape_markdown, operator_setting, shorten_paths, unavailable
from components.page_state import PageState
from tokenlens.assets import AssetUnavailable
from tokenlens.songs.data import (OPTIONAL_FILES, REQUIRED_FILES, SONGS_DIR_ENV, SPEC, UPLOAD_FILE_LIMIT_MB,
                                  SongData, SongDataError, configured_folders)
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
    folder: Path | None = None  # one of the operator's folders, never a path from a visitor
    folder_name: str = ""
    uploads: list = field(default_factory=list)
    note: object = None  # a container inside the expander


def operator_folders() -> dict[str, Path]:
    """The playlist folders whoever runs the server offers: TOKENLENS_SONGS_DIR, or `songs_dirs` in
    st.secrets (a list of paths)."""
    listed = operator_setting("songs_dirs") or []
    return configured_folders(listed=[listed] if isinstance(listed, str) else list(listed))


def data_source_controls(state: PageState) -> DataChoice:
    """The source radio and, for a folder or uploads, the choice of them (inside an expander).

    A folder is picked from the operator's list by name: a visitor can neither name a server path nor
    learn whether one exists. Without a configured folder the choice is not offered."""
    folders = operator_folders()
    sources = [source for source in SOURCES if source != "folder" or folders]
    state.ensure_choice("source", sources)
    source = st.radio("Where from", sources, horizontal=True, **state.bind("source"),
                      format_func=SOURCES.get,
                      help="The book's dataset is downloaded once and cached; without internet the server's "
                           f"local copy is used. Folders on this server are set by whoever runs it ({SONGS_DIR_ENV}).")
    choice = DataChoice(source)
    if source == "folder":
        state.ensure_choice("folder", list(folders))
        choice.folder_name = st.selectbox("Folder (set up by whoever runs this server)", list(folders),
                                          **state.bind("folder"))
        choice.folder = folders[choice.folder_name]
    elif source == "upload":
        choice.uploads = st.file_uploader("train.txt, song_hash.txt (tags.txt, tag_hash.txt optional)",
                                          type=["txt"], accept_multiple_files=True, key="songs.uploads",
                                          max_upload_size=UPLOAD_FILE_LIMIT_MB,
                                          help=f"Up to {UPLOAD_FILE_LIMIT_MB} MB a file (the book's train.txt "
                                               "is 10.8 MB).") or []
        st.caption(f"Up to {UPLOAD_FILE_LIMIT_MB} MB a file. Uploaded files stay in this browser session: a "
                   "copied link cannot carry them.")
    choice.note = st.container()  # why the download failed, for whoever runs the server
    return choice


def uploaded_files(uploads: list) -> dict[str, bytes] | None:
    """The uploads by name, or None (with the reason shown) when one is over the limit. Streamlit's
    browser check refuses larger files first; this one holds for any client."""
    too_big = [upload for upload in uploads if upload.size > UPLOAD_FILE_LIMIT_MB * 1_000_000]
    for upload in too_big:
        st.error(f"{escape_markdown(upload.name)} is {upload.size / 1e6:,.1f} MB: each file may be at most "
                 f"{UPLOAD_FILE_LIMIT_MB} MB.", icon="📤")
    # getvalue() shares the upload's bytes (BytesIO), so nothing is copied.
    return None if too_big else {upload.name: upload.getvalue() for upload in uploads}


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
            return (progress.song_dataset_from_folder(choice.folder),
                    f"📁 Playlists from the server's folder {escape_markdown(choice.folder_name)}")
        if choice.source == "upload":
            files = uploaded_files(choice.uploads)
            if files is None:
                return None
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
        st.info("Open **Playlist data** above to upload the files"
                + (" or to use a folder on this server." if operator_folders() else "."), icon="📁")
    except (SongDataError, OSError) as err:  # the message names the file and line; paths cut short
        st.error(f"The playlist data could not be used: {escape_markdown(shorten_paths(str(err)))}", icon="🚫")
    return None
