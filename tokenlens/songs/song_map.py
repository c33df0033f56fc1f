"""A 2D picture of the song vectors: a sample of songs plus the ones in view, coloured by genre tag."""

from __future__ import annotations

import sys

import numpy as np

from .data import SongData
from .model import SongVectors

# Last.fm tags grouped into a few genres, most specific first (used to break ties).
GENRES: dict[str, tuple[str, ...]] = {
    "hip-hop": ("hip-hop", "hip hop", "rap", "hiphop"),
    "r&b / soul": ("rnb", "r&b", "rhythm and blues", "rb", "r and b", "soul", "slow jams", "quiet storm",
                   "motown", "old school soul", "classic soul"),
    "metal / hard rock": ("metal", "heavy metal", "hard rock", "alternative metal", "heavy"),
    "country": ("country", "classic country", "alt-country", "americana"),
    "jazz": ("jazz", "smooth jazz", "vocal jazz", "jazz vocal"),
    "christian": ("christian", "gospel", "worship", "christian rock"),
    "latin": ("latin", "spanish"),
    "reggae": ("reggae",),
    "blues": ("blues", "blues rock"),
    "dance / electronic": ("dance", "electronic", "electronica", "electro", "disco", "synthpop"),
    "alternative / indie": ("alternative", "alternative rock", "indie", "indie rock", "punk", "punk rock",
                            "grunge", "emo", "alt rock", "post-punk", "britpop"),
    "folk": ("folk", "folk rock", "singer-songwriter"),
    "rock": ("rock", "classic rock", "soft rock", "pop rock", "southern rock", "glam rock"),
    "pop": ("pop", "top 40", "adult contemporary", "poprock", "pop-rock"),
}
UNTAGGED = "no genre tag"


def genre_of(data: SongData, song_id: int) -> str:
    """The most specific genre among the song's tags."""
    return genre_of_tags(data.tag_labels(song_id))


def genre_of_tags(tag_labels: list[str]) -> str:
    """The genre with the most matching tags (a stray 'rap' tag on a rock song does not win); ties: most specific."""
    labels = set(tag_labels)
    counts = {genre: len(labels.intersection(tags)) for genre, tags in GENRES.items()}
    best = max(counts, key=counts.get)  # max keeps the first (most specific) of equal counts
    return best if counts[best] else UNTAGGED


def map_points(data: SongData, vectors: SongVectors, chosen: list[int], recommended: list[int],
               sample: int = 3000, seed: int = 0, method: str = "pca") -> list[dict]:
    """x, y, id, title, artist, genre and role ("chosen", "recommended", "other") for each point."""
    rng = np.random.default_rng(seed)
    # Sample among the more played songs: one-off songs have noisy vectors and no tags.
    played = np.flatnonzero(data.play_counts[vectors.song_ids] >= 5)
    pool = played if len(played) >= sample else np.arange(len(vectors))
    rows = list(rng.choice(pool, size=min(sample, len(pool)), replace=False))
    role = {vectors.row_of[song]: "recommended" for song in recommended if vectors.has(song)}
    role.update({vectors.row_of[song]: "chosen" for song in chosen if vectors.has(song)})
    rows = list(dict.fromkeys([*rows, *role]))
    points = project(vectors.vectors[rows], method, seed)
    result = []
    for (x, y), row in zip(points, rows):
        song = int(vectors.song_ids[row])
        result.append({"x": float(x), "y": float(y), "id": song, "title": data.titles[song],
                       "artist": data.artists[song], "genre": genre_of(data, song),
                       "role": role.get(row, "other")})
    return result


def points_bytes(points: list[dict]) -> int:
    """What a map's points hold: the list, each point's dict and its values."""
    return sys.getsizeof(points) + sum(sys.getsizeof(point) + sum(map(sys.getsizeof, point.values()))
                                       for point in points)


def project(matrix: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """2D coordinates by PCA (instant) or UMAP (slower, keeps neighbourhoods): the Embeddings page's projection."""
    from ..embeddings.projection import project as project_rows

    methods = {"pca": "PCA", "umap": "UMAP"}
    if method not in methods:
        raise ValueError(f"Unknown projection {method!r}: use 'pca' or 'umap'.")
    return project_rows(matrix, methods[method], 2, seed).points
