"""What a page shows while a resource loads: progress bars, spinners, status lines.

The loading itself is cached in `components/resources.py`; cached functions never draw, so each
function here draws and then asks resources for the value.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import streamlit as st

from components import resources
from components.model_status import escape_markdown, source_caption, source_line, unavailable
from tokenlens.assets import AssetUnavailable
from tokenlens.catalog import BOOK_TOKENIZERS
from tokenlens.embeddings.word_vectors import LoadedWordVectors, fetch_word_vectors
from tokenlens.generation.models import LoadedModel, ModelTokenizer
from tokenlens.generation.progress import LoadProgress
from tokenlens.songs.data import SongData
from tokenlens.songs.download import DatasetFolder, ensure_dataset
from tokenlens.songs.model import EpochProgress, SongVectors, TrainSettings

# --- Tokenizers ----------------------------------------------------------------------------------


def tokenizers_with_progress(hub_ids: list[str]) -> None:
    """Load tokenizers not yet kept behind a progress bar; failures are reported later, next to
    that tokenizer's view, with the reason."""
    pending = [hub_id for hub_id in hub_ids if not resources.has_tokenizer(hub_id)]
    if not pending:
        return
    bar = st.progress(0.0, text="Loading tokenizers…")
    try:
        for done, hub_id in enumerate(pending, start=1):
            bar.progress(done / (len(pending) + 1), text=f"Loading {escape_markdown(hub_id)} ({done}/{len(pending)})…")
            try:
                resources.tokenizer(hub_id)
            except AssetUnavailable:
                pass
    finally:
        bar.empty()


def book_tokenizers_with_progress() -> tuple[str, ...]:
    """The book's tokenizers this server can load, found behind a progress bar the first time."""
    if not resources.knows_book_tokenizers():
        tokenizers_with_progress(list(BOOK_TOKENIZERS))
    return resources.available_book_tokenizers()


# --- Embeddings ----------------------------------------------------------------------------------


def word_vectors_with_progress(vectors_id: str) -> LoadedWordVectors:
    """A word-vector set behind a progress bar (downloads report their bytes); no bar once kept."""
    kept = resources.kept_word_vectors(vectors_id)
    if kept is not None:
        return kept
    resources.check_word_vectors_fit(vectors_id)  # before a download of gigabytes, not after
    bar = st.progress(0.0, text=f"Loading {vectors_id}…")
    try:
        # The download (if any) runs before the cached load: cached loads never draw.
        fetch_word_vectors(vectors_id, lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text=text))
        bar.progress(1.0, text=f"Reading {vectors_id} into memory…")
        return resources.word_vectors(vectors_id)
    finally:
        bar.empty()


def model_label(loaded, catalog: dict) -> str:
    """'all-MiniLM-L6-v2, standing in for all-mpnet-base-v2' when a stand-in is used, else the name."""
    if loaded.fallback_reason and loaded.requested_id != loaded.id:
        requested = catalog[loaded.requested_id].name if loaded.requested_id in catalog else loaded.requested_id
        return f"{loaded.name}, standing in for {requested}"
    return loaded.name


def model_selector(state, param: str, kind: str, catalog: dict, label: str, note: str = "", **options):
    """The select of a "sentence" or "contextual" model, naming the model in use for each option already
    loaded on this server ("X, standing in for Y"), so it is drawn after the load.

    Beside it, one quiet line: why the requested model is not used (the detail folded away), or
    where the model in use comes from; then `note`, if any."""
    chooser, about = st.columns([1, 1], vertical_alignment="top")
    loaded = None
    model_id = state[param]
    with about:
        try:
            with st.spinner(f"Loading {catalog[model_id].name}…", show_time=True):
                loaded = resources.embedding_model(kind, model_id)
        except AssetUnavailable as err:
            unavailable(catalog[model_id].name, err.reason, err.kind)
        else:
            if loaded.fallback_reason and loaded.requested_id != loaded.id:
                unavailable(catalog[loaded.requested_id].name, loaded.fallback_reason, "offline")
            else:
                source_caption(loaded.source)
        if note:
            st.caption(note)

    def option_label(option: str) -> str:
        kept = resources.kept_embedding_model(kind, option)
        return model_label(kept, catalog) if kept else catalog[option].name

    chooser.selectbox(label, list(catalog), **state.bind(param), format_func=option_label,
                      help=f"In use: {source_line(loaded.source)}" if loaded else None, **options)
    return loaded



# --- Songs ---------------------------------------------------------------------------------------


def book_song_folder() -> DatasetFolder:
    """The book's playlist files: on disk already, or downloaded now behind a progress bar (drawn only
    when bytes arrive). A download that failed lately is not tried again: its fallback is returned."""
    failed = resources.recent_song_download_failure()
    if failed is not None:
        return failed
    bar = st.empty()

    def report(name: str, done: int, total: int | None) -> None:
        share = min(done / total, 1.0) if total else 0.0
        of_total = f" of {total / 1e6:.1f} MB" if total else ""
        bar.progress(share, text=f"Downloading {name}: {done / 1e6:.1f} MB{of_total}")

    try:
        folder = ensure_dataset(progress=report, retries=2, backoff_s=0.5)
    finally:
        bar.empty()
    if folder.failure:
        resources.remember_song_download_failure(folder)
    return folder


def song_dataset_from_folder(folder: Path) -> SongData:
    with st.spinner("Reading the playlists…"):
        return resources.song_dataset_from_folder(folder)


def song_dataset_from_uploads(files: dict[str, bytes]) -> SongData:
    with st.spinner("Reading the uploaded files…"):
        return resources.song_dataset_from_uploads(files)


def saved_song_vectors(data: SongData, settings: TrainSettings) -> SongVectors | None:
    with st.spinner("Loading the saved song vectors…"):
        return resources.saved_song_vectors(data, settings)


def song_map(data: SongData, vectors: SongVectors, chosen: list[int], recommended: list[int],
             method: str) -> tuple[list[dict], float]:
    with st.spinner(f"Projecting {vectors.vectors.shape[1]} dimensions onto 2…"):
        return resources.song_map(data, vectors, chosen, recommended, method)


@contextmanager
def epoch_bar(text: str) -> Iterator[EpochProgress]:
    """A progress bar for word2vec training, one step per epoch; gone when the block ends."""
    bar = st.progress(0.0, text=text)

    def update(done: int, total: int, seconds: float) -> None:
        bar.progress(done / total, text=f"{text}: epoch {done} of {total} ({seconds:.0f} s)")

    try:
        yield update
    finally:
        bar.empty()



# --- Generation ----------------------------------------------------------------------------------


def model_tokenizer_with_spinner(hub_id: str, name: str) -> ModelTokenizer:
    """A model's tokenizer without its weights, behind a spinner the first time on a server."""
    if resources.has_model_tokenizer(hub_id):
        return resources.model_tokenizer(hub_id)
    with st.spinner(f"Reading {escape_markdown(name)}'s tokenizer (once per server)…"):
        return resources.model_tokenizer(hub_id)


def language_model_with_progress(hub_id: str, name: str) -> LoadedModel:
    """The model, each loading stage on a progress bar (nothing drawn once it is kept); visitors who
    press Generate while another's load runs watch that load."""
    if resources.has_language_model(hub_id):
        return resources.language_model(hub_id)
    shown_name = escape_markdown(name)
    bar = st.progress(0.0, text=f"Loading {shown_name}…")

    def show(fraction: float, message: str) -> None:
        bar.progress(fraction, text=f"Loading {shown_name}: {escape_markdown(message)} · {fraction:.0%}")

    try:
        return resources.language_model(hub_id, progress=LoadProgress(show))
    finally:
        bar.empty()
