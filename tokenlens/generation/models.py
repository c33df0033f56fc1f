"""Which causal LM to load on this machine, whether it fits, and loading it (classroom folder, hub,
hub cache or packaged GGUF).

Never `trust_remote_code`: a typed-in id whose architecture transformers does not ship is refused.
Nothing is kept here: `components/resources.py` keeps what the app loads; the CLI loads once.
"""

from __future__ import annotations

import functools
import json
import logging
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from ..catalog import LANGUAGE_MODELS
from ..assets import AssetUnavailable, Source, packaged_path
from ..hub import WEIGHT_FILES, hub_file, hub_reachable, local_snapshot, offline
from ..tokenization.loading import LoadedTokenizer, read_tokenizer_file, tokenizer_nbytes
from ..paths import cache_dir
from ..safe_files import DamagedFile, check_safetensors, quarantine, read_json
from .progress import LoadProgress, reporting

_log = logging.getLogger(__name__)

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
    ids = [i for i, spec in LANGUAGE_MODELS.items() if has_cuda or not spec.needs_cuda]
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

    @property
    def ready_message(self) -> str:
        return f"{self.name} is ready on {self.device}"


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
        read_json(config_file.path)
    except DamagedFile as damage:
        raise AssetUnavailable(f"{hub_id}: the {config_file.origin}'s config.json is damaged ({damage.reason}); "
                               "replace it (`python -m tokenlens assets download --models`).", kind="damaged") from None
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


def _classroom_folder(hub_id: str) -> Path | None:
    """The model's snapshot folder in the classroom folder, when its weights are there."""
    found = local_snapshot(hub_id, WEIGHT_FILES)
    return found.path if found is not None and found.origin == "classroom folder" else None


def _from_hub(hub_id: str, device: str, bytes_available: int | None, progress: LoadProgress,
              read_tokenizer: Callable[[str], ModelTokenizer]) -> LoadedModel:
    """From the classroom folder when it holds the weights, else the hub or huggingface_hub's cache."""
    import torch
    from transformers import AutoModelForCausalLM

    name = _name(hub_id)
    progress.stage(f"Reading {name}'s settings", 0.0, 0.05)
    config = _hub_config(hub_id)  # the classroom folder's first, as every hub file
    progress.stage("Checking that it fits in memory", 0.05, 0.1)
    estimate = _check_loadable(hub_id, config, device, bytes_available)
    classroom = _classroom_folder(hub_id)
    if classroom is not None and (classroom / "model.safetensors").exists():
        try:
            check_safetensors(classroom / "model.safetensors")
        except DamagedFile as damage:
            raise AssetUnavailable(f"{hub_id}: the classroom folder's model.safetensors is damaged "
                                   f"({damage.reason}); replace it.", kind="damaged") from None
    local_only = offline() or not hub_reachable()
    where = "onto the GPU" if device.startswith("cuda") else "into memory"
    progress.stage(f"Building the model and reading its weights {where}", 0.1, 0.85)
    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(classroom) if classroom else hub_id, dtype=getattr(torch, estimate.dtype), trust_remote_code=False,
            device_map=device if device.startswith("cuda") else None, local_files_only=local_only or bool(classroom))
    except OSError as err:
        why = "offline" if local_only else "missing-file"
        raise AssetUnavailable(f"{hub_id}'s weights could not be loaded: {err}", kind=why) from None
    except Exception as err:  # a damaged weights file: safetensors' SafetensorError, torch.load's EOFError...
        if not isinstance(err, (EOFError, pickle.UnpicklingError)) and type(err).__name__ != "SafetensorError":
            raise
        raise AssetUnavailable(f"{hub_id}'s weights are damaged: {err}", kind="damaged") from None
    progress.stage("Reading the tokenizer", 0.85, 0.95)
    tokenizer = read_tokenizer(hub_id).fast
    origin = "classroom folder" if classroom else "hub cache" if local_only else "hub"
    source = Source(origin, f"{hub_id} from the {origin}", str(classroom) if classroom else hub_id)
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
    from safetensors.torch import save_model

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + "."))
    try:
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        (staging / "config.json").write_text(json.dumps(config, indent=1))
        save_model(model, str(staging / "model.safetensors"))
        tokenizer.save_pretrained(staging)
        _publish(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, folder: Path) -> None:
    """Put a fully written folder in place with one rename, marked `complete` inside it first.

    Two servers converting at once each write their own staging folder; the first rename wins and
    the other's copy is dropped, so a folder being read is never removed or half-replaced."""
    (staging / "complete").write_text("ok\n")
    if (folder / "complete").is_file():
        return  # another process published first
    if folder.exists():
        quarantine(folder)  # an unfinished or damaged leftover
    try:
        staging.rename(folder)
    except OSError:
        if not (folder / "complete").is_file():
            raise


def _converted_parts(folder: Path) -> None:
    """DamagedFile unless a converted folder's config.json and weights are whole."""
    read_json(folder / "config.json")
    check_safetensors(folder / "model.safetensors")


def _share_gguf_name_maps() -> None:
    """transformers builds gguf's tensor-name table once per submodule while mapping a GGUF's tensors
    (397 times for SmolLM2-135M: half of a first load). The table depends only on the architecture
    and the layer count, and is only read, so one copy per pair serves every call."""
    import gguf

    if not hasattr(gguf.get_tensor_name_map, "cache_info"):
        gguf.get_tensor_name_map = functools.lru_cache(maxsize=16)(gguf.get_tensor_name_map)


def _from_gguf(hub_id: str, device: str, bytes_available: int | None, progress: LoadProgress,
               read_tokenizer: Callable[[str], ModelTokenizer]) -> LoadedModel:
    """The packaged GGUF, dequantised once and cached as safetensors (later loads take a second)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    packaged = LANGUAGE_MODELS[hub_id].packaged
    gguf = packaged_path(packaged)
    name = _name(hub_id)
    converted = cache_dir() / "models" / (_safe(hub_id) + "-from-gguf")
    model = None
    if (converted / "complete").is_file():
        progress.stage(f"Reading {name}'s settings (converted copy)", 0.0, 0.05)
        try:
            _converted_parts(converted)
            config = AutoConfig.from_pretrained(converted)
            progress.stage("Checking that it fits in memory", 0.05, 0.1)
            estimate = _check_loadable(hub_id, config, device, bytes_available)
            progress.stage("Building the model and reading its weights", 0.1, 0.85)
            model = AutoModelForCausalLM.from_pretrained(converted, config=config, dtype=torch.float32)
        except (DamagedFile, OSError, ValueError) as err:  # checked above, but read by others meanwhile
            moved = quarantine(converted)
            _log.warning("damaged converted model %s (%s); moved to %s, converting again", converted, err, moved)
            model = None
        else:
            progress.stage("Reading the tokenizer", 0.85, 0.95)
            tokenizer = read_tokenizer(hub_id).fast
    if model is None:
        progress.stage(f"Reading {name}'s settings from its GGUF file (first load only)", 0.0, 0.15)
        config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        progress.stage("Checking that it fits in memory", 0.15, 0.2)
        estimate = _check_loadable(hub_id, config, device, bytes_available)
        _share_gguf_name_maps()
        progress.stage("Building the model and reading the GGUF file's tables", 0.2, 0.35, bars={
            "Converting and de-quantizing": (0.35, 0.75), "Loading weights": (0.75, 0.82)})
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, config=config,
                                                     dtype=torch.float32)
        progress.stage("Reading the tokenizer", 0.82, 0.85)
        tokenizer = read_tokenizer(hub_id).fast
        progress.stage("Saving a converted copy: the next load takes seconds", 0.85, 0.95)
        try:
            _save_converted(model, tokenizer, converted)
        except (OSError, ValueError):
            pass  # a read-only cache only costs the next load its conversion time
    if device.startswith("cuda"):
        progress.stage(f"Moving the model to {device}", 0.95, 0.99)
        model = model.to(device)
    source = Source("packaged", packaged.label, str(gguf))
    return _finish(hub_id, model, tokenizer, source, device, "float32", estimate.parameters, config)


def load_model(hub_id: str, *, device: str | None = None, bytes_available: int | None = None,
               progress: LoadProgress | None = None,
               read_tokenizer: Callable[[str], ModelTokenizer] | None = None) -> LoadedModel:
    """Load a causal LM: classroom folder, hub or hub cache first, the packaged copy when that fails;
    AssetUnavailable says why.

    `progress` hears each stage and, through transformers' progress bars, each tensor read.
    `read_tokenizer` gives the model's tokenizer (the app passes its kept one, so the prompt's ids
    shown before generating come from the very tokenizer the model reads with).
    """
    hub_id = hub_id.strip()
    if not hub_id:
        raise AssetUnavailable("Type a model id, e.g. HuggingFaceTB/SmolLM2-135M-Instruct.", kind="invalid-id")
    spec = LANGUAGE_MODELS.get(hub_id)
    has_cuda = cuda_available()
    if spec is not None and spec.needs_cuda and not has_cuda:
        raise AssetUnavailable(
            f"{hub_id} needs a CUDA GPU and this machine has none. "
            f"Pick {CPU_DEFAULT_ID}, which runs on a CPU.", kind="no-gpu")
    device = device or ("cuda" if has_cuda else "cpu")
    if device.startswith("cuda") and not has_cuda:
        raise AssetUnavailable("device 'cuda' was asked for but this machine has no CUDA GPU.", kind="no-gpu")
    progress = progress or LoadProgress()
    read_tokenizer = read_tokenizer or load_model_tokenizer
    with reporting(progress):
        try:
            loaded = _from_hub(hub_id, device, bytes_available, progress, read_tokenizer)
        except AssetUnavailable as err:
            if spec is None or spec.packaged is None or err.kind in {"too-big", "not-causal-lm"}:
                raise
            loaded = _from_gguf(hub_id, device, bytes_available, progress, read_tokenizer)
            if err.kind == "damaged":  # said quietly where the page names the model's source
                loaded.source = replace(loaded.source, label=f"{loaded.source.label}; the local copy is damaged")
    progress.done(loaded.ready_message)
    return loaded


# --- A model's tokenizer alone: the prompt's ids before any weights are read --------------------

@dataclass(frozen=True)
class ModelTokenizer:
    """A causal LM's own tokenizer, loaded without its weights.

    `fast` is the transformers tokenizer the model reads with (chat template, prepare_prompt);
    `view` wraps the same `tokenizers.Tokenizer` for TokenLens's views and decode_ids, so the ids
    shown before generating are the ids the model reads.
    """

    hub_id: str
    name: str
    fast: Any
    view: LoadedTokenizer
    context_length: int

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.fast, "chat_template", None))


def _name(hub_id: str) -> str:
    spec = LANGUAGE_MODELS.get(hub_id)
    return spec.name if spec else hub_id


def _optional_hub_file(hub_id: str, filename: str):
    try:
        return hub_file(hub_id, filename)
    except AssetUnavailable as err:
        if err.kind in {"missing-file", "offline", "not-found"}:
            return None
        raise


def _hub_tokenizer(hub_id: str) -> ModelTokenizer:
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    try:
        found = hub_file(hub_id, "tokenizer.json")
    except AssetUnavailable as err:
        if err.kind not in {"missing-file", "offline"}:
            raise
        found, json_error = None, err
    if found is not None:
        for extra in ("tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"):
            _optional_hub_file(hub_id, extra)  # fetched into the same snapshot folder, if the repo has it
        # The repo's tokenizer.json as is (AutoTokenizer can rewrite some pre-tokenizers).
        fast = PreTrainedTokenizerFast.from_pretrained(str(found.path.parent))
        source = Source(found.origin, f"{hub_id} tokenizer.json ({found.origin})", str(found.path))
    else:  # repos with vocab.json/merges.txt or a SentencePiece model only
        try:
            config_file = hub_file(hub_id, "tokenizer_config.json")
        except AssetUnavailable:
            raise json_error from None  # offline, the first file tried says it best
        try:
            fast = AutoTokenizer.from_pretrained(str(config_file.path.parent), trust_remote_code=False)
        except (OSError, ValueError) as err:
            raise AssetUnavailable(f"{hub_id}'s tokenizer could not be read: {err}", kind="conversion") from None
        if getattr(fast, "backend_tokenizer", None) is None:
            raise AssetUnavailable(f"{hub_id} has only a slow tokenizer that cannot be shown exactly",
                                   kind="conversion")
        source = Source(config_file.origin, f"{hub_id} tokenizer, converted by transformers ({config_file.origin})",
                        str(config_file.path), converted=True)
    try:
        config = _hub_config(hub_id)
    except AssetUnavailable:
        config = None  # tokenizer-only repos: the tokenizer's own limit
    return _model_tokenizer(hub_id, fast, source, _context_length(config, fast))


def _gguf_tokenizer(hub_id: str) -> ModelTokenizer:
    """The tokenizer inside a packaged GGUF, converted once to a tokenizer folder (seconds, not the
    tens of seconds a whole model load takes) and read from that folder afterwards."""
    from transformers import PreTrainedTokenizerFast

    packaged = LANGUAGE_MODELS[hub_id].packaged
    gguf = packaged_path(packaged)
    folder = (cache_dir() / "tokenizers" / "gguf"
              / f"{_safe(hub_id)}--{packaged.pip_name}-{metadata.version(packaged.pip_name)}")
    if (folder / "complete").is_file():
        try:
            return _read_gguf_tokenizer_folder(hub_id, folder, packaged.pip_name, gguf)
        except (DamagedFile, OSError, ValueError, KeyError) as err:
            moved = quarantine(folder)
            _log.warning("damaged tokenizer folder %s (%s); moved to %s, converting again", folder, err, moved)
    # The class itself, not AutoTokenizer: that also rebuilds the model's config from the GGUF (slow).
    fast = PreTrainedTokenizerFast.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    _save_tokenizer_folder(fast, folder, {"context_length": _gguf_context_length(gguf)})
    return _read_gguf_tokenizer_folder(hub_id, folder, packaged.pip_name, gguf)


def _read_gguf_tokenizer_folder(hub_id: str, folder: Path, pip_name: str, gguf: Path) -> ModelTokenizer:
    from transformers import PreTrainedTokenizerFast

    read_tokenizer_file(folder / "tokenizer.json")  # DamagedFile before transformers' own errors
    facts = read_json(folder / "tokenlens.json")
    fast = PreTrainedTokenizerFast.from_pretrained(str(folder))
    source = Source("packaged", f"{_name(hub_id)} tokenizer from the GGUF in the {pip_name} package",
                    str(gguf), converted=True)
    return _model_tokenizer(hub_id, fast, source, int(facts["context_length"]))


def _gguf_context_length(gguf: Path) -> int:
    from transformers.integrations.gguf import read_gguf_metadata

    found, _ = read_gguf_metadata(str(gguf))
    value = found.get(f"{found['general.architecture']}.context_length")
    return int(value) if value else 2048


def _save_tokenizer_folder(fast, folder: Path, facts: dict) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + "."))
    try:
        fast.save_pretrained(staging)
        (staging / "tokenlens.json").write_text(json.dumps(facts))
        _publish(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _model_tokenizer(hub_id: str, fast, source: Source, context_length: int) -> ModelTokenizer:
    from ..tokenization.loading import guess_algorithm as _guess_algorithm

    backend = fast.backend_tokenizer
    view = LoadedTokenizer(hub_id, _name(hub_id), _guess_algorithm(backend), backend, source)
    return ModelTokenizer(hub_id, _name(hub_id), fast, view, context_length)


def load_model_tokenizer(hub_id: str) -> ModelTokenizer:
    """A model's tokenizer from the hub or its cache, else from the model's packaged GGUF."""
    hub_id = hub_id.strip()
    spec = LANGUAGE_MODELS.get(hub_id)
    try:
        return _hub_tokenizer(hub_id)
    except AssetUnavailable as err:
        if spec is None or spec.packaged is None or err.kind == "invalid-id":
            raise
        try:
            return _gguf_tokenizer(hub_id)
        except AssetUnavailable as packaged_err:
            raise AssetUnavailable(f"{err.reason} Packaged copy: {packaged_err.reason}", kind=err.kind) from None


def tokenizer_bytes(tokenizer: ModelTokenizer) -> int:
    """About what a model's tokenizer holds: `fast` and `view` share one tokenizers.Tokenizer (RSS per
    copy measured here: GPT-2 8, Phi-3 8, SmolLM2 6-9, Qwen2.5 26-30 MiB; the estimate says 12, 8, 12, 34)."""
    return tokenizer_nbytes(tokenizer.view.tokenizer)


def chat_by_default(hub_id: str, tokenizer: ModelTokenizer | None) -> bool:
    """Whether the chat-template switch starts on for a model: on where its tokenizer (None: none
    could be had) has a chat template, off for the book's Phi-3 (the book wrote its <|assistant|>
    marker by hand)."""
    return hub_id.strip() not in ("", PHI3_ID) and tokenizer is not None and tokenizer.has_chat_template
