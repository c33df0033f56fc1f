"""Held-out evaluation: hide each sampled playlist's last song, rank every song from the rest.

word2vec is compared with two baselines on the same cases: popularity (most played first) and
random order. Hit@10 = share of cases whose hidden song ranks in the top 10; MRR = mean of 1/rank.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..paths import atomic_write_bytes, cache_dir
from ..safe_files import DamagedFile, quarantine, read_json
from .data import SongData
from .model import EpochProgress, SongVectors, TrainSettings, load_cached, model_path, train

CHUNK = 128
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HoldoutSplit:
    train_playlists: list[list[str]]
    contexts: list[list[int]]  # the songs before the hidden one (at most `context` of them)
    hidden: list[int]
    sample: int
    seed: int
    context: int


@dataclass
class MethodScore:
    method: str
    hit_at_10: float
    mrr: float
    median_rank: float


@dataclass
class Evaluation:
    cases: int
    songs_ranked: int
    context: int
    seed: int
    scores: list[MethodScore] = field(default_factory=list)
    unknown_hidden: int = 0  # hidden songs word2vec never saw in training (always a miss for it)

    def score(self, method: str) -> MethodScore:
        return next(score for score in self.scores if score.method == method)

    def to_json(self) -> dict:
        return asdict(self)

    def verdict(self) -> str:
        w2v, pop = self.score("word2vec"), self.score("popularity")
        if w2v.hit_at_10 > pop.hit_at_10 and w2v.mrr > pop.mrr:
            return (f"word2vec beats popularity: Hit@10 {w2v.hit_at_10:.1%} vs {pop.hit_at_10:.1%}, "
                    f"MRR {w2v.mrr:.3f} vs {pop.mrr:.3f}.")
        return (f"word2vec does NOT beat popularity here (Hit@10 {w2v.hit_at_10:.1%} vs {pop.hit_at_10:.1%}); "
                f"{self.unknown_hidden} of {self.cases} hidden songs never occur elsewhere in training, "
                "so word2vec cannot rank them.")


def holdout_split(data: SongData, sample: int = 1000, seed: int = 0, context: int = 20) -> HoldoutSplit:
    """Pick playlists whose last song is new to that playlist; training keeps all but those last songs."""
    eligible = [index for index, playlist in enumerate(data.playlists) if playlist[-1] not in playlist[:-1]]
    if not eligible:
        raise ValueError("No playlist ends with a song it has not played before; nothing to hold out.")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(eligible, size=min(sample, len(eligible)), replace=False)
    chosen_set = set(int(index) for index in chosen)
    train_playlists = [playlist[:-1] if index in chosen_set else playlist
                       for index, playlist in enumerate(data.playlists)]
    contexts = [[int(song) for song in data.playlists[index][:-1][-context:]] for index in chosen]
    hidden = [int(data.playlists[index][-1]) for index in chosen]
    return HoldoutSplit(train_playlists, contexts, hidden, len(chosen), seed, context)


def _ranks(scores: np.ndarray, hidden_columns: np.ndarray) -> np.ndarray:
    """1-based rank of each row's hidden column; ties share the middle rank."""
    target = scores[np.arange(len(scores)), hidden_columns][:, None]
    above = (scores > target).sum(axis=1)
    ties = (scores == target).sum(axis=1) - 1
    return 1 + above + ties / 2


def _summary(method: str, ranks: np.ndarray) -> MethodScore:
    return MethodScore(method, float(np.mean(ranks <= 10)), float(np.mean(1.0 / ranks)), float(np.median(ranks)))


def score_split(data: SongData, vectors: SongVectors, split: HoldoutSplit) -> Evaluation:
    """Rank all songs for each held-out case with word2vec, popularity and random order."""
    songs = data.song_count
    counts = np.zeros(songs, dtype=np.float64)
    for playlist in split.train_playlists:
        counts += np.bincount(np.fromiter(map(int, playlist), dtype=np.int64), minlength=songs)
    # word2vec vectors laid out by song id; songs it never saw score -inf.
    full = np.zeros((songs, vectors.vectors.shape[1]), dtype=np.float32)
    full[vectors.song_ids] = vectors.vectors
    known = np.zeros(songs, dtype=bool)
    known[vectors.song_ids] = True
    rng = np.random.default_rng(split.seed + 1)
    hidden = np.array(split.hidden)
    ranks = {"word2vec": [], "popularity": [], "random": []}
    for start in range(0, len(hidden), CHUNK):
        contexts = split.contexts[start:start + CHUNK]
        queries = np.stack([full[ctx].mean(axis=0) for ctx in contexts])
        queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        by_method = {
            "word2vec": np.where(known, queries @ full.T, -np.inf),
            "popularity": np.tile(counts, (len(contexts), 1)),
            "random": rng.random((len(contexts), songs)),
        }
        columns = hidden[start:start + CHUNK]
        for method, scores in by_method.items():
            for row, ctx in enumerate(contexts):  # never recommend what the listener just heard
                scores[row, ctx] = -np.inf
            method_ranks = _ranks(scores, columns)
            if method == "word2vec":  # an unseen hidden song is a miss, not a tie among -inf
                method_ranks = np.where(known[columns], method_ranks, songs)
            ranks[method].append(method_ranks)
    evaluation = Evaluation(len(hidden), songs, split.context, split.seed,
                            unknown_hidden=int((~known[hidden]).sum()))
    evaluation.scores = [_summary(method, np.concatenate(parts)) for method, parts in ranks.items()]
    return evaluation


def _result_path(data: SongData, settings: TrainSettings, split: HoldoutSplit) -> Path:
    name = f"eval-{data.playlists_hash[:16]}-{settings.key()}-{split.sample}-{split.seed}-{split.context}.json"
    return cache_dir() / "songs" / "evaluations" / name


def evaluate(data: SongData, settings: TrainSettings = TrainSettings(), *, sample: int = 1000, seed: int = 0,
             context: int = 20, progress: EpochProgress | None = None, use_cache: bool = True) -> Evaluation:
    """Train on the held-out split (its own model, saved like any other) and score it."""
    split = holdout_split(data, sample, seed, context)
    path = _result_path(data, settings, split)
    stored = _read_evaluation(path) if use_cache else None
    if stored is not None:
        return stored
    held_out_data = _held_out_view(data, split)
    vectors = load_cached(held_out_data, settings)
    if vectors is None:
        vectors = train(data, settings, progress=progress, playlists=split.train_playlists)
        atomic_write_bytes(model_path(held_out_data, settings), vectors.to_bytes())
    result = score_split(data, vectors, split)
    atomic_write_bytes(path, json.dumps(result.to_json(), indent=1).encode())
    return result


def _held_out_view(data: SongData, split: HoldoutSplit) -> SongData:
    """A SongData whose cache key says 'these playlists minus the held-out songs'."""
    import hashlib

    key = hashlib.sha256(f"{data.playlists_hash}-holdout-{split.sample}-{split.seed}".encode()).hexdigest()
    return SongData(split.train_playlists, data.titles, data.artists, data.tags, data.tag_names, key)


def stored_evaluation(data: SongData, settings: TrainSettings = TrainSettings(), *, sample: int = 1000,
                      seed: int = 0, context: int = 20) -> Evaluation | None:
    """A finished evaluation saved on disk, or None (so a page can offer to run it)."""
    split_name = f"eval-{data.playlists_hash[:16]}-{settings.key()}-"
    folder = cache_dir() / "songs" / "evaluations"
    for path in folder.glob(split_name + f"*-{seed}-{context}.json") if folder.is_dir() else []:
        stored = _read_evaluation(path)
        if stored is not None and stored.cases <= sample:
            return stored
    return None


def _read_evaluation(path: Path) -> Evaluation | None:
    """A saved evaluation, or None when there is none; a damaged one is set aside (and so run again)."""
    if not path.is_file():
        return None
    try:
        stored = read_json(path)
        stored["scores"] = [MethodScore(**score) for score in stored["scores"]]
        evaluation = Evaluation(**stored)
        for method in ("word2vec", "popularity", "random"):
            evaluation.score(method)  # StopIteration when one is missing
        return evaluation
    except (DamagedFile, KeyError, TypeError, StopIteration) as err:
        moved = quarantine(path)
        _log.warning("damaged evaluation %s (%s: %s); moved to %s", path, type(err).__name__, err, moved)
        return None
