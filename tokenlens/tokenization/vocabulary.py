"""Two vocabularies side by side: sizes, overlap, token lengths, search, added tokens, and the entries
that encoding their own text never gives back.

Every entry is compared by its surface string, the text it stands for, never by its id:
  - byte-level BPE: the entry's characters mapped back to bytes (Ġ is a space);
  - SentencePiece: ▁ is a space, <0xNN> is that one byte;
  - WordPiece: a word-initial piece is its text ("the": BERT's pieces hold no space, its pre-tokenizer
    drops them); a "##" continuation piece stands for text glued to the piece before it, which no
    other family marks, so it only matches another WordPiece vocabulary's continuation piece.
Entries whose bytes are not valid UTF-8 on their own (parts of a character) are byte fragments:
compared as bytes, never encoded. Added and special tokens are listed apart and left out of the rest.

"Produced from its own text" is checked by encoding, all entries in one batch:
  - byte-level BPE, WordPiece word-initial pieces: the surface text alone must give [that id];
  - WordPiece continuations and every SentencePiece piece need a word start before them (the
    tokenizer adds ▁ itself at a word's start): `word_start + text` must give the ids of
    `word_start` followed by that id. `word_start` is a letter that no other entry contains, so no
    merge, match or segment can cross from it into the text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
from tokenizers import Tokenizer

from ..catalog import BOOK_TOKENIZERS
from ..url_state import Field
from .loading import LoadedTokenizer, tokenizer_family
from .tokens import BYTE_DECODER, BYTE_FALLBACK, entry_bytes

VOCABULARY_FIELDS = (
    Field("vocab_a", "gpt2", choices=BOOK_TOKENIZERS),
    Field("vocab_b", "Xenova/gpt-4", choices=BOOK_TOKENIZERS),
    Field("vocab_q", "", max_chars=100),
)

# What an entry is (the `kinds` column).
WHOLE = 0  # stands for whole characters and can start a word (or a text)
CONTINUATION = 1  # only ever follows another piece of the same word (WordPiece ##, SentencePiece without ▁)
BYTE = 2  # a SentencePiece byte-fallback entry (<0x41>) whose byte is a whole ASCII character
FRAGMENT = 3  # bytes that are not valid UTF-8 alone: part of a character
ADDED = 4  # an added token that is not special
SPECIAL = 5  # a special token: matched as a whole string before the model runs
KIND_NAMES = {WHOLE: "whole", CONTINUATION: "continuation", BYTE: "byte fallback", FRAGMENT: "byte fragment",
              ADDED: "added", SPECIAL: "special"}

# Whether encoding an entry's own text gives it back (the `reached` column).
REACHED, NOT_REACHED, NOT_CHECKED = 1, 0, -1
IN_NO_TEXT = -2  # a byte fragment that no valid UTF-8 text contains (a byte like C0 or FF): never produced

# Whitespace as marks, other control characters as their Unicode control pictures (␀, ␛...): fonts
# draw them as empty boxes otherwise.
_WHITESPACE_MARKS = str.maketrans({**{code: chr(0x2400 + code) for code in range(32)}, 0x7F: "␡",
                                   " ": "␣", "\n": "↵", "\t": "→", "\r": "␍"})


def shown_text(text: str) -> str:
    """A surface string for tables and chips: a space or newline would be invisible there."""
    return text.translate(_WHITESPACE_MARKS)


def shown_bytes(raw: bytes) -> str:
    """A byte fragment as its hex bytes (it has no characters to show)."""
    return "⟨" + " ".join(f"{byte:02x}" for byte in raw) + "⟩"


class _Strings:
    """Many short strings as one UTF-8 (or byte) blob and offsets: a 150k vocabulary in ~2 MB."""

    def __init__(self, items: list[bytes]):
        self.blob = b"".join(items)
        self.offsets = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum([len(item) for item in items], out=self.offsets[1:])

    def __getitem__(self, index: int) -> bytes:
        return self.blob[self.offsets[index]:self.offsets[index + 1]]

    @property
    def nbytes(self) -> int:
        return len(self.blob) + self.offsets.nbytes


@dataclass(frozen=True)
class VocabularyAnalysis:
    """One tokenizer's vocabulary, one row per entry in id order (compact columns)."""

    hub_id: str
    name: str
    algorithm: str
    spelling: str  # tokenizer_family's: byte-level, sentencepiece, wordpiece or plain
    ids: np.ndarray  # int32, ascending (ids may have gaps: cl100k's specials start at 100257)
    kinds: np.ndarray  # uint8, see WHOLE... SPECIAL
    reached: np.ndarray  # int8, see REACHED, NOT_REACHED, NOT_CHECKED
    lengths: np.ndarray  # int32, characters of the surface string (-1 for byte fragments)
    entries: _Strings  # the vocabulary's own spelling (Ġthe, ▁the, ##the), UTF-8
    surfaces: _Strings  # the bytes each entry stands for
    word_start: str  # what precedes continuation and SentencePiece pieces when checked ("" if none)
    probe_outputs: dict[int, tuple[int, ...]]  # for entries not reached: what their own text gave instead

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        columns = self.ids.nbytes + self.kinds.nbytes + self.reached.nbytes + self.lengths.nbytes
        outputs = sum(120 + 8 * len(found) for found in self.probe_outputs.values())
        return columns + self.entries.nbytes + self.surfaces.nbytes + outputs

    def entry(self, row: int) -> str:
        return self.entries[row].decode("utf-8")

    def surface(self, row: int) -> bytes:
        return self.surfaces[row]

    def text(self, row: int) -> str:
        """The surface string; a byte fragment as its hex bytes."""
        raw = self.surfaces[row]
        return shown_bytes(raw) if self.kinds[row] == FRAGMENT else raw.decode("utf-8")

    def shown(self, row: int) -> str:
        """The surface string as a table shows it: whitespace visible, ## kept on continuations."""
        marker = "##" if self.spelling == "wordpiece" and self.kinds[row] == CONTINUATION else ""
        text = self.text(row)
        return marker + (text if self.kinds[row] == FRAGMENT else shown_text(text))

    def row_of(self, token_id: int) -> int:
        row = int(np.searchsorted(self.ids, token_id))
        if row >= len(self.ids) or self.ids[row] != token_id:
            raise KeyError(token_id)
        return row

    def rows(self, kind: int) -> np.ndarray:
        return np.flatnonzero(self.kinds == kind)

    @property
    def regular_rows(self) -> np.ndarray:
        """Entries of the model's own vocabulary (added and special tokens left out)."""
        return np.flatnonzero(self.kinds < ADDED)

    @property
    def unreached_rows(self) -> np.ndarray:
        return np.flatnonzero(self.reached == NOT_REACHED)

    def probe_text(self, row: int) -> str:
        """The text encoded to check an entry: its surface string, after `word_start` where needed."""
        return self._prefix(int(self.kinds[row])) + self.surfaces[row].decode("utf-8")

    def _prefix(self, kind: int) -> str:
        return self.word_start if _needs_word_start(self.spelling, kind) else ""

    def length_counts(self) -> dict[int, int]:
        """How many entries of the regular vocabulary have each length in characters (fragments have none)."""
        lengths = self.lengths[self.kinds <= BYTE]
        counts = np.bincount(lengths)
        return {length: int(count) for length, count in enumerate(counts) if count}

    def longest(self, count: int = 15) -> list[int]:
        """Rows of the longest entries (characters; ties by id)."""
        rows = self.regular_rows
        rows = rows[self.kinds[rows] != FRAGMENT]
        order = np.lexsort((self.ids[rows], -self.lengths[rows]))
        return [int(row) for row in rows[order[:count]]]


def _needs_word_start(spelling: str, kind: int) -> bool:
    return kind in (CONTINUATION, BYTE) or (spelling == "sentencepiece" and kind == WHOLE)


def _word_start(tokenizer: Tokenizer, entries: list[str], spelling: str) -> str:
    """A letter that no entry holds beside another character (`c`, `▁c` at most): nothing can join
    it with the text after it, so `c + text` cuts as `c`, then `text`. "" when there is none.

    WordPiece turns a word with an unknown character into [UNK], so there it must be an entry;
    SentencePiece cuts an unknown letter alone (<unk> or its bytes), so any letter will do."""
    marker = {"wordpiece": "##", "sentencepiece": "\u2581"}.get(spelling, "")
    joined: set[str] = set()
    alone: set[str] = set()
    for entry in entries:
        bare = entry[len(marker):] if marker and entry.startswith(marker) else entry
        if len(bare) == 1:
            if not entry.startswith("##"):
                alone.add(bare)
        else:
            joined.update(bare)
    candidates = sorted(alone - joined, key=lambda c: (not c.isascii(), c))
    if spelling == "sentencepiece":
        candidates += [chr(code) for code in range(0xC0, 0x3000) if chr(code) not in joined | alone]
    for char in candidates:
        if not char.isalpha():
            continue
        probe = char + "a"
        if tokenizer.normalizer is not None and not tokenizer.normalizer.normalize_str(probe).endswith(probe):
            continue  # lowercased, accents stripped, spaced out (CJK)...
        if tokenizer.pre_tokenizer is not None and len(tokenizer.pre_tokenizer.pre_tokenize_str(probe)) != 1:
            continue
        if tokenizer.encode(char, add_special_tokens=False).ids:
            return char
    return ""


_UTF8_LEADS = [bytes([lead]) + middle for lead in range(0xC2, 0xF5)
               for middle in (b"", b"\x80", b"\x90", b"\xa0", b"\x80\x80", b"\x90\x80", b"\xa0\x80")]


def in_some_text(fragment: bytes) -> bool:
    """Whether some valid UTF-8 text contains these bytes: a character's end, then whole characters,
    then a character's start. The leads tried cover every rule on a second byte (E0, ED, F0, F4)."""
    for lead in (b"", *_UTF8_LEADS):
        try:
            codecs.getincrementaldecoder("utf-8")().decode(lead + fragment, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


# Byte-level entries back to bytes with one str.translate: each alphabet character becomes the
# latin-1 character of its byte; any other character becomes U+FFFF, which latin-1 cannot encode, so
# such an entry takes tokens.entry_bytes' slow path (the same answer, 30x slower on 150k entries).
_BYTE_LEVEL = {**{code: "\uffff" for code in range(256)},
               **{ord(char): chr(byte) for char, byte in BYTE_DECODER.items()}}


def _surface_bytes(entry: str, spelling: str) -> bytes:
    if spelling == "byte-level":
        try:
            return entry.translate(_BYTE_LEVEL).encode("latin-1")
        except UnicodeEncodeError:
            pass
    return entry_bytes(entry, spelling)


def _kind(entry: str, raw: bytes, spelling: str) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return FRAGMENT
    if spelling == "wordpiece" and entry.startswith("##") and len(entry) > 2:
        return CONTINUATION
    if spelling == "sentencepiece" and BYTE_FALLBACK.fullmatch(entry):
        return BYTE
    if spelling == "sentencepiece" and not entry.startswith("\u2581"):
        return CONTINUATION  # SentencePiece marks a word's start with ▁; the other pieces follow one
    return WHOLE


def analyse_vocabulary(loaded: LoadedTokenizer) -> VocabularyAnalysis:
    """Every entry's surface string, kind and whether its own text gives it back (one batch encoding)."""
    tokenizer = loaded.tokenizer
    spelling = tokenizer_family(tokenizer).spelling
    by_id = sorted((token_id, entry) for entry, token_id in tokenizer.get_vocab(with_added_tokens=True).items())
    added = tokenizer.get_added_tokens_decoder()
    ids = [token_id for token_id, _ in by_id]
    entries = [entry for _, entry in by_id]
    surfaces, kinds = [], []
    for token_id, entry in by_id:
        if token_id in added:
            surfaces.append(entry.encode("utf-8"))
            kinds.append(SPECIAL if added[token_id].special else ADDED)
        else:
            raw = _surface_bytes(entry, spelling)
            surfaces.append(raw)
            kinds.append(_kind(entry, raw, spelling))
    texts = [raw.decode("utf-8") if kind != FRAGMENT else "" for raw, kind in zip(surfaces, kinds)]
    needs_start = spelling in ("wordpiece", "sentencepiece")
    word_start = _word_start(tokenizer, [e for i, e in by_id if i not in added], spelling) if needs_start else ""
    reached, probe_outputs = _check_own_texts(tokenizer, spelling, ids, kinds, texts, surfaces, word_start)
    return VocabularyAnalysis(
        hub_id=loaded.hub_id, name=loaded.name, algorithm=loaded.algorithm, spelling=spelling,
        ids=np.array(ids, dtype=np.int32), kinds=np.array(kinds, dtype=np.uint8), reached=reached,
        lengths=np.array([len(text) if kind != FRAGMENT else -1 for text, kind in zip(texts, kinds)], dtype=np.int32),
        entries=_Strings([entry.encode("utf-8") for entry in entries]), surfaces=_Strings(surfaces),
        word_start=word_start, probe_outputs=probe_outputs,
    )


def _check_own_texts(tokenizer: Tokenizer, spelling: str, ids: list[int], kinds: list[int], texts: list[str],
                     surfaces: list[bytes], word_start: str) -> tuple[np.ndarray, dict[int, tuple[int, ...]]]:
    """Each entry's `reached` code, and what the own text of those not reached gave instead."""
    reached = np.full(len(ids), NOT_CHECKED, dtype=np.int8)
    for row, kind in enumerate(kinds):
        if kind == FRAGMENT and not in_some_text(surfaces[row]):
            reached[row] = IN_NO_TEXT
    rows, probes, expected = [], [], []
    start_ids = tuple(tokenizer.encode(word_start, add_special_tokens=False).ids) if word_start else ()
    for row, kind in enumerate(kinds):
        if kind > BYTE:
            continue
        if not _needs_word_start(spelling, kind):
            rows.append(row), probes.append(texts[row]), expected.append((ids[row],))
        elif word_start:
            rows.append(row), probes.append(word_start + texts[row]), expected.append((*start_ids, ids[row]))
    probe_outputs = {}
    for row, encoding, wanted in zip(rows, tokenizer.encode_batch(probes, add_special_tokens=False), expected):
        found = tuple(encoding.ids)
        reached[row] = REACHED if found == wanted else NOT_REACHED
        if found != wanted:
            probe_outputs[ids[row]] = found
    return reached, probe_outputs


# --- Two vocabularies ---------------------------------------------------------------------------

def overlap_key(analysis: VocabularyAnalysis, row: int) -> tuple[bool, bytes]:
    """What an entry is compared by: its surface bytes, and whether it is a WordPiece continuation."""
    continuation = analysis.spelling == "wordpiece" and analysis.kinds[row] == CONTINUATION
    return continuation, analysis.surfaces[row]


def _keys(analysis: VocabularyAnalysis) -> dict[tuple[bool, bytes], int]:
    """Each distinct surface string of the regular vocabulary and its first row (several entries can
    share one: SentencePiece's <0x41> and A)."""
    keys: dict[tuple[bool, bytes], int] = {}
    for row in analysis.regular_rows.tolist():
        keys.setdefault(overlap_key(analysis, row), row)
    return keys


@dataclass(frozen=True)
class VocabularyOverlap:
    """Distinct surface strings of two regular vocabularies: shared, and only in one of them."""

    distinct_a: int
    distinct_b: int
    shared: int
    shared_examples: tuple[int, ...]  # rows of A, lowest ids first
    only_a_examples: tuple[int, ...]  # rows of A
    only_b_examples: tuple[int, ...]  # rows of B

    @property
    def only_a(self) -> int:
        return self.distinct_a - self.shared

    @property
    def only_b(self) -> int:
        return self.distinct_b - self.shared

    @property
    def nbytes(self) -> int:
        return 200 + 8 * (len(self.shared_examples) + len(self.only_a_examples) + len(self.only_b_examples))


def _first_rows(analysis: VocabularyAnalysis, rows: list[int], count: int) -> tuple[int, ...]:
    """The rows of the lowest ids: common pieces (BPE learns its most frequent merges first)."""
    return tuple(sorted(rows, key=lambda row: int(analysis.ids[row]))[:count])


def compare_vocabularies(a: VocabularyAnalysis, b: VocabularyAnalysis, *, examples: int = 24) -> VocabularyOverlap:
    keys_a, keys_b = _keys(a), _keys(b)
    shared = keys_a.keys() & keys_b.keys()
    return VocabularyOverlap(
        distinct_a=len(keys_a), distinct_b=len(keys_b), shared=len(shared),
        shared_examples=_first_rows(a, [keys_a[key] for key in shared], examples),
        only_a_examples=_first_rows(a, [row for key, row in keys_a.items() if key not in keys_b], examples),
        only_b_examples=_first_rows(b, [row for key, row in keys_b.items() if key not in keys_a], examples),
    )


# --- Search -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchResult:
    total: int  # entries whose surface string holds the query
    rows: tuple[int, ...]  # the shortest of them first (ties by id), at most `limit`


def search(analysis: VocabularyAnalysis, query: str, *, limit: int = 60) -> SearchResult:
    """Entries whose surface string contains `query` (exact, case-sensitive; a space is a space).
    Byte fragments hold no text and are left out."""
    if not query:
        return SearchResult(0, ())
    needle = query.encode("utf-8")
    blob, offsets = analysis.surfaces.blob, analysis.surfaces.offsets
    # Every start, overlapping ones included; a match must lie inside one entry's bytes.
    starts = np.fromiter((m.start() for m in re.finditer(b"(?=" + re.escape(needle) + b")", blob)), dtype=np.int64)
    rows = np.searchsorted(offsets, starts, side="right") - 1
    inside = starts + len(needle) <= offsets[rows + 1]
    rows = np.unique(rows[inside])
    rows = rows[analysis.kinds[rows] != FRAGMENT]
    order = np.lexsort((analysis.ids[rows], analysis.lengths[rows]))
    return SearchResult(len(rows), tuple(int(row) for row in rows[order[:limit]]))


# --- Rows for tables ----------------------------------------------------------------------------

def added_rows(analysis: VocabularyAnalysis, other: VocabularyAnalysis | None = None) -> list[dict]:
    """Added and special tokens, and whether the other vocabulary has the same string among its own."""
    theirs = {other.entry(row) for row in np.flatnonzero(other.kinds >= ADDED)} if other is not None else set()
    return [{"id": int(analysis.ids[row]), "token": analysis.entry(row),
             "special": bool(analysis.kinds[row] == SPECIAL),
             **({"in the other": analysis.entry(row) in theirs} if other is not None else {})}
            for row in np.flatnonzero(analysis.kinds >= ADDED).tolist()]


def unreached_rows(analysis: VocabularyAnalysis, decode: Callable[[tuple[int, ...]], list[str]], *, limit: int = 2000) -> list[dict]:
    """Entries their own text does not give back: what was encoded and what came out instead.
    `decode(ids)` names the ids that came out (the tokenizer's id_to_token)."""
    rows = []
    for row in analysis.unreached_rows[:limit].tolist():
        token_id = int(analysis.ids[row])
        found = analysis.probe_outputs[token_id]
        rows.append({"id": token_id, "entry": analysis.entry(row), "text": analysis.shown(row),
                     "kind": KIND_NAMES[int(analysis.kinds[row])],
                     "encoded": shown_text(analysis.probe_text(row)),
                     "gives ids": " ".join(map(str, found)),
                     "gives tokens": " ".join(decode(found))})
    return rows


def summary(analysis: VocabularyAnalysis) -> dict[str, int]:
    """Counts for the page's numbers: entries, each kind, and the checks' outcome."""
    counts = {KIND_NAMES[kind]: int(np.count_nonzero(analysis.kinds == kind)) for kind in KIND_NAMES}
    return {"entries": len(analysis), "highest id": int(analysis.ids[-1]) if len(analysis) else -1, **counts,
            "reached": int(np.count_nonzero(analysis.reached == REACHED)),
            "not reached": int(np.count_nonzero(analysis.reached == NOT_REACHED)),
            "in no text": int(np.count_nonzero(analysis.reached == IN_NO_TEXT)),
            "not checked": int(np.count_nonzero((analysis.reached == NOT_CHECKED) & (analysis.kinds <= BYTE)))}
