"""A classroom folder: every catalog asset fetched once where there is network, used offline later.

The folder has huggingface_hub's cache layout, so set TOKENLENS_ASSETS=DIR and the app reads it
before the hub. Downloads resume (huggingface_hub keeps .incomplete files) and are checked by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .catalog import CONTEXTUAL_MODELS, EXTRA_TOKENIZERS, LANGUAGE_MODELS, SENTENCE_MODELS, TOKENIZERS

MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "generation_config.json", "modules.json",
               "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json",
               "spm.model", "vocab.txt")
NOT_NEEDED = "not needed"


@dataclass(frozen=True)
class PlannedFile:
    repo_id: str
    filename: str
    kind: str  # "tokenizer" | "model"
    unless: str = ""  # a file of the same repo that makes this one unnecessary when present


def plan(*, with_models: bool = False) -> list[PlannedFile]:
    # tokenizer.json always: where a repo lacks it, the folder then records that, and the app
    # converts the other files instead of asking a hub.
    files = [PlannedFile(spec.hub_id, name, "tokenizer")
             for spec in [*TOKENIZERS.values(), *EXTRA_TOKENIZERS.values()]
             for name in dict.fromkeys(("tokenizer.json", *spec.files))]
    if with_models:
        for catalog in (SENTENCE_MODELS, CONTEXTUAL_MODELS, LANGUAGE_MODELS):
            for spec in catalog.values():
                if not spec.needs_cuda:  # GPU-only models are not for a classroom laptop folder
                    files += [PlannedFile(spec.id, name, "model") for name in MODEL_FILES]
                    # Older repos (DeBERTa-v3) hold their weights only as pytorch_model.bin.
                    files.append(PlannedFile(spec.id, "pytorch_model.bin", "model", unless="model.safetensors"))
    return list(dict.fromkeys(files))


def check(folder: Path, files: list[PlannedFile]) -> dict[str, dict[str, str]]:
    """{repo: {file: 'present' | 'absent' | 'not in repo' | 'not needed'}} from the folder alone (no network)."""
    report: dict[str, dict[str, str]] = {}
    for item in files:
        state = _state(folder, item.repo_id, item.filename)
        if state != "present" and item.unless and _state(folder, item.repo_id, item.unless) == "present":
            state = NOT_NEEDED
        report.setdefault(item.repo_id, {})[item.filename] = state
    return report


def _state(folder: Path, repo_id: str, filename: str) -> str:
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.file_download import _CACHED_NO_EXIST

    hit = try_to_load_from_cache(repo_id, filename, cache_dir=folder)
    return "present" if isinstance(hit, str) else "not in repo" if hit is _CACHED_NO_EXIST else "absent"


def download(folder: Path, files: list[PlannedFile], *,
             progress: Callable[[int, int, PlannedFile, str], None] | None = None) -> dict[str, str]:
    """Fetch what is absent; returns {repo/file: outcome}. A missing optional file is not an error."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (EntryNotFoundError, GatedRepoError, LocalEntryNotFoundError,
                                     RepositoryNotFoundError)

    outcomes = {}
    present = check(folder, files)
    for number, item in enumerate(files, start=1):
        key = f"{item.repo_id}/{item.filename}"
        if present[item.repo_id][item.filename] != "absent":
            outcome = present[item.repo_id][item.filename]
        elif item.unless and _state(folder, item.repo_id, item.unless) == "present":  # fetched just now
            outcome = NOT_NEEDED
        else:
            try:
                hf_hub_download(item.repo_id, item.filename, cache_dir=folder)
                outcome = "downloaded"
            except LocalEntryNotFoundError as err:  # no answer from the hub: a failure, not a missing file
                outcome = f"failed: {err}"
            except EntryNotFoundError:
                outcome = "not in repo"
            except GatedRepoError:
                outcome = "gated: accept the licence on the hub, then set HF_TOKEN"
            except RepositoryNotFoundError:
                outcome = "repository not found"
            except OSError as err:
                outcome = f"failed: {err}"
        outcomes[key] = outcome
        if progress:
            progress(number, len(files), item, outcome)
    return outcomes
