"""Which causal LM to load on this machine, whether it fits, and loading it (hub, cache or packaged GGUF).

Never `trust_remote_code`: a typed-in id whose architecture transformers does not ship is refused.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog import LANGUAGE_MODELS
from ..hub import AssetUnavailable, hub_file, hub_reachable, offline, packaged_path
from ..loader import Source
from ..paths import cache_dir

PHI3_ID = "microsoft/Phi-3-mini-4k-instruct"
CPU_DEFAULT_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
HEADROOM = 1.25  # weights plus activations, KV cache and allocator slack


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def default_model_id(has_cuda: bool | None = None) -> str:
    """The book's Phi-3 where CUDA is present, else a small instruct model a CPU can run."""
    if has_cuda is None:
        has_cuda = cuda_available()
    return PHI3_ID if has_cuda else CPU_DEFAULT_ID


def model_choices(has_cuda: bool | None = None) -> list[str]:
    """Catalog models, default first; GPU-only ones are listed only where CUDA is present."""
    if has_cuda is None:
        has_cuda = cuda_available()
    ids = [i for i, spec in LANGUAGE_MODELS.items() if has_cuda or spec.notes != "cuda"]
    first = default_model_id(has_cuda)
    return [first, *[i for i in ids if i != first]]


@dataclass(frozen=True)
class MemoryEstimate:
    parameters: int
    dtype: str
    bytes_needed: int  # weights × HEADROOM
    bytes_available: int
    device: str

    @property
    def fits(self) -> bool:
        return self.bytes_needed <= self.bytes_available

    def message(self, hub_id: str) -> str:
        return (f"{hub_id} has {self.parameters / 1e9:.2f}B parameters: about "
                f"{self.bytes_needed / 2**30:.1f} GiB in {self.dtype} on {self.device}, "
                f"but only {self.bytes_available / 2**30:.1f} GiB is free.")


def _dtype_bytes(dtype: str) -> int:
    import torch

    return torch.empty(0, dtype=getattr(torch, dtype)).element_size()


def available_bytes(device: str) -> int:
    """Free memory on the device the model would go to."""
    if device.startswith("cuda"):
        import torch

        return int(torch.cuda.mem_get_info()[0])
    import psutil

    return int(psutil.virtual_memory().available)


def count_parameters(config) -> int:
    """Parameter count of a config's model, built on the meta device (no memory, no weights)."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=False)
    return sum(p.numel() for p in model.parameters())


def load_dtype(config, device: str) -> str:
    """The book's dtype="auto" on a GPU; float32 on a CPU (bf16 matmuls are slow there)."""
    if device.startswith("cuda"):
        declared = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
        return str(declared).replace("torch.", "") if declared else "float16"
    return "float32"


def estimate_memory(config, device: str, *, dtype: str | None = None,
                    bytes_available: int | None = None) -> MemoryEstimate:
    """What a model needs, from its config alone, against what the device has free."""
    dtype = dtype or load_dtype(config, device)
    parameters = count_parameters(config)
    needed = int(parameters * _dtype_bytes(dtype) * HEADROOM)
    free = available_bytes(device) if bytes_available is None else bytes_available
    return MemoryEstimate(parameters, dtype, needed, free, device)


def is_causal_lm(config) -> bool:
    from transformers import MODEL_FOR_CAUSAL_LM_MAPPING

    if type(config) not in MODEL_FOR_CAUSAL_LM_MAPPING:
        return False
    # BERT-like configs have a causal class too, but their checkpoints are masked LMs (is_decoder off).
    architectures = getattr(config, "architectures", None) or []
    return not architectures or any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)


@dataclass
class LoadedModel:
    hub_id: str
    name: str
    model: Any  # a transformers causal LM in eval mode
    tokenizer: Any  # a transformers fast tokenizer
    source: Source
    device: str
    dtype: str
    parameters: int
    context_length: int
    eos_ids: tuple[int, ...]

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))


def _context_length(config, tokenizer) -> int:
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", 0)
    return limit if 0 < limit < 1_000_000 else 2048


def _eos_ids(model, tokenizer) -> tuple[int, ...]:
    found: set[int] = set()
    for value in (getattr(model.generation_config, "eos_token_id", None), tokenizer.eos_token_id):
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, (list, tuple)):
            found.update(v for v in value if isinstance(v, int))
    return tuple(sorted(found))


def _hub_config(hub_id: str):
    from transformers import AutoConfig

    config_file = hub_file(hub_id, "config.json")
    try:
        return AutoConfig.from_pretrained(str(config_file.path.parent), trust_remote_code=False)
    except (ValueError, KeyError) as err:  # an architecture transformers does not ship
        raise AssetUnavailable(
            f"{hub_id} needs code transformers does not ship (remote code is never run): {err}",
            kind="not-causal-lm") from None


def _check_loadable(hub_id: str, config, device: str, bytes_available: int | None) -> MemoryEstimate:
    if not is_causal_lm(config):
        raise AssetUnavailable(
            f"{hub_id} is a {type(config).__name__.removesuffix('Config')} model, not a causal "
            "language model: it cannot generate text. Pick a model such as "
            f"{CPU_DEFAULT_ID} or gpt2.", kind="not-causal-lm")
    estimate = estimate_memory(config, device, bytes_available=bytes_available)
    if not estimate.fits:
        raise AssetUnavailable(estimate.message(hub_id), kind="too-big")
    return estimate


def _tokenizer(hub_id: str, local_only: bool):
    """The repo's tokenizer.json as a fast tokenizer (AutoTokenizer can rewrite some pre-tokenizers)."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    try:
        hub_file(hub_id, "tokenizer.json")
    except AssetUnavailable:  # repos with vocab.json/merges.txt or a SentencePiece model only
        return AutoTokenizer.from_pretrained(hub_id, trust_remote_code=False, local_files_only=local_only)
    return PreTrainedTokenizerFast.from_pretrained(hub_id, local_files_only=local_only)


def _from_hub(hub_id: str, device: str, bytes_available: int | None) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM

    config = _hub_config(hub_id)
    estimate = _check_loadable(hub_id, config, device, bytes_available)
    local_only = offline() or not hub_reachable()
    try:
        model = AutoModelForCausalLM.from_pretrained(
            hub_id, dtype=getattr(torch, estimate.dtype), trust_remote_code=False,
            device_map=device if device.startswith("cuda") else None, local_files_only=local_only)
        tokenizer = _tokenizer(hub_id, local_only)
    except AssetUnavailable:
        raise
    except OSError as err:
        why = "offline" if local_only else "missing-file"
        raise AssetUnavailable(f"{hub_id}'s weights could not be loaded: {err}", kind=why) from None
    origin = "hub cache" if local_only else "hub"
    source = Source(origin, f"{hub_id} from the {origin}", hub_id)
    return _finish(hub_id, model, tokenizer, source, device, estimate.dtype, estimate.parameters, config)


def _finish(hub_id, model, tokenizer, source, device, dtype, parameters, config) -> LoadedModel:
    model.eval()
    spec = LANGUAGE_MODELS.get(hub_id)
    return LoadedModel(hub_id, spec.name if spec else hub_id, model, tokenizer, source, device, dtype,
                       parameters, _context_length(config, tokenizer), _eos_ids(model, tokenizer))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "--", name)


def _save_converted(model, tokenizer, folder: Path) -> None:
    """Write dequantised weights as safetensors (save_pretrained refuses models read from GGUF)."""
    import json
    import shutil
    import tempfile

    from safetensors.torch import save_model

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + "."))
    try:
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        (staging / "config.json").write_text(json.dumps(config, indent=1))
        save_model(model, str(staging / "model.safetensors"))
        tokenizer.save_pretrained(staging)
        (staging / "complete").write_text("ok\n")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _from_gguf(hub_id: str, device: str, bytes_available: int | None) -> LoadedModel:
    """The packaged GGUF, dequantised once and cached as safetensors (later loads take a second)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    packaged = LANGUAGE_MODELS[hub_id].packaged
    gguf = packaged_path(packaged)
    converted = cache_dir() / "models" / (_safe(hub_id) + "-from-gguf")
    if (converted / "complete").is_file():
        config = AutoConfig.from_pretrained(converted)
        estimate = _check_loadable(hub_id, config, device, bytes_available)
        model = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(converted)
    else:
        config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        estimate = _check_loadable(hub_id, config, device, bytes_available)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        try:
            _save_converted(model, tokenizer, converted)
        except (OSError, ValueError):
            pass  # a read-only cache only costs the next load its conversion time
    if device.startswith("cuda"):
        model = model.to(device)
    source = Source("packaged", packaged.label, str(gguf))
    return _finish(hub_id, model, tokenizer, source, device, "float32", estimate.parameters, config)


def load_model(hub_id: str, *, device: str | None = None, bytes_available: int | None = None) -> LoadedModel:
    """Load a causal LM: hub or hub cache first, the packaged copy when that fails; AssetUnavailable says why."""
    hub_id = hub_id.strip()
    if not hub_id:
        raise AssetUnavailable("Type a model id, e.g. HuggingFaceTB/SmolLM2-135M-Instruct.", kind="invalid-id")
    spec = LANGUAGE_MODELS.get(hub_id)
    has_cuda = cuda_available()
    if spec is not None and spec.notes == "cuda" and not has_cuda:
        raise AssetUnavailable(
            f"{hub_id} needs a CUDA GPU and this machine has none. "
            f"Pick {CPU_DEFAULT_ID}, which runs on a CPU.", kind="no-gpu")
    device = device or ("cuda" if has_cuda else "cpu")
    if device.startswith("cuda") and not has_cuda:
        raise AssetUnavailable("device 'cuda' was asked for but this machine has no CUDA GPU.", kind="no-gpu")
    try:
        return _from_hub(hub_id, device, bytes_available)
    except AssetUnavailable as err:
        if spec is None or spec.packaged is None or err.kind in {"too-big", "not-causal-lm"}:
            raise
        return _from_gguf(hub_id, device, bytes_available)


_loaded: dict[tuple[str, str], LoadedModel] = {}
_load_locks: dict[tuple[str, str], threading.Lock] = {}
_registry_lock = threading.Lock()


def get_model(hub_id: str, *, device: str | None = None) -> LoadedModel:
    """load_model once per process and device, even when many users ask at the same moment."""
    key = (hub_id.strip(), device or "")
    with _registry_lock:
        lock = _load_locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _loaded:
            _loaded[key] = load_model(hub_id, device=device)
        return _loaded[key]
