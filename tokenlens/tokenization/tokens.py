"""Cut a text into tokens with everything a view needs: id, piece, bytes, span, special, group.

Family quirks stay here: Ġ (byte-level BPE), ▁ and <0xNN> (SentencePiece byte fallback), ##
(WordPiece). Tokens that each hold part of a UTF-8 character are grouped so that a view never
shows a lone "�"; the group's bytes form whole characters.

A result is kept compact: a few arrays and strings per text, not tens of thousands of Python
objects (a server keeps many results). `Token`s and `TokenGroup`s are made when read.
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np
from tokenizers import Tokenizer

from ..assets import AssetUnavailable, Source
from .loading import LoadedTokenizer, load_tokenizer, tokenizer_family, unknown_id
from .regex_guard import TokenizerFailed, encode
from .standins import bytes_to_unicode

BYTE_FALLBACK = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class Token(NamedTuple):
    """One token, as read from a `Tokenized` result."""

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


class _Packed:
    """Many strings (or bytes) as one object plus offsets: two objects instead of thousands."""

    __slots__ = ("data", "offsets")

    def __init__(self, items: list, empty: str | bytes):
        self.data = empty.join(items)
        self.offsets = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum([len(item) for item in items], out=self.offsets[1:])

    def __getitem__(self, index: int):
        return self.data[self.offsets[index]:self.offsets[index + 1]]

    def tolist(self) -> list:
        data, offsets = self.data, self.offsets.tolist()
        return [data[a:b] for a, b in zip(offsets, offsets[1:])]

    @property
    def nbytes(self) -> int:
        return sys.getsizeof(self.data) + self.offsets.nbytes


class Columns(NamedTuple):
    """A result's tokens as columns (one entry per token), for code that reads them all at once."""

    ids: np.ndarray  # int32
    starts: np.ndarray  # int32, character spans
    ends: np.ndarray
    special: np.ndarray  # bool
    group_bounds: np.ndarray  # int32, len(groups) + 1: group g is tokens group_bounds[g]:group_bounds[g + 1]
    group_starts: np.ndarray  # int32, each group's span
    group_ends: np.ndarray


@dataclass(frozen=True, eq=False)
class Tokenized:
    hub_id: str
    name: str
    algorithm: str
    source_label: str
    text: str
    stats: Stats
    _columns: Columns
    _slots: np.ndarray  # per token: its row in the tables of distinct ids below
    _pieces: _Packed  # per distinct id: the id decoded alone
    _texts: _Packed  # per distinct id: what it stands for
    _raws: _Packed  # per distinct id: its bytes
    _split_groups: np.ndarray  # the groups of several tokens (split characters), ascending
    _split_texts: _Packed  # their joined text

    @property
    def ids(self) -> list[int]:
        return self._columns.ids.tolist()

    @property
    def columns(self) -> Columns:
        return self._columns

    @property
    def tokens(self) -> Sequence[Token]:
        return _TokenView(self)

    @property
    def groups(self) -> Sequence[TokenGroup]:
        return _GroupView(self)

    @property
    def nbytes(self) -> int:
        """The bytes this result holds (its arrays, strings and their objects), for cache budgets."""
        arrays = sum(a.nbytes for a in (*self._columns, self._slots, self._split_groups))
        packed = sum(p.nbytes for p in (self._pieces, self._texts, self._raws, self._split_texts))
        strings = sum(sys.getsizeof(s) for s in (self.hub_id, self.name, self.algorithm, self.source_label, self.text))
        objects = 13 * 112 + 4 * 56  # the arrays' and packed columns' own Python objects
        return arrays + packed + strings + objects + sys.getsizeof(self)

    def token(self, index: int) -> Token:
        c, slot = self._columns, int(self._slots[index])
        group = int(np.searchsorted(c.group_bounds, index, side="right")) - 1
        return Token(int(c.ids[index]), self._pieces[slot], self._texts[slot], self._raws[slot],
                     int(c.starts[index]), int(c.ends[index]), bool(c.special[index]), group)

    def group(self, index: int) -> TokenGroup:
        c = self._columns
        members = tuple(self.token(i) for i in range(int(c.group_bounds[index]), int(c.group_bounds[index + 1])))
        split = int(np.searchsorted(self._split_groups, index))
        if split < len(self._split_groups) and self._split_groups[split] == index:
            text = self._split_texts[split]
        else:
            text = members[0].text
        return TokenGroup(members, text, int(c.group_starts[index]), int(c.group_ends[index]))

    def _iter_tokens(self) -> Iterator[Token]:
        """Every token, made one at a time: reading a long text never holds them all at once."""
        c = self._columns
        pieces, texts, raws = self._pieces.tolist(), self._texts.tolist(), self._raws.tolist()
        sizes = np.diff(c.group_bounds)
        groups = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes).tolist()
        for token_id, slot, start, end, special, group in zip(c.ids.tolist(), self._slots.tolist(), c.starts.tolist(),
                                                              c.ends.tolist(), c.special.tolist(), groups):
            yield Token(token_id, pieces[slot], texts[slot], raws[slot], start, end, special, group)

    def _iter_groups(self) -> Iterator[TokenGroup]:
        c = self._columns
        tokens = self._iter_tokens()
        bounds = c.group_bounds.tolist()
        joined = dict(zip(self._split_groups.tolist(), self._split_texts.tolist()))
        for index, (first, last, start, end) in enumerate(zip(bounds, bounds[1:], c.group_starts.tolist(),
                                                              c.group_ends.tolist())):
            members = tuple(islice(tokens, last - first))
            yield TokenGroup(members, joined.get(index, members[0].text), start, end)


class _View(Sequence):
    """A result's tokens or groups, made on access."""

    def __init__(self, tokenized: Tokenized):
        self._tokenized = tokenized

    def _one(self, index: int):
        raise NotImplementedError

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._one(i) for i in range(*index.indices(len(self)))]
        size = len(self)
        if not -size <= index < size:
            raise IndexError(index)
        return self._one(index % size)

    def __eq__(self, other):
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class _TokenView(_View):
    def __len__(self) -> int:
        return len(self._tokenized.columns.ids)

    def _one(self, index: int) -> Token:
        return self._tokenized.token(index)

    def __iter__(self) -> Iterator[Token]:
        return self._tokenized._iter_tokens()


class _GroupView(_View):
    def __len__(self) -> int:
        return len(self._tokenized.columns.group_bounds) - 1

    def _one(self, index: int) -> TokenGroup:
        return self._tokenized.group(index)

    def __iter__(self) -> Iterator[TokenGroup]:
        return self._tokenized._iter_groups()


class VocabularyFacts(NamedTuple):
    """Per-tokenizer facts every tokenize needs. Reading them is not cheap for a Unigram model (its
    unk id is only in its serialised state: 25 ms for flan-t5), so components/resources keeps them."""

    spelling: str  # tokenizer_family's: how a vocabulary entry spells its bytes
    special_ids: frozenset[int]
    unk_id: int | None
    vocab_size: int


def vocabulary_facts(tokenizer: Tokenizer) -> VocabularyFacts:
    added = tokenizer.get_added_tokens_decoder()
    return VocabularyFacts(
        spelling=tokenizer_family(tokenizer).spelling,
        special_ids=frozenset(i for i, token in added.items() if token.special),
        unk_id=unknown_id(tokenizer),
        vocab_size=tokenizer.get_vocab_size(with_added_tokens=True),
    )


BYTE_DECODER = {char: byte for byte, char in bytes_to_unicode().items()}


def entry_bytes(entry: str, spelling: str) -> bytes:
    """The bytes a vocabulary entry stands for, by how its family spells them (Ġ, ▁, <0xNN>, ##)."""
    if spelling == "byte-level" and all(char in BYTE_DECODER for char in entry):
        return bytes(BYTE_DECODER[char] for char in entry)
    if spelling == "sentencepiece":
        match = BYTE_FALLBACK.fullmatch(entry)
        if match:
            return bytes([int(match.group(1), 16)])
        return entry.replace("\u2581", " ").encode("utf-8")
    if spelling == "wordpiece" and entry.startswith("##"):
        return entry[2:].encode("utf-8")
    return entry.encode("utf-8")


def _describe(tokenizer: Tokenizer, vocabulary: VocabularyFacts, ids: list[int]) -> tuple[list, list, list]:
    """Pieces, texts and bytes of distinct ids (one batched decode call)."""
    pieces = tokenizer.decode_batch([[i] for i in ids], skip_special_tokens=False)
    texts, raws = [], []
    for token_id in ids:
        entry = tokenizer.id_to_token(token_id)
        if entry is None:
            raise ValueError(f"id {token_id} is not in the vocabulary")
        raw = entry.encode("utf-8") if token_id in vocabulary.special_ids else entry_bytes(entry, vocabulary.spelling)
        texts.append(entry if vocabulary.spelling == "wordpiece" else raw.decode("utf-8", "replace"))
        raws.append(raw)
    return pieces, texts, raws


def _is_complete(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _group_bounds(raws: list[bytes], specials: list[bool], whole: list[bool]) -> tuple[list[int], dict[int, str]]:
    """Where each group starts (then the end), and the joined text of each group of several tokens.

    A special token, or one whose bytes are whole characters, is a group of one; otherwise tokens
    join until no bytes wait for the rest of a character (or a special token comes)."""
    firsts: list[int] = []
    joined: dict[int, str] = {}
    i = 0
    while i < len(raws):
        firsts.append(i)
        if whole[i]:
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
        joined[len(firsts) - 1] = text + decoder.decode(b"", final=True)
        i = j
    firsts.append(len(raws))
    return firsts, joined


def tokenize(loaded: LoadedTokenizer, text: str, *, add_special_tokens: bool = True,
             facts: VocabularyFacts | None = None) -> Tokenized:
    """Tokenize `text` exactly as the tokenizer does, with views' details attached (`facts`: the
    tokenizer's vocabulary_facts, when kept).

    >>> [t.piece for t in tokenize(load_tokenizer("gpt2"), "Hello world").tokens]
    ['Hello', ' world']
    """
    tokenizer = loaded.tokenizer
    vocabulary = facts or vocabulary_facts(tokenizer)
    encoding = encode(tokenizer, text, loaded.name, add_special_tokens=add_special_tokens)
    ids = np.array(encoding.ids, dtype=np.int32)
    distinct, slots = np.unique(ids, return_inverse=True)
    slots = slots.astype(np.int32).reshape(-1)
    pieces, texts, raws = _describe(tokenizer, vocabulary, distinct.tolist())
    # [UNK] is a special token of the vocabulary, but here it stands for text: shown as such.
    special = np.array(encoding.special_tokens_mask, dtype=bool).reshape(-1)
    special |= np.isin(ids, np.fromiter(vocabulary.special_ids, dtype=np.int64, count=len(vocabulary.special_ids)))
    if vocabulary.unk_id is not None:
        special &= ids != vocabulary.unk_id
    complete = np.array([_is_complete(raw) for raw in raws], dtype=bool)
    whole = special | complete[slots] if len(ids) else special
    slot_list = slots.tolist()
    firsts, joined = _group_bounds([raws[s] for s in slot_list], special.tolist(), whole.tolist())
    offsets = np.array(encoding.offsets, dtype=np.int32).reshape(-1, 2)
    bounds = np.array(firsts, dtype=np.int32)
    starts, ends = offsets[:, 0].copy(), offsets[:, 1].copy()
    if len(ids):
        group_starts = np.minimum.reduceat(starts, bounds[:-1]).astype(np.int32)
        group_ends = np.maximum.reduceat(ends, bounds[:-1]).astype(np.int32)
    else:
        group_starts = group_ends = np.zeros(0, dtype=np.int32)
    split_groups = sorted(joined)
    stats = Stats(
        tokens=len(ids),
        characters=len(text),
        bytes=len(text.encode("utf-8", "surrogatepass")),
        unknown=int(np.count_nonzero(ids == vocabulary.unk_id)) if vocabulary.unk_id is not None else 0,
        special=int(np.count_nonzero(special)),
        vocab_size=vocabulary.vocab_size,
    )
    return Tokenized(
        loaded.hub_id, loaded.name, loaded.algorithm, loaded.source.label, text, stats,
        Columns(ids, starts, ends, special, bounds, group_starts, group_ends), slots,
        _Packed(pieces, ""), _Packed(texts, ""), _Packed(raws, b""),
        np.array(split_groups, dtype=np.int32), _Packed([joined[g] for g in split_groups], ""),
    )


def decode_ids(loaded: LoadedTokenizer, ids: list[int]) -> str:
    """The text of a list of ids (the book's tokenizer.decode); unknown ids raise ValueError."""
    size = loaded.tokenizer.get_vocab_size(with_added_tokens=True)
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
    load, or one tokenizer failing on this text, is an answer for that tokenizer, not an error.
    """
    cut = cut or tokenize
    results = []
    for hub_id in hub_ids:
        try:
            loaded = load(hub_id)
        except AssetUnavailable as err:
            results.append(TokenizerResult(hub_id, None, err.reason, error_kind=err.kind))
            continue
        try:
            tokenized = cut(loaded, text)
        except TokenizerFailed as err:
            results.append(TokenizerResult(hub_id, None, err.reason, loaded.source, error_kind="tokenizer-failed"))
            continue
        results.append(TokenizerResult(hub_id, tokenized, None, loaded.source))
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


TOKEN_ROW_COLUMNS = ("#", "id", "piece", "repr", "bytes", "start", "end", "text covered", "special",
                     "joined with neighbours")


def token_rows(tokenized: Tokenized) -> list[dict]:
    """Every token of one tokenizer, for the details table: what hovering shows, all at once."""
    group_sizes = np.diff(tokenized.columns.group_bounds).tolist()
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
            "joined with neighbours": group_sizes[token.group] > 1,
        }
        for position, token in enumerate(tokenized.tokens)
    ]
