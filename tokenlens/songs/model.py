"""Train word2vec on playlists with the book's settings, and keep the vectors on disk by data + settings."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import sys
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..paths import atomic_write_bytes, cache_dir
from ..safe_files import quarantine
from .data import SongData

_log = logging.getLogger(__name__)

EpochProgress = Callable[[int, int, float], None]  # epochs done, epochs in all, seconds so far
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TrainSettings:
    """The book's `Word2Vec(playlists, vector_size=32, window=20, negative=50, min_count=1, workers=4)`."""

    vector_size: int = 32
    window: int = 20
    negative: int = 50
    min_count: int = 1
    workers: int = 4
    epochs: int = 5  # gensim's default, which the book keeps
    seed: int = 1  # gensim's default

    def validate(self) -> None:
        limits = {"vector_size": (2, 1024), "window": (1, 200), "negative": (0, 200), "min_count": (1, 1000),
                  "workers": (1, 64), "epochs": (1, 200)}
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}.")

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class SongVectors:
    """Unit-length song vectors by song id: all a recommendation needs."""

    song_ids: np.ndarray  # int64, one per row
    vectors: np.ndarray  # float32, rows scaled to length 1
    settings: TrainSettings
    train_seconds: float = 0.0
    origin: str = "trained"  # "trained" | "disk cache"

    def __post_init__(self):
        self.row_of = {int(song): row for row, song in enumerate(self.song_ids)}

    def __len__(self) -> int:
        return len(self.song_ids)

    def has(self, song_id: int) -> bool:
        return song_id in self.row_of

    def memory_bytes(self) -> int:
        """The arrays, and the id -> row dict with its two int objects per song."""
        return (self.vectors.nbytes + self.song_ids.nbytes + sys.getsizeof(self.row_of)
                + len(self.row_of) * 2 * sys.getsizeof(2**20))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        meta = json.dumps({"format": FORMAT_VERSION, "settings": asdict(self.settings),
                           "train_seconds": self.train_seconds})
        np.savez(buffer, song_ids=self.song_ids, vectors=self.vectors, meta=np.array(meta))
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: Path) -> "SongVectors":
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"{path.name} was saved by another version")
            song_ids, vectors = stored["song_ids"], stored["vectors"]
            if song_ids.ndim != 1 or vectors.ndim != 2 or len(song_ids) != len(vectors):
                raise ValueError(f"{path.name} holds {song_ids.shape} ids for {vectors.shape} vectors")
            return cls(song_ids, vectors, TrainSettings(**meta["settings"]),
                       meta.get("train_seconds", 0.0), origin="disk cache")

    def keyed_vectors(self):
        """The same vectors as gensim KeyedVectors (keys are id strings, as the book's model has)."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.vectors.shape[1])
        kv.add_vectors([str(song) for song in self.song_ids], self.vectors)
        return kv


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def model_path(data: SongData, settings: TrainSettings, folder: Path | None = None) -> Path:
    folder = folder or cache_dir() / "songs" / "models"
    return folder / f"w2v-{data.playlists_hash[:16]}-{settings.key()}.npz"


def load_cached(data: SongData, settings: TrainSettings, folder: Path | None = None) -> SongVectors | None:
    """The saved vectors for this data and these settings, or None (a damaged file is set aside, so
    the caller trains again)."""
    path = model_path(data, settings, folder)
    if not path.is_file():
        return None
    try:
        return SongVectors.from_file(path)
    # A truncated .npz: BadZipFile, EOFError or ValueError by where it was cut; garbage: the same.
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
        moved = quarantine(path)
        _log.warning("damaged song model %s (%s: %s); moved to %s", path, type(err).__name__, err, moved)
        return None


def train_word2vec(playlists: list[list[str]], settings: TrainSettings, progress: EpochProgress | None = None):
    """The book's gensim call, with an epoch callback for progress."""
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class _EpochReport(CallbackAny2Vec):
        def __init__(self):
            self.done = 0
            self.start = time.perf_counter()

        def on_epoch_end(self, model):
            self.done += 1
            if progress:
                progress(self.done, settings.epochs, time.perf_counter() - self.start)

    settings.validate()
    return Word2Vec(playlists, vector_size=settings.vector_size, window=settings.window,
                    negative=settings.negative, min_count=settings.min_count, workers=settings.workers,
                    epochs=settings.epochs, seed=settings.seed, callbacks=[_EpochReport()])


def vectors_from_model(model, settings: TrainSettings, seconds: float) -> SongVectors:
    song_ids = np.array([int(key) for key in model.wv.index_to_key], dtype=np.int64)
    return SongVectors(song_ids, _normalise(model.wv.vectors), settings, seconds)


def train(data: SongData, settings: TrainSettings = TrainSettings(), *, progress: EpochProgress | None = None,
          playlists: list[list[str]] | None = None) -> SongVectors:
    """Train on the data's playlists (or the given ones) and return unit vectors; nothing is saved."""
    start = time.perf_counter()
    model = train_word2vec(playlists if playlists is not None else data.playlists, settings, progress)
    return vectors_from_model(model, settings, time.perf_counter() - start)


def load_or_train(data: SongData, settings: TrainSettings = TrainSettings(), *,
                  progress: EpochProgress | None = None, folder: Path | None = None) -> SongVectors:
    """Saved vectors for this data and settings, else train once and save them."""
    cached = load_cached(data, settings, folder)
    if cached is not None:
        return cached
    vectors = train(data, settings, progress=progress)
    atomic_write_bytes(model_path(data, settings, folder), vectors.to_bytes())
    return vectors
