"""Cached loaders for the song page: the dataset (download, folder or upload), trained vectors, the map."""

from __future__ import annotations

import hashlib
import time

import streamlit as st

from tokenlens.songs.data import SongData, load_dataset, load_dataset_files
from tokenlens.songs.download import DatasetFolder, ensure_dataset
from tokenlens.songs.model import SongVectors, TrainSettings, load_cached
from tokenlens.songs.song_map import map_points

RETRY_DOWNLOAD_AFTER_S = 600  # an offline server is not asked again for every new visitor


class _NotTrained(Exception):
    """Raised inside a cached loader so that 'no model yet' is never cached."""


@st.cache_resource(ttl=RETRY_DOWNLOAD_AFTER_S, show_spinner=False)
def _recent_download_failures() -> dict[str, DatasetFolder]:
    """The shared-copy fallback of a download that failed lately, for every session of this server."""
    return {}


def fetch_default_dataset() -> DatasetFolder:
    """The cache folder, downloading on first use with a progress bar (once per session)."""
    if "songs_folder" in st.session_state:
        return st.session_state["songs_folder"]
    failures = _recent_download_failures()
    if "default" in failures:  # tried minutes ago and failed: the same fallback, without the wait
        st.session_state["songs_folder"] = failures["default"]
        return failures["default"]
    bar = st.progress(0.0, text="Checking the playlist data…")

    def report(name: str, done: int, total: int | None) -> None:
        share = min(done / total, 1.0) if total else 0.0
        of_total = f" of {total / 1e6:.1f} MB" if total else ""
        bar.progress(share, text=f"Downloading {name}: {done / 1e6:.1f} MB{of_total}")

    try:
        folder = ensure_dataset(progress=report, retries=2, backoff_s=0.5)
    finally:
        bar.empty()
    if folder.failure:
        failures["default"] = folder
    st.session_state["songs_folder"] = folder
    return folder


@st.cache_resource(show_spinner="Reading the playlists…", max_entries=3)
def dataset_from_folder(folder: str) -> SongData:
    return load_dataset(folder)


@st.cache_resource(show_spinner="Reading the uploaded files…", max_entries=2)
def _dataset_from_uploads(digest: str, _files: dict[str, bytes]) -> SongData:
    return load_dataset_files(_files)


def dataset_from_uploads(files: dict[str, bytes]) -> SongData:
    digest = hashlib.sha256(b"".join(name.encode() + content for name, content in sorted(files.items()))).hexdigest()
    return _dataset_from_uploads(digest, files)


@st.cache_resource(show_spinner="Loading the saved song vectors…", max_entries=4)
def _saved_vectors(playlists_hash: str, settings: TrainSettings, _data: SongData) -> SongVectors:
    vectors = load_cached(_data, settings)
    if vectors is None:
        raise _NotTrained
    return vectors


def saved_vectors(data: SongData, settings: TrainSettings) -> SongVectors | None:
    """Vectors saved on disk for this data and these settings, or None when none are trained yet."""
    try:
        return _saved_vectors(data.playlists_hash, settings, data)
    except _NotTrained:
        return None


@st.cache_data(max_entries=16, show_spinner=False)
def cached_map_points(playlists_hash: str, settings: TrainSettings, chosen: tuple[int, ...],
                      recommended: tuple[int, ...], method: str, _data: SongData,
                      _vectors: SongVectors) -> tuple[list[dict], float]:
    """The 2D map and the seconds it took, computed once per song choice and method."""
    started = time.perf_counter()
    points = map_points(_data, _vectors, list(chosen), list(recommended), sample=2500, method=method)
    return points, time.perf_counter() - started
