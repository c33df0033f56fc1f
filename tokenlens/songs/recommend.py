"""Recommendations (cosine similarity to one song or the mean of a few) and song search."""

from __future__ import annotations

import numpy as np

from .data import SongData, SongDataError
from .model import SongVectors

MAX_TOPN = 200


def _query_vector(vectors: SongVectors, song_ids: list[int]) -> np.ndarray:
    rows = [vectors.row_of[song] for song in song_ids]
    mean = vectors.vectors[rows].mean(axis=0)
    norm = np.linalg.norm(mean)
    return mean / norm if norm else mean


def check_seeds(data: SongData, vectors: SongVectors, song_ids) -> list[int]:
    """The ids as ints, refused with a clear message when unknown or never played in a playlist."""
    seeds = []
    for raw in song_ids:
        try:
            song = int(str(raw).strip())
        except ValueError:
            raise SongDataError(f"{str(raw)[:40]!r} is not a song id (a whole number).") from None
        if not data.has_song(song):
            raise SongDataError(f"Unknown song id {song}: ids go from 0 to {data.song_count - 1:,}.")
        if not vectors.has(song):
            raise SongDataError(f"Song {song} ({data.titles[song]} by {data.artists[song]}) appears in no "
                                "playlist of two songs or more, so word2vec has no vector for it.")
        seeds.append(song)
    if not seeds:
        raise SongDataError("Pick at least one song.")
    return list(dict.fromkeys(seeds))


def similar(vectors: SongVectors, song_ids: list[int], topn: int = 10) -> list[tuple[int, float]]:
    """(song id, cosine similarity) of the nearest songs to the seeds' mean, seeds left out."""
    if not 1 <= topn <= MAX_TOPN:
        raise ValueError(f"topn must be from 1 to {MAX_TOPN}, not {topn}.")
    scores = vectors.vectors @ _query_vector(vectors, song_ids)
    seed_rows = [vectors.row_of[song] for song in song_ids]
    scores[seed_rows] = -np.inf
    count = min(topn, len(scores) - len(seed_rows))
    best = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")][:count]
    return [(int(vectors.song_ids[row]), float(scores[row])) for row in best]


def recommend(data: SongData, vectors: SongVectors, song_ids, topn: int = 10) -> list[dict]:
    """Rows for a table: rank, id, title, artist, similarity, tags."""
    seeds = check_seeds(data, vectors, song_ids)
    return [{"rank": rank, **data.song(song), "similarity": round(score, 4)}
            for rank, (song, score) in enumerate(similar(vectors, seeds, topn), start=1)]


def search(data: SongData, query: str, limit: int = 50, vectors: SongVectors | None = None) -> list[int]:
    """Song ids whose title or artist contains every word of the query (or the id itself).

    Songs that word2vec knows come first, then the most played.
    """
    if limit < 1:  # a negative slice bound would quietly drop hits from the end
        raise ValueError(f"limit must be 1 or more, not {limit}.")
    query = (query or "").strip()
    if not query:
        return []
    if query.isdigit():
        return [int(query)] if data.has_song(int(query)) else []
    words = query.casefold().split()
    hits = [song for song, key in enumerate(data.search_keys) if all(word in key for word in words)]
    counts = data.play_counts
    known = (lambda song: vectors.has(song)) if vectors is not None else (lambda song: True)
    hits.sort(key=lambda song: (not known(song), -counts[song], song))
    return hits[:limit]


def label(data: SongData, song_id: int) -> str:
    return f"{data.titles[song_id]} — {data.artists[song_id]} (#{song_id})"


def best_match(data: SongData, query: str, vectors: SongVectors) -> int | None:
    """The song a new search picks: its first match (songs word2vec knows come first)."""
    found = search(data, query, limit=1, vectors=vectors)
    return found[0] if found else None


def song_in_data(data: SongData, song: int, matches: list[int], fallback: int) -> int:
    """`song` if this data has it (a link may name any id), else the search's first match, else
    `fallback` (the last song when the data is smaller)."""
    if data.has_song(song):
        return song
    return matches[0] if matches else min(fallback, data.song_count - 1)


def songs_in_data(data: SongData, song_ids: list[str]) -> list[str]:
    """The ids of a playlist (strings, as a link carries them) that this data has, in order."""
    return [song for song in song_ids if str(song).isdigit() and data.has_song(int(song))]

