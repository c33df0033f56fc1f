"""Where TokenLens keeps and finds files; every location can be moved by an environment variable."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """TokenLens's own cache (converted tokenizer.json files, trained models, downloads).

    TOKENLENS_CACHE moves it; the default follows XDG like huggingface_hub does.
    """
    env = os.environ.get("TOKENLENS_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tokenlens"
    base.mkdir(parents=True, exist_ok=True)
    return base


def assets_dir() -> Path | None:
    """A classroom folder filled by `python -m tokenlens assets download` (a hub-cache layout)."""
    env = os.environ.get("TOKENLENS_ASSETS")
    return Path(env) if env else None


def shared_dir() -> Path | None:
    """The project's read-only asset folder (../shared) when it exists: tests and CI only."""
    env = os.environ.get("TOKENLENS_SHARED")
    candidate = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return candidate if candidate.is_dir() else None


def package_path(package: str, relative: str = "") -> Path | None:
    """A data path inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    return path if path.exists() else None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a half-written file is never read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
