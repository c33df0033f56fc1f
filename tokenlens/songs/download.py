"""Fetch the dataset's files over HTTP: retries, a resumable .part file, and nothing corrupt kept."""

from __future__ import annotations

import fcntl
import http.client
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..assets import AssetUnavailable
from ..paths import cache_dir, shared_dir
from .data import OPTIONAL_FILES, REQUIRED_FILES, SPEC, SongDataError, parse_playlists, parse_songs, parse_tag_names

Progress = Callable[[str, int, int | None], None]  # file name, bytes so far, total bytes (None: unknown)
CHUNK = 256 * 1024
OPTIONAL_MARKER = ".optional-tried"  # the optional files were asked for once: not asked again
USER_AGENT = "TokenLens (+https://github.com; Hands-On LLMs chapter 2)"


class TruncatedDownload(OSError):
    """The server closed the connection before sending all the bytes it announced."""


@dataclass(frozen=True)
class DatasetFolder:
    path: Path
    origin: str  # "cache" | "downloaded" | "shared copy" | "local folder"
    note: str = ""  # a sentence for the command line when something went differently than asked
    failure: str = ""  # why the download failed, in words (no path), when the shared copy stands in


def default_folder() -> Path:
    """Where downloads go: TOKENLENS_CACHE/datasets/yes_complete."""
    return cache_dir() / "datasets" / SPEC.id


def shared_folder() -> Path | None:
    base = shared_dir()
    folder = base / "datasets" / SPEC.shared_folder if base else None
    return folder if folder and all((folder / name).is_file() for name in REQUIRED_FILES) else None


def validate_file(name: str, path: Path) -> None:
    """Refuse a file whose content is not what the dataset's file of that name holds."""
    raw = path.read_bytes()
    if name == "train.txt":
        parse_playlists(raw, name)
    elif name == "song_hash.txt":
        parse_songs(raw, name)
    elif name == "tag_hash.txt":
        parse_tag_names(raw, name)
    elif name == "tags.txt":  # checked against the songs when loaded; here only its shape
        first = raw.split(b"\n", 1)[0].strip()
        if not first or not (first == b"#" or first.replace(b" ", b"").isdigit()):
            raise SongDataError(f"{name} line 1: expected tag ids or '#'.")


def _fetch_once(url: str, part: Path, name: str, progress: Progress | None, timeout_s: float) -> None:
    """One HTTP request that appends to `part`, resuming from its size when the server allows."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        if have and response.status != 206:  # the server ignored Range: start over
            have = 0
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        total = have + expected if expected is not None else None
        received = 0
        with open(part, "ab" if have else "wb") as handle:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except http.client.IncompleteRead as err:
                    handle.write(err.partial)
                    received += len(err.partial)
                    raise TruncatedDownload(f"{name}: connection closed after {have + received:,} bytes") from None
                if not chunk:
                    break
                handle.write(chunk)
                received += len(chunk)
                if progress:
                    progress(name, have + received, total)
        if expected is not None and received < expected:
            raise TruncatedDownload(f"{name}: connection closed after {have + received:,} of {total:,} bytes")


def plain_reason(error: BaseException | None, url: str) -> str:
    """What went wrong, in words a person reads ('[Errno -2] Name or service not known' is not that)."""
    host = urlsplit(url).hostname or url
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, socket.gaierror):
        return f"the name {host} could not be looked up: this server has no internet connection or no DNS"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return f"{host} did not answer in time"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection"
    if isinstance(reason, OSError) and getattr(reason, "strerror", None):
        return f"{host}: {reason.strerror[:1].lower()}{reason.strerror[1:]}"
    return str(reason)


def download_file(url: str, destination: Path, *, retries: int = 3, backoff_s: float = 1.0,
                  timeout_s: float = 30.0, progress: Progress | None = None) -> Path:
    """Download to `destination` via `destination.part`, validating before the final rename.

    One process at a time per file (an exclusive lock beside it): two server workers would otherwise
    append to the same resumable .part. Whoever waited finds the file whole and keeps it."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination.with_name(f".{destination.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if destination.exists():
            try:
                validate_file(destination.name, destination)
                return destination
            except SongDataError:
                pass  # not whole: fetch it again below
        return _download_locked(url, destination, retries=retries, backoff_s=backoff_s, timeout_s=timeout_s,
                                progress=progress)


def _download_locked(url: str, destination: Path, *, retries: int, backoff_s: float, timeout_s: float,
                     progress: Progress | None) -> Path:
    part = destination.with_name(destination.name + ".part")
    name = destination.name
    last_error: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            _fetch_once(url, part, name, progress, timeout_s)
        except urllib.error.HTTPError as err:
            if err.code == 416:  # our .part is already whole (or bigger): check it below
                pass
            elif 400 <= err.code < 500:
                part.unlink(missing_ok=True)
                raise AssetUnavailable(f"{url} answered HTTP {err.code} ({err.reason}).", kind="not-found") from None
            else:
                last_error = err
                continue
        except (OSError, http.client.HTTPException) as err:  # URLError, timeouts, truncation: retry, keep .part
            last_error = err
            continue
        try:
            validate_file(name, part)
        except SongDataError as err:
            part.unlink(missing_ok=True)  # never keep what the server sent wrong
            raise SongDataError(f"The download of {url} is not the dataset's {name}: {err}") from None
        os.replace(part, destination)
        return destination
    kept = f"; the partial file {part.name} is kept to resume next time" if part.exists() else ""
    reason = plain_reason(last_error, url)
    raise AssetUnavailable(f"{url} could not be downloaded after {retries + 1} tries ({reason}){kept}.",
                           kind="offline")


def ensure_dataset(folder: Path | None = None, *, progress: Progress | None = None, retries: int = 3,
                   backoff_s: float = 1.0, base_url: str | None = None, use_shared: bool = True) -> DatasetFolder:
    """A folder holding the dataset: the cache, downloaded on first use, else ../shared's copy."""
    folder = Path(folder) if folder else default_folder()
    given_url, base_url = base_url, base_url or SPEC.base_url
    wanted = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if not wanted:
        if not (folder / OPTIONAL_MARKER).exists() and not _no_network_reason(given_url):
            _fetch_optional(folder, base_url, progress, retries, backoff_s)
        return DatasetFolder(folder, "cache")
    no_network = _no_network_reason(given_url)
    if no_network:  # asking anyway would cost seconds of retries for a certain failure
        shared = shared_folder() if use_shared else None
        if shared is None:
            raise AssetUnavailable(f"The song dataset is not in {folder} and no download was tried: {no_network}.",
                                   kind="offline")
        return DatasetFolder(shared, "shared copy", f"No download was tried ({no_network}), so the copy in "
                                                    f"{shared} is used.", failure=f"{no_network}.")
    try:
        for name in wanted:
            download_file(base_url + name, folder / name, retries=retries, backoff_s=backoff_s, progress=progress)
    except (AssetUnavailable, SongDataError) as err:
        shared = shared_folder() if use_shared else None
        if shared is None:
            raise
        reason = (err.reason if isinstance(err, AssetUnavailable) else str(err)).rstrip(".")
        return DatasetFolder(shared, "shared copy", f"The download failed ({reason}), so the copy in "
                                                    f"{shared} is used instead.",
                             failure=reason.replace(base_url, "") + ".")
    _fetch_optional(folder, base_url, progress, retries, backoff_s)
    return DatasetFolder(folder, "downloaded")


def _no_network_reason(base_url: str | None) -> str:
    """Why no download should be tried, or "". HF_HUB_OFFLINE is this project's one "no network" switch
    (tests and offline classrooms set it), so it stops the dataset's own site too; a base_url the
    caller gives (a local mirror) is still tried when it answers."""
    from ..hub import offline, url_reachable  # hub imports huggingface_hub: only when asked

    if base_url is None and offline():
        return "HF_HUB_OFFLINE is set"
    url = base_url or SPEC.base_url
    if not url_reachable(url):
        return f"{urlsplit(url).hostname or url} cannot be reached"
    return ""


def _fetch_optional(folder: Path, base_url: str, progress, retries: int, backoff_s: float) -> None:
    """Tags make the map colourful but are not needed: a failure here is quietly skipped."""
    marker = folder / OPTIONAL_MARKER
    if marker.exists():
        return
    for name in OPTIONAL_FILES:
        if not (folder / name).is_file():
            try:
                download_file(base_url + name, folder / name, retries=min(retries, 1), backoff_s=backoff_s,
                              progress=progress, timeout_s=10.0)
            except (AssetUnavailable, SongDataError):
                pass
    marker.touch()
