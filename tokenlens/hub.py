"""Finding files of a Hugging Face repo: classroom folder, local hub cache, then the hub itself.

huggingface_hub already honours HF_ENDPOINT (mirrors), HF_HUB_OFFLINE, HF_HUB_CACHE and HF_TOKEN.
What it does not do is fail fast: with no network it retries for ~25 s per file. So we probe the
endpoint once (memoised briefly) and go local-only when it cannot be reached.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Collection
from urllib.parse import urlparse

from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.file_download import _CACHED_NO_EXIST

from .assets import AssetUnavailable
from .paths import assets_dir


WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # a transformers model's weights, either


@dataclass(frozen=True)
class HubFile:
    path: Path
    origin: str  # "classroom folder" | "hub cache" | "hub"
    revision: str  # the snapshot folder name (a commit hash)


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", constants.ENDPOINT).rstrip("/")


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").upper() in {"1", "ON", "YES", "TRUE"}


_reach_lock = threading.Lock()
_reach_cache: dict[str, tuple[float, bool]] = {}
_REACH_TTL_S = 60.0


def hub_reachable(timeout_s: float = 2.0) -> bool:
    """Whether the hub endpoint accepts a TCP connection (never when HF_HUB_OFFLINE is set)."""
    return not offline() and url_reachable(endpoint(), timeout_s)


def url_reachable(url: str, timeout_s: float = 2.0) -> bool:
    """Whether a server accepts a TCP connection (memoised for a minute per URL)."""
    with _reach_lock:
        hit = _reach_cache.get(url)
        if hit and time.monotonic() - hit[0] < _REACH_TTL_S:
            return hit[1]
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "", port), timeout=timeout_s):
            ok = True
    except OSError:
        ok = False
    with _reach_lock:
        _reach_cache[url] = (time.monotonic(), ok)
    return ok


def _cache_roots() -> list[tuple[Path | None, str]]:
    roots: list[tuple[Path | None, str]] = []
    classroom = assets_dir()
    if classroom is not None:
        roots.append((classroom, "classroom folder"))
    roots.append((None, "hub cache"))  # None: huggingface_hub's own HF_HUB_CACHE
    return roots


def _revision_of(path: Path) -> str:
    return path.parent.name if path.parent.parent.name == "snapshots" else "local"


def local_snapshot(repo_id: str, any_of: tuple[str, ...]) -> HubFile | None:
    """A repo's snapshot folder in a local cache that holds one of `any_of` (top-level files, e.g. the
    weights), classroom folder first: `path` is the folder, to load a whole model from without a hub."""
    for root, origin in _cache_roots():
        for filename in any_of:
            hit = try_to_load_from_cache(repo_id, filename, cache_dir=root)
            if isinstance(hit, str):
                return HubFile(Path(hit).parent, origin, _revision_of(Path(hit)))
    return None


def is_valid_repo_id(repo_id: str) -> bool:
    """validate_repo_id as a yes/no, for values read from a link."""
    try:
        validate_repo_id(repo_id)
    except AssetUnavailable:
        return False
    return True


def validate_repo_id(repo_id: str) -> None:
    from huggingface_hub.utils import validate_repo_id as _validate

    try:
        _validate(repo_id)
    except HFValidationError as err:
        raise AssetUnavailable(f"{repo_id!r} is not a valid hub id: {err}", kind="invalid-id") from None


def cached_file(repo_id: str, filename: str, *, skip: Collection[str] = ()) -> HubFile | None | bool:
    """A file from a local cache: HubFile, False if a cache knows the repo lacks it, else None.

    `skip` names origins ("classroom folder", "hub cache") whose copy was found damaged."""
    known_missing = False
    for root, origin in _cache_roots():
        if origin in skip:
            continue
        hit = try_to_load_from_cache(repo_id, filename, cache_dir=root)
        if isinstance(hit, str):
            return HubFile(Path(hit), origin, _revision_of(Path(hit)))
        if hit is _CACHED_NO_EXIST:
            known_missing = True
    return False if known_missing else None


def hub_file(repo_id: str, filename: str, *, skip: Collection[str] = ()) -> HubFile:
    """One file of a repo, from a local cache or downloaded; AssetUnavailable says why not.

    `skip` names local origins whose copy was found damaged: the next one is used, and a damaged
    hub-cache copy is downloaded again rather than reused."""
    validate_repo_id(repo_id)
    local = cached_file(repo_id, filename, skip=skip)
    if isinstance(local, HubFile):
        return local
    if local is False:
        raise AssetUnavailable(f"{repo_id} has no {filename}", kind="missing-file")
    if not hub_reachable():
        why = "HF_HUB_OFFLINE is set" if offline() else f"the hub ({endpoint()}) cannot be reached"
        raise AssetUnavailable(
            f"{repo_id}/{filename} is not in the local cache and {why}. "
            "Fill a classroom folder with `python -m tokenlens assets download` where there is "
            "network, or set HF_ENDPOINT to a reachable mirror.",
            kind="offline",
        )
    try:
        path = Path(hf_hub_download(repo_id, filename, force_download="hub cache" in skip))
    except GatedRepoError:
        raise AssetUnavailable(
            f"{repo_id} is gated: accept its licence on the hub page, then set HF_TOKEN.", kind="gated"
        ) from None
    except RepositoryNotFoundError:
        raise AssetUnavailable(
            f"{repo_id} was not found on the hub (or it is private: set HF_TOKEN).", kind="not-found"
        ) from None
    except RevisionNotFoundError:
        raise AssetUnavailable(f"{repo_id} has no such revision.", kind="not-found") from None
    except EntryNotFoundError as err:
        if isinstance(err, LocalEntryNotFoundError):
            raise AssetUnavailable(f"{repo_id}/{filename} could not be downloaded: {err}", kind="offline") from None
        raise AssetUnavailable(f"{repo_id} has no {filename}", kind="missing-file") from None
    except OSError as err:  # connection reset, disk full, ...
        raise AssetUnavailable(f"{repo_id}/{filename} could not be downloaded: {err}", kind="offline") from None
    return HubFile(path, "hub", _revision_of(path))
