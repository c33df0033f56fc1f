"""Parse and validate the Yes.com playlist files exactly as the book does."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path

import numpy as np

from ..catalog import DATASETS

SPEC = DATASETS["yes_complete"]
REQUIRED_FILES = SPEC.files  # train.txt, song_hash.txt
OPTIONAL_FILES = SPEC.optional_files  # tags.txt, tag_hash.txt
_MAX_ERRORS_SHOWN = 1


class SongDataError(ValueError):
    """A playlist file is malformed; the message names the file and the line."""


@dataclass
class SongData:
    """Playlists (lists of song-id strings, the book's sentences) and the song catalogue."""

    playlists: list[list[str]]
    titles: list[str]
    artists: list[str]
    tags: list[tuple[int, ...]] = field(default_factory=list)  # per song, may be empty
    tag_names: dict[int, str] = field(default_factory=dict)
    playlists_hash: str = ""  # sha256 of train.txt: the model cache key
    single_song_ids: frozenset[int] = frozenset()  # songs of the one-song playlists the book's parsing drops

    @property
    def song_count(self) -> int:
        return len(self.titles)

    def summary(self) -> str:
        """The playlist and song counts, and how many songs have tags (no Markdown)."""
        tagged = sum(1 for tags in self.tags if tags)
        return (f"{len(self.playlists):,} playlists · {self.song_count:,} songs · "
                + (f"{tagged:,} with Last.fm tags" if self.tags else "no tags file, so no genres"))

    def has_song(self, song_id: int) -> bool:
        return 0 <= song_id < self.song_count

    def song(self, song_id: int) -> dict:
        """Id, title, artist and tag names of one song."""
        if not self.has_song(song_id):
            raise SongDataError(f"Unknown song id {song_id}: ids go from 0 to {self.song_count - 1}.")
        return {"id": song_id, "title": self.titles[song_id], "artist": self.artists[song_id],
                "tags": self.tag_labels(song_id)}

    def tag_labels(self, song_id: int) -> list[str]:
        if not self.tags:
            return []
        return [self.tag_names.get(tag, str(tag)) for tag in self.tags[song_id]]

    @cached_property
    def play_counts(self) -> np.ndarray:
        """How often each song is played across all playlists (the popularity baseline's score)."""
        ids = np.fromiter((int(song) for playlist in self.playlists for song in playlist), dtype=np.int64)
        return np.bincount(ids, minlength=self.song_count)

    @cached_property
    def search_keys(self) -> list[str]:
        return [f"{title} {artist}".casefold() for title, artist in zip(self.titles, self.artists)]

    def memory_bytes(self) -> int:
        """What this dataset holds in memory: its lists and strings, and the search keys and play
        counts every page run uses (counted whether computed yet or not)."""
        song_ids = dict.fromkeys(chain.from_iterable(self.playlists))  # one string each (parse_playlists)
        strings = [*song_ids, *self.titles, *self.artists, *self.tag_names.values()]
        search_keys = self.__dict__.get("search_keys") or [
            f"{title} {artist}" for title, artist in zip(self.titles, self.artists)]
        return (sys.getsizeof(self.playlists) + sum(map(sys.getsizeof, self.playlists))
                + sum(map(sys.getsizeof, strings)) + sys.getsizeof(self.titles) + sys.getsizeof(self.artists)
                + sys.getsizeof(self.tags) + sum(map(sys.getsizeof, self.tags)) + sys.getsizeof(self.tag_names)
                + sys.getsizeof(self.single_song_ids) + sys.getsizeof(search_keys)
                + sum(map(sys.getsizeof, search_keys)) + 8 * self.song_count)  # play_counts: int64 per song


def _decode(name: str, raw: bytes) -> list[str]:
    if not raw.strip():
        raise SongDataError(f"{name} is empty.")
    if b"\x00" in raw[:4096]:
        raise SongDataError(f"{name} is a binary file, not the dataset's text file.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SongDataError(f"{name} line {line}: not UTF-8 text.") from None
    return text.split("\n")


_INTEGERS = re.compile(r"^[0-9]+(\s+[0-9]+)*$")


def parse_playlists(raw: bytes, name: str = "train.txt", dropped: list[str] | None = None) -> list[list[str]]:
    """The book's parsing: skip two metadata lines, split on whitespace, drop one-song playlists.

    `dropped`, when given, receives the song of each dropped one-song playlist (word2vec never sees it).
    Each song id is one string object however often it is played: the book's data holds 1.9 million
    plays of 75,000 songs, 135 MB as separate strings and 39 MB shared.
    """
    lines = _decode(name, raw)
    for number, line in enumerate(lines[:2], start=1):
        if line.strip() and not _INTEGERS.match(line.strip()):
            raise SongDataError(f"{name} line {number}: expected the metadata line of numbers, "
                                f"found {line[:60]!r}.")
    if len(lines) < 3:
        raise SongDataError(f"{name} has {len(lines)} line(s); the playlist file starts with two "
                            "metadata lines and then one playlist per line.")
    playlists = []
    shared: dict[str, str] = {}
    for number, line in enumerate(lines[2:], start=3):
        stripped = line.strip()
        if stripped and not _INTEGERS.match(stripped):
            bad = next(part for part in stripped.split() if not part.isdigit())
            raise SongDataError(f"{name} line {number}: {bad[:40]!r} is not a song id (whole numbers only).")
        songs = line.rstrip().split()
        if len(songs) > 1:
            playlists.append([shared.setdefault(song, song) for song in songs])
        elif songs and dropped is not None:
            dropped.append(songs[0])
    if not playlists:
        raise SongDataError(f"{name} has no playlist of two or more songs.")
    return playlists


def parse_songs(raw: bytes, name: str = "song_hash.txt") -> tuple[list[str], list[str]]:
    """Titles and artists by song id from `id<TAB>title<TAB>artist` lines (ids 0, 1, 2, ...)."""
    titles, artists = [], []
    for number, line in enumerate(_decode(name, raw), start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 3:
            raise SongDataError(f"{name} line {number}: expected 'id<TAB>title<TAB>artist', "
                                f"found {len(parts)} field(s).")
        song_id = parts[0].strip()
        if not song_id.isdigit() or int(song_id) != len(titles):
            raise SongDataError(f"{name} line {number}: expected song id {len(titles)}, found {song_id[:20]!r}.")
        titles.append(parts[1].strip())
        artists.append(parts[2].strip())
    return titles, artists


def parse_tags(raw: bytes, song_count: int, name: str = "tags.txt") -> list[tuple[int, ...]]:
    """Each song's tag ids ('#' for none); one line per song."""
    lines = _decode(name, raw)
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if len(lines) != song_count:
        raise SongDataError(f"{name} has {len(lines):,} lines but song_hash.txt has {song_count:,} songs.")
    tags = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == "#" or not stripped:
            tags.append(())
        elif _INTEGERS.match(stripped):
            tags.append(tuple(int(part) for part in stripped.split()))
        else:
            raise SongDataError(f"{name} line {number}: expected tag ids or '#', found {stripped[:40]!r}.")
    return tags


def parse_tag_names(raw: bytes, name: str = "tag_hash.txt") -> dict[int, str]:
    names = {}
    for number, line in enumerate(_decode(name, raw), start=1):
        if not line.strip():
            continue
        tag_id, sep, label = line.partition(",")
        if not sep or not tag_id.strip().isdigit():
            raise SongDataError(f"{name} line {number}: expected 'id, name', found {line[:40]!r}.")
        names[int(tag_id)] = label.strip()
    return names


def load_dataset_files(files: dict[str, bytes]) -> SongData:
    """A SongData from file contents by name (uploads, or a folder read into memory)."""
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise SongDataError(f"Missing {', '.join(missing)}: the dataset needs {' and '.join(REQUIRED_FILES)}.")
    single_songs: list[str] = []
    playlists = parse_playlists(files["train.txt"], dropped=single_songs)
    titles, artists = parse_songs(files["song_hash.txt"])
    for number, playlist in enumerate(playlists):
        top = max(map(int, playlist))
        if top >= len(titles):
            raise SongDataError(f"train.txt: a playlist uses song id {top}, but song_hash.txt has only "
                                f"{len(titles):,} songs (playlist {number + 1}).")
    tags: list[tuple[int, ...]] = []
    tag_names: dict[int, str] = {}
    if "tags.txt" in files:
        tags = parse_tags(files["tags.txt"], len(titles))
        if "tag_hash.txt" in files:
            tag_names = parse_tag_names(files["tag_hash.txt"])
    digest = hashlib.sha256(files["train.txt"]).hexdigest()
    return SongData(playlists, titles, artists, tags, tag_names, digest,
                    frozenset(int(song) for song in single_songs if int(song) < len(titles)))


def read_folder(folder: Path) -> dict[str, bytes]:
    """The dataset's files that exist in a folder, by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SongDataError(f"{folder} is not a folder.")
    return {name: (folder / name).read_bytes() for name in REQUIRED_FILES + OPTIONAL_FILES
            if (folder / name).is_file()}


def load_dataset(folder: Path) -> SongData:
    """Parse the dataset in a folder (train.txt and song_hash.txt; tags where present)."""
    return load_dataset_files(read_folder(folder))
