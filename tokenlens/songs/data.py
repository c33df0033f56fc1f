"""Parse and validate the Yes.com playlist files exactly as the book does."""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..catalog import DATASETS

SPEC = DATASETS["yes_complete"]
REQUIRED_FILES = SPEC.files  # train.txt, song_hash.txt
OPTIONAL_FILES = SPEC.optional_files  # tags.txt, tag_hash.txt
_MAX_ERRORS_SHOWN = 1
# A visitor's upload is bounded twice: each file's size (the book's largest, train.txt, is 10.8 MB), and
# the parsed dataset's memory, counted while parsing (the book's data takes 47.5 MB; the song cache keeps
# 100 MiB). Parsing reads one line at a time, so an upload costs its own bytes plus at most this.
UPLOAD_FILE_LIMIT_MB = 25
UPLOAD_MEMORY_LIMIT = 96 * 1024 * 1024
# Folders of playlists are the server operator's (paths separated like PATH), never a visitor's.
SONGS_DIR_ENV = "TOKENLENS_SONGS_DIR"


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


class _MemoryBudget:
    """The parsed dataset's bytes so far; past `limit` the upload is refused (None: no limit)."""

    def __init__(self, limit: int | None):
        self.limit, self.used = limit, 0

    def add(self, nbytes: int) -> None:
        self.used += nbytes
        if self.limit is not None and self.used > self.limit:
            raise SongDataError(f"These files would take more than {self.limit / 2**20:,.0f} MiB of the server's "
                                "memory once read (the book's playlists take 45 MiB): use fewer playlists.")


def _lines(name: str, raw: bytes) -> Iterator[tuple[int, str]]:
    """(number, line) one at a time: the file is never decoded or split whole, so reading it holds one
    line beside the bytes (BytesIO shares them: no copy)."""
    if not raw or raw.isspace():
        raise SongDataError(f"{name} is empty.")
    if b"\x00" in raw[:4096]:
        raise SongDataError(f"{name} is a binary file, not the dataset's text file.")
    for number, line in enumerate(io.BytesIO(raw), start=1):
        try:
            yield number, line.decode("utf-8").removesuffix("\n")
        except UnicodeDecodeError:
            raise SongDataError(f"{name} line {number}: not UTF-8 text.") from None


_ID_BYTES = sys.getsizeof("1234567")
_INTEGERS = re.compile(r"^[0-9]+(\s+[0-9]+)*$")


def parse_playlists(raw: bytes, name: str = "train.txt", dropped: list[str] | None = None,
                    budget: _MemoryBudget | None = None) -> list[list[str]]:
    """The book's parsing: skip two metadata lines, split on whitespace, drop one-song playlists.

    `dropped`, when given, receives the song of each dropped one-song playlist (word2vec never sees it).
    Each song id is one string object however often it is played: the book's data holds 1.9 million
    plays of 75,000 songs, 135 MB as separate strings and 39 MB shared.
    """
    budget = budget or _MemoryBudget(None)
    playlists = []
    shared: dict[str, str] = {}
    number = 0
    for number, line in _lines(name, raw):
        stripped = line.strip()
        if number <= 2:
            if stripped and not _INTEGERS.match(stripped):
                raise SongDataError(f"{name} line {number}: expected the metadata line of numbers, "
                                    f"found {line[:60]!r}.")
            continue
        if stripped and not _INTEGERS.match(stripped):
            bad = next(part for part in stripped.split() if not part.isdigit())
            raise SongDataError(f"{name} line {number}: {bad[:40]!r} is not a song id (whole numbers only).")
        songs = stripped.split()
        if len(songs) > 1:
            known = len(shared)
            playlist = [shared.setdefault(song, song) for song in songs]
            # The list and its slot, and each new id string (at most 56 bytes: ids have under 8 digits).
            budget.add(sys.getsizeof(playlist) + 8 + _ID_BYTES * (len(shared) - known))
            playlists.append(playlist)
        elif songs and dropped is not None:
            dropped.append(songs[0])
    if number < 2:
        raise SongDataError(f"{name} has {number} line(s); the playlist file starts with two "
                            "metadata lines and then one playlist per line.")
    if not playlists:
        raise SongDataError(f"{name} has no playlist of two or more songs.")
    return playlists


def parse_songs(raw: bytes, name: str = "song_hash.txt",
                budget: _MemoryBudget | None = None) -> tuple[list[str], list[str]]:
    """Titles and artists by song id from `id<TAB>title<TAB>artist` lines (ids 0, 1, 2, ...)."""
    budget = budget or _MemoryBudget(None)
    titles, artists = [], []
    for number, line in _lines(name, raw):
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
        # Title and artist, then the search key made of both (about as large) and a play count.
        budget.add(2 * (sys.getsizeof(titles[-1]) + sys.getsizeof(artists[-1])) + 40)
    return titles, artists


def parse_tags(raw: bytes, song_count: int, name: str = "tags.txt",
               budget: _MemoryBudget | None = None) -> list[tuple[int, ...]]:
    """Each song's tag ids ('#' for none); one line per song."""
    budget = budget or _MemoryBudget(None)
    tags: list[tuple[int, ...]] = []
    for number, line in _lines(name, raw):
        if len(tags) == song_count:
            break  # one line too many: counted below
        stripped = line.strip()
        if stripped == "#" or not stripped:
            tags.append(())
        elif _INTEGERS.match(stripped):
            tags.append(tuple(int(part) for part in stripped.split()))
        else:
            raise SongDataError(f"{name} line {number}: expected tag ids or '#', found {stripped[:40]!r}.")
        budget.add(sys.getsizeof(tags[-1]) + 8)
    lines = sum(1 for _ in io.BytesIO(raw))  # one more pass, counting only
    if lines != song_count:
        raise SongDataError(f"{name} has {lines:,} lines but song_hash.txt has {song_count:,} songs.")
    return tags


def parse_tag_names(raw: bytes, name: str = "tag_hash.txt", budget: _MemoryBudget | None = None) -> dict[int, str]:
    budget = budget or _MemoryBudget(None)
    names = {}
    for number, line in _lines(name, raw):
        if not line.strip():
            continue
        tag_id, sep, label = line.partition(",")
        if not sep or not tag_id.strip().isdigit():
            raise SongDataError(f"{name} line {number}: expected 'id, name', found {line[:40]!r}.")
        names[int(tag_id)] = label.strip()
        budget.add(sys.getsizeof(names[int(tag_id)]) + 64)
    return names


def load_dataset_files(files: dict[str, bytes], *, max_memory: int | None = UPLOAD_MEMORY_LIMIT) -> SongData:
    """A SongData from file contents by name. Bounded by default (`max_memory` bytes once parsed: files
    from a visitor); the operator's own folder (load_dataset) is not."""
    budget = _MemoryBudget(max_memory)
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise SongDataError(f"Missing {', '.join(missing)}: the dataset needs {' and '.join(REQUIRED_FILES)}.")
    single_songs: list[str] = []
    playlists = parse_playlists(files["train.txt"], dropped=single_songs, budget=budget)
    titles, artists = parse_songs(files["song_hash.txt"], budget=budget)
    for number, playlist in enumerate(playlists):
        top = max(map(int, playlist))
        if top >= len(titles):
            raise SongDataError(f"train.txt: a playlist uses song id {top}, but song_hash.txt has only "
                                f"{len(titles):,} songs (playlist {number + 1}).")
    tags: list[tuple[int, ...]] = []
    tag_names: dict[int, str] = {}
    if "tags.txt" in files:
        tags = parse_tags(files["tags.txt"], len(titles), budget=budget)
        if "tag_hash.txt" in files:
            tag_names = parse_tag_names(files["tag_hash.txt"], budget=budget)
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
    return load_dataset_files(read_folder(folder), max_memory=None)


def configured_folders(env_value: str | None = None, listed: Iterable[str] = ()) -> dict[str, Path]:
    """The operator's playlist folders by the name visitors see (the folder's own name; a repeated name
    gets its number): from `TOKENLENS_SONGS_DIR` (`env_value` when given) and a list (st.secrets).
    A visitor picks one of these; no path typed into a page is ever read."""
    raw = os.environ.get(SONGS_DIR_ENV, "") if env_value is None else env_value
    paths = [part for part in raw.split(os.pathsep) if part.strip()] + [str(item) for item in listed if str(item).strip()]
    folders: dict[str, Path] = {}
    for path in dict.fromkeys(Path(part.strip()).expanduser() for part in paths):
        name = path.name or str(path)
        shown, number = name, 1
        while shown in folders:
            number += 1
            shown = f"{name} ({number})"
        folders[shown] = path
    return folders
