"""Which songs word2vec has no vector for, and the true reason for each (read from the data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .data import SongData
from .model import SongVectors

# Why a song has no vector, in the order a reader meets them.
ONLY_IN_ONE_SONG_PLAYLISTS = "only in one-song playlists"  # the book's parsing drops those playlists
NEVER_PLAYED = "in no playlist"
BELOW_MIN_COUNT = "below min_count"  # played, but fewer times than word2vec's min_count


@dataclass
class VectorCoverage:
    songs: int
    with_vector: int
    min_count: int
    missing: dict[str, list[int]] = field(default_factory=dict)  # reason -> song ids, reasons with songs only

    @property
    def without_vector(self) -> int:
        return self.songs - self.with_vector

    def explanation(self, name_of: Callable[[int], str] | None = None) -> str:
        """One plain sentence (no Markdown) on why some songs have no vector.

        `name_of(song_id)` names the songs of a reason that has at most three."""
        if not self.without_vector:
            return "Every song has a vector."
        parts = []
        for reason, songs in self.missing.items():
            count = f"{len(songs):,} song{'s' if len(songs) != 1 else ''}"
            if name_of is not None and len(songs) <= 3:
                count += f" ({', '.join(name_of(song) for song in songs)})"
            parts.append({
                ONLY_IN_ONE_SONG_PLAYLISTS: f"{count} only ever appear{'s' if len(songs) == 1 else ''} in a "
                                            "playlist of one song, which the book's parsing drops",
                NEVER_PLAYED: f"{count} appear{'s' if len(songs) == 1 else ''} in no playlist at all",
                BELOW_MIN_COUNT: f"{count} {'is' if len(songs) == 1 else 'are'} played fewer than "
                                 f"min_count = {self.min_count} times",
            }[reason])
        return "; ".join(parts) + ", so word2vec never learned a vector for " + (
            "it." if self.without_vector == 1 else "them.")


def vector_coverage(data: SongData, vectors: SongVectors) -> VectorCoverage:
    """Count the songs without a vector and sort them by the reason the data gives."""
    has_vector = np.zeros(data.song_count, dtype=bool)
    known = vectors.song_ids[vectors.song_ids < data.song_count]
    has_vector[known] = True
    plays = data.play_counts
    missing: dict[str, list[int]] = {ONLY_IN_ONE_SONG_PLAYLISTS: [], NEVER_PLAYED: [], BELOW_MIN_COUNT: []}
    for song in np.flatnonzero(~has_vector):
        song = int(song)
        if plays[song] == 0:
            missing[ONLY_IN_ONE_SONG_PLAYLISTS if song in data.single_song_ids else NEVER_PLAYED].append(song)
        else:  # gensim drops a word seen fewer than min_count times, and nothing else
            missing[BELOW_MIN_COUNT].append(song)
    return VectorCoverage(data.song_count, int(has_vector.sum()), vectors.settings.min_count,
                          {reason: songs for reason, songs in missing.items() if songs})
