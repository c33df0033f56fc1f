"""Cut a text into tokens with everything a view needs: id, piece, bytes, span, special, group.

Family quirks stay here: Ġ (byte-level BPE), ▁ and <0xNN> (SentencePiece byte fallback), ##
(WordPiece). Tokens that each hold part of a UTF-8 character are grouped so that a view never
shows a lone "�"; the group's bytes form whole characters.
"""

from __future__ import annotations

import codecs
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from tokenizers import Tokenizer

from ..assets import AssetUnavailable, Source
from .loading import LoadedTokenizer, load_tokenizer
from .standins import bytes_to_unicode

_BYTE_FALLBACK = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class Token(NamedTuple):
    """One token. A NamedTuple: pages build tens of thousands of these per keystroke."""

    id: int
    piece: str  # the id decoded alone, as the book prints it
    text: str  # what the token stands for (its bytes as text; WordPiece keeps "##")
    raw: bytes  # its bytes
    start: int  # character span in the input; start == end for tokens the text doesn't contain
    end: int
    special: bool
    group: int  # tokens with the same group form whole characters together


class TokenGroup(NamedTuple):
    """One or more tokens shown as one unit: usually one token, several for split characters."""

    tokens: tuple[Token, ...]
    text: str
    start: int
    end: int

    @property
    def special(self) -> bool:
        return self.tokens[0].special

    @property
    def split_character(self) -> bool:
        return len(self.tokens) > 1


@dataclass(frozen=True)
class Stats:
    tokens: int
    characters: int
    bytes: int
    unknown: int
    special: int
    vocab_size: int

    @property
    def chars_per_token(self) -> float:
        return self.characters / self.tokens if self.tokens else 0.0

    @property
    def bytes_per_token(self) -> float:
        return self.bytes / self.tokens if self.tokens else 0.0


@dataclass(frozen=True)
class Tokenized:
    hub_id: str
    name: str
    algorithm: str
    source_label: str
    text: str
    tokens: tuple[Token, ...]
    groups: tuple[TokenGroup, ...]
    stats: Stats

    @property
    def ids(self) -> list[int]:
        return [token.id for token in self.tokens]


@dataclass
class _Vocabulary:
    """Per-tokenizer facts, computed once: how to turn a vocabulary entry into bytes."""

    mode: str  # "byte-level" | "sentencepiece" | "wordpiece" | "plain"
    special_ids: frozenset[int]
    unk_id: int | None
    vocab_size: int
    pieces: dict[int, tuple[str, str, bytes]] = field(default_factory=dict)  # id -> piece, text, raw
    lock: threading.Lock = field(default_factory=threading.Lock)


# Weak keys: an id() key could be reused by a later tokenizer once this one is freed, and that
# tokenizer would then be shown with these pieces.
_vocabularies: weakref.WeakKeyDictionary[Tokenizer, _Vocabulary] = weakref.WeakKeyDictionary()
_vocabularies_lock = threading.Lock()


def _vocabulary(tokenizer: Tokenizer) -> _Vocabulary:
    with _vocabularies_lock:
        found = _vocabularies.get(tokenizer)
    if found is not None:
        return found
    decoder = tokenizer.decoder.__getstate__().decode("utf-8", "replace") if tokenizer.decoder else ""
    model = type(tokenizer.model).__name__
    if "ByteLevel" in decoder:
        mode = "byte-level"
    elif "ByteFallback" in decoder or "Metaspace" in decoder or "\u2581" in decoder or model == "Unigram":
        mode = "sentencepiece"
    elif model == "WordPiece":
        mode = "wordpiece"
    else:
        mode = "plain"
    added = tokenizer.get_added_tokens_decoder()
    unk_token = getattr(tokenizer.model, "unk_token", None)
    vocabulary = _Vocabulary(
        mode=mode,
        special_ids=frozenset(i for i, token in added.items() if token.special),
        unk_id=tokenizer.token_to_id(unk_token) if unk_token else None,
        vocab_size=tokenizer.get_vocab_size(with_added_tokens=True),
    )
    with _vocabularies_lock:
        return _vocabularies.setdefault(tokenizer, vocabulary)


_BYTE_DECODER = {char: byte for byte, char in bytes_to_unicode().items()}


def _token_bytes(entry: str, mode: str) -> bytes:
    if mode == "byte-level" and all(char in _BYTE_DECODER for char in entry):
        return bytes(_BYTE_DECODER[char] for char in entry)
    if mode == "sentencepiece":
        match = _BYTE_FALLBACK.fullmatch(entry)
        if match:
            return bytes([int(match.group(1), 16)])
        return entry.replace("\u2581", " ").encode("utf-8")
    if mode == "wordpiece" and entry.startswith("##"):
        return entry[2:].encode("utf-8")
    return entry.encode("utf-8")


def _describe(tokenizer: Tokenizer, vocabulary: _Vocabulary, ids: list[int]) -> None:
    """Fill the vocabulary's cache for ids not seen before (one batched decode call)."""
    with vocabulary.lock:
        missing = sorted({i for i in ids if i not in vocabulary.pieces})
    if not missing:
        return
    pieces = tokenizer.decode_batch([[i] for i in missing], skip_special_tokens=False)
    described = {}
    for token_id, piece in zip(missing, pieces):
        entry = tokenizer.id_to_token(token_id)
        if entry is None:
            raise ValueError(f"id {token_id} is not in the vocabulary")
        if token_id in vocabulary.special_ids:
            raw = entry.encode("utf-8")
        else:
            raw = _token_bytes(entry, vocabulary.mode)
        text = entry if vocabulary.mode == "wordpiece" else raw.decode("utf-8", "replace")
        described[token_id] = (piece, text, raw)
    with vocabulary.lock:
        vocabulary.pieces.update(described)


def _is_complete(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _group_bounds(raws: list[bytes], specials: list[bool]) -> list[tuple[int, int, str | None]]:
    """(first, past-last, joined text or None) of each run whose bytes form whole characters only
    together; a complete token is a run of one with text None."""
    bounds = []
    i = 0
    while i < len(raws):
        if specials[i] or _is_complete(raws[i]):
            bounds.append((i, i + 1, None))
            i += 1
            continue
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        text = ""
        j = i
        while j < len(raws) and not specials[j]:
            text += decoder.decode(raws[j])
            j += 1
            if decoder.getstate()[0] == b"":  # no bytes left waiting for the rest of a character
                break
        bounds.append((i, j, text + decoder.decode(b"", final=True)))
        i = j
    return bounds


def tokenize(loaded: LoadedTokenizer, text: str, *, add_special_tokens: bool = True) -> Tokenized:
    """Tokenize `text` exactly as the tokenizer does, with views' details attached.

    >>> [t.piece for t in tokenize(load_tokenizer("gpt2"), "Hello world").tokens]
    ['Hello', ' world']
    """
    tokenizer = loaded.tokenizer
    vocabulary = _vocabulary(tokenizer)
    encoding = tokenizer.encode(text, add_special_tokens=add_special_tokens)
    ids = encoding.ids
    _describe(tokenizer, vocabulary, ids)
    described = [vocabulary.pieces[i] for i in ids]
    # [UNK] is a special token of the vocabulary, but here it stands for text: shown as such.
    specials = [(bool(mask) or i in vocabulary.special_ids) and i != vocabulary.unk_id
                for i, mask in zip(ids, encoding.special_tokens_mask)]
    offsets = encoding.offsets
    tokens: list[Token] = []
    groups: list[TokenGroup] = []
    for number, (first, last, joined) in enumerate(_group_bounds([d[2] for d in described], specials)):
        if joined is None:  # the common case: one token that is whole characters by itself
            piece, token_text, raw = described[first]
            start, end = offsets[first]
            token = Token(ids[first], piece, token_text, raw, start, end, specials[first], number)
            tokens.append(token)
            groups.append(TokenGroup((token,), token_text, start, end))
            continue
        members = tuple(
            Token(ids[k], described[k][0], described[k][1], described[k][2], offsets[k][0], offsets[k][1],
                  specials[k], number)
            for k in range(first, last)
        )
        tokens.extend(members)
        groups.append(TokenGroup(members, joined, min(m.start for m in members), max(m.end for m in members)))
    stats = Stats(
        tokens=len(ids),
        characters=len(text),
        bytes=len(text.encode("utf-8", "surrogatepass")),
        unknown=sum(1 for i in ids if i == vocabulary.unk_id),
        special=sum(specials),
        vocab_size=vocabulary.vocab_size,
    )
    return Tokenized(loaded.hub_id, loaded.name, loaded.algorithm, loaded.source.label, text,
                     tuple(tokens), tuple(groups), stats)


def decode_ids(loaded: LoadedTokenizer, ids: list[int]) -> str:
    """The text of a list of ids (the book's tokenizer.decode); unknown ids raise ValueError."""
    size = _vocabulary(loaded.tokenizer).vocab_size
    bad = [i for i in ids if not 0 <= i < size or loaded.tokenizer.id_to_token(i) is None]
    if bad:
        raise ValueError(f"not in {loaded.hub_id}'s vocabulary (0..{size - 1}): {', '.join(map(str, bad))}")
    return loaded.tokenizer.decode(ids, skip_special_tokens=False)


def parse_ids(text: str) -> list[int]:
    """Ids typed by a person: '3323 622', '[3323, 622]', '3323,622'. ValueError names the bad part."""
    parts = [part for part in re.split(r"[\s,\[\]()]+", text.strip()) if part]
    ids = []
    for part in parts:
        if not re.fullmatch(r"\d{1,9}", part):
            raise ValueError(f"{part!r} is not a token id (ids are whole numbers like 3323)")
        ids.append(int(part))
    return ids


@dataclass(frozen=True)
class TokenizerResult:
    """One tokenizer's answer for a text: tokens, or the reason it could not load."""

    hub_id: str
    tokenized: Tokenized | None
    error: str | None
    source: Source | None = None
    error_kind: str | None = None  # AssetUnavailable.kind: "offline", "gated", "not-found", ...


def tokenize_with(hub_ids: list[str], text: str, *,
                  load: Callable[[str], LoadedTokenizer] = load_tokenizer,
                  cut: Callable[[LoadedTokenizer, str], Tokenized] | None = None) -> list[TokenizerResult]:
    """Tokenize one text with several tokenizers; the page, the CLI and tests all call this.

    `load` and `cut` let the page pass its st.cache_resource loader and result cache; a failure to
    load is an answer, not an error.
    """
    cut = cut or tokenize
    results = []
    for hub_id in hub_ids:
        try:
            loaded = load(hub_id)
        except AssetUnavailable as err:
            results.append(TokenizerResult(hub_id, None, err.reason, error_kind=err.kind))
            continue
        results.append(TokenizerResult(hub_id, cut(loaded, text), None, loaded.source))
    return results


def result_to_json(result: TokenizerResult) -> dict:
    """The CLI's --json shape for one tokenizer."""
    document: dict = {"tokenizer": result.hub_id,
                      "source": result.source.label if result.source else None}
    if result.error:
        document["error"] = result.error
        document["tokens"] = []
        return document
    assert result.tokenized is not None
    document["tokens"] = [
        {"id": t.id, "piece": t.piece, "start": t.start, "end": t.end} for t in result.tokenized.tokens
    ]
    return document


def stats_rows(results: list[TokenizerResult]) -> list[dict]:
    """One row per loaded tokenizer for the stats table and chart (and its CSV)."""
    rows = []
    for result in results:
        if result.tokenized is None:
            continue
        stats = result.tokenized.stats
        rows.append({
            "name": result.tokenized.name,
            "tokenizer": result.hub_id,
            "algorithm": result.tokenized.algorithm,
            "tokens": stats.tokens,
            "characters": stats.characters,
            "bytes": stats.bytes,
            "chars/token": round(stats.chars_per_token, 3),
            "bytes/token": round(stats.bytes_per_token, 3),
            "unknown": stats.unknown,
            "special": stats.special,
            "vocab size": stats.vocab_size,
            "source": result.source.label if result.source else "",
        })
    fewest = min((row["tokens"] for row in rows), default=0)
    for row in rows:  # what a context window or a bill pays, relative to the thriftiest tokenizer
        row["vs fewest"] = round(row["tokens"] / fewest, 2) if fewest else None
    return rows


def token_rows(tokenized: Tokenized) -> list[dict]:
    """Every token of one tokenizer, for the details table: what hovering shows, all at once."""
    return [
        {
            "#": position,
            "id": token.id,
            "piece": token.piece,
            "repr": repr(token.text),
            "bytes": token.raw.hex(" "),
            "start": token.start,
            "end": token.end,
            "text covered": tokenized.text[token.start:token.end],
            "special": token.special,
            "joined with neighbours": len(tokenized.groups[token.group].tokens) > 1,
        }
        for position, token in enumerate(tokenized.tokens)
    ]
