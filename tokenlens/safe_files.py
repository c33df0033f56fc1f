"""Files read from caches and carried folders: checked when read, set aside when damaged.

An interrupted USB copy, a full disk or a crash mid-write leave truncated, empty or garbled files,
and each library reports them with its own exception (JSONDecodeError, BadZipFile, EOFError, a bare
`Exception` from tokenizers...). The checks here turn all of them into one `DamagedFile`, so a
loader can set its own cached copy aside and rebuild it, or skip a carried copy for the next source.
Writes go through `paths.atomic_write_bytes` (a unique temporary file in the same folder, then
`os.replace`), so readers never see a half-written file even when two servers write at once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import struct
import time
from pathlib import Path
from typing import Any

from .paths import atomic_write_bytes

__all__ = ["DamagedFile", "atomic_write_bytes", "check_safetensors", "is_native_panic", "quarantine",
           "read_checked_bytes", "read_json", "verify_hub_blob"]

_CHUNK = 1 << 20
_quarantined = itertools.count(1)  # unique names within one process (next() is atomic)


class DamagedFile(Exception):
    """A file exists but cannot be what it claims to be; `reason` says what is wrong with it."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path} is damaged: {reason}")
        self.path = Path(path)
        self.reason = reason


def _hashes(path: Path) -> tuple[str, str, str]:
    """sha256, plain sha1 and git's blob sha1 of a file, in one pass."""
    size = path.stat().st_size
    sha256, sha1, git = hashlib.sha256(), hashlib.sha1(), hashlib.sha1(b"blob %d\0" % size)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            for digest in (sha256, sha1, git):
                digest.update(chunk)
    return sha256.hexdigest(), sha1.hexdigest(), git.hexdigest()


def verify_hub_blob(path: Path) -> None:
    """A hub-cache entry that links to a blob is checked against the hash the blob is named by.

    huggingface_hub names a blob by the file's ETag: the sha256 for LFS files, git's blob sha1 for
    the others (a plain sha1 from some mirrors). Entries that are plain files (copied caches,
    Windows without symlinks) carry no hash, and blobs named otherwise are left unchecked.
    """
    path = Path(path)
    if not path.is_symlink():
        return
    blob = path.resolve()
    if blob.parent.name != "blobs":
        return
    name = blob.name
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", name):
        return
    try:
        sha256, sha1, git = _hashes(blob)
    except OSError as err:
        raise DamagedFile(path, f"cannot be read ({err.strerror or err})") from None
    if name not in (sha256, sha1, git):
        raise DamagedFile(path, f"its content does not match the hash it was saved under ({name[:12]}…)")


def read_checked_bytes(path: Path) -> bytes:
    """A file's bytes: unreadable, empty or (for hub blobs) hash-mismatched files are DamagedFile."""
    path = Path(path)
    verify_hub_blob(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DamagedFile(path, f"cannot be read ({err.strerror or err})") from None
    if not data.strip():
        raise DamagedFile(path, "it is empty")
    return data


def read_json(path: Path, *, expect: type = dict) -> Any:
    """A JSON document of the expected top-level type, or DamagedFile (truncated, binary, wrong shape)."""
    data = read_checked_bytes(path)
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DamagedFile(path, "it is not text (binary content)") from None
    except json.JSONDecodeError as err:
        raise DamagedFile(path, f"it is not valid JSON (truncated?): {err}") from None
    if not isinstance(document, expect):
        raise DamagedFile(path, f"it holds a JSON {type(document).__name__}, not a {expect.__name__}")
    return document


def check_safetensors(path: Path) -> None:
    """A safetensors file whose header parses and whose size is what the header promises.

    The header lists every tensor's byte range, so a truncated or padded file is caught without
    reading the weights (an 0.5 GB model costs a few hundred bytes here)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            prefix = handle.read(8)
            if len(prefix) < 8:
                raise DamagedFile(path, "it is shorter than a safetensors header")
            (header_size,) = struct.unpack("<Q", prefix)
            if header_size > min(size - 8, 100 * _CHUNK):
                raise DamagedFile(path, "its header is cut off or not a safetensors header")
            header = json.loads(handle.read(header_size).decode("utf-8"))
    except OSError as err:
        raise DamagedFile(path, f"cannot be read ({err.strerror or err})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DamagedFile(path, "its header is not valid JSON") from None
    ends = [entry["data_offsets"][1] for name, entry in header.items()
            if name != "__metadata__" and isinstance(entry, dict) and "data_offsets" in entry]
    expected = 8 + header_size + max(ends, default=0)
    if size != expected:
        raise DamagedFile(path, f"it has {size:,} bytes where its header promises {expected:,} (truncated?)")


def quarantine(path: Path) -> Path | None:
    """Rename a damaged file (or folder) aside as NAME.damaged-TIMESTAMP-PID-N, kept for a person to see.

    None when it could not be moved: a read-only folder, or another process moved it first (both
    fine: the caller rebuilds or moves on either way)."""
    path = Path(path)
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(_quarantined)}")
    try:
        os.rename(path, target)
    except OSError:
        return None
    return target


def is_native_panic(err: BaseException) -> bool:
    """Whether an exception is a Rust panic surfaced by pyo3 (tokenizers, safetensors).

    pyo3's PanicException derives from BaseException, so `except Exception` misses it; callers catch
    BaseException, keep only this one and re-raise the rest (KeyboardInterrupt, SystemExit...)."""
    kind = type(err)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"
