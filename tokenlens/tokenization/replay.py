"""Why a tokenizer cuts a text the way it does: its model step replayed from its own tables.

The `tokenizers` library runs the normaliser and pre-tokenizer (they are exact there and readable
as strings); this module replays what happens inside each pre-token, step by step, from the
tokenizer.json's own vocabulary, merge table and scores: byte-level and SentencePiece BPE (every
merge with its rank, then byte fallback), WordPiece (every candidate tried, longest first) and
Unigram (the best segmentation's score against the next best). The replay's ids are compared with
the tokenizer's own in the tests, for every catalog tokenizer, on every golden string.
"""

from __future__ import annotations

import heapq
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tokenizers import Tokenizer

from ..catalog import TOKENIZERS
from ..hub import is_valid_repo_id
from ..url_state import Field
from .loading import LoadedTokenizer

MAX_EXPLAIN_CHARS = 2_000  # a replay lists every step: beyond a paragraph nobody reads it
SEGMENTATIONS_SHOWN = 4  # Unigram: the best segmentation and the next best few
_UNK_PENALTY = 10.0  # the tokenizers library scores an unknown character min_score - 10

# The "How tokenizers work" page's step part in its link: a catalog tokenizer or any valid hub id, and
# the text (longer than a walkthrough shows is still read, then shortened with a notice on the page).
STEP_FIELDS = (
    Field("tok", "gpt2", max_chars=96, check=lambda hub_id: hub_id in TOKENIZERS or is_valid_repo_id(hub_id)),
    Field("text", "tokenization", max_chars=MAX_EXPLAIN_CHARS),
)


@dataclass(frozen=True)
class Step:
    """One thing the tokenizer did, in order; `word` is the pre-token it happened in (-1: the text)."""

    stage: str  # "added token" | "normalize" | "pre-tokenize" | "merge" | "byte fallback" | "candidate" | ...
    word: int
    detail: dict[str, Any]

    def to_json(self) -> dict:
        return {"stage": self.stage, "word": self.word, **self.detail}


@dataclass(frozen=True)
class Replay:
    tokenizer: str
    algorithm: str  # "BPE" | "WordPiece" | "Unigram"
    steps: tuple[Step, ...]
    ids: tuple[int, ...]
    pieces: tuple[str, ...]
    words: tuple[str, ...] = field(default=())  # the pre-tokens, in order

    def to_json(self) -> dict:
        return {"tokenizer": self.tokenizer, "algorithm": self.algorithm,
                "steps": [step.to_json() for step in self.steps], "ids": list(self.ids),
                "pieces": list(self.pieces)}


class ReplayTables:
    """The parts of tokenizer.json a replay reads. Parsing them takes up to seconds (Qwen's 150k
    merges), so a caller replaying many texts builds them once and passes them in."""

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        document = json.loads(tokenizer.to_str())
        self.model: dict = document["model"]
        self.kind: str = self.model["type"]
        # Longest first, so the alternation below matches leftmost-longest as the library does.
        self.added: list[dict] = sorted((t for t in document.get("added_tokens") or [] if t["content"]),
                                        key=lambda t: -len(t["content"]))
        self.added_pattern = _added_pattern(self.added)
        if self.kind == "Unigram":
            self.pieces = [piece for piece, _ in self.model["vocab"]]
            self.scores = [score for _, score in self.model["vocab"]]
            self.vocab = {piece: index for index, piece in enumerate(self.pieces)}
            self.longest_piece = max(len(piece) for piece in self.pieces)
            self.unknown_score = min(self.scores) - _UNK_PENALTY
        else:
            self.vocab = self.model["vocab"]
        if self.kind == "BPE":
            merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in self.model["merges"]]
            self.ranks = {pair: rank for rank, pair in enumerate(merges)}


# --- Added tokens: cut out before anything else runs ----------------------------------------------

def _added_pattern(tokens: list[dict]) -> re.Pattern | None:
    """Added tokens match leftmost-longest in the raw text; lstrip/rstrip take neighbouring spaces."""
    if not tokens:
        return None
    parts = []
    for token in tokens:
        core = re.escape(token["content"])
        if token.get("single_word"):
            core = rf"(?<!\w){core}(?!\w)"
        parts.append((r"\s*" if token.get("lstrip") else "") + core + (r"\s*" if token.get("rstrip") else ""))
    return re.compile("|".join(f"({part})" for part in parts))


def _split_added(text: str, tables: ReplayTables) -> list[tuple[str, int | None]]:
    """The text as (segment, None) and (added token, its id) pieces, in order."""
    pattern = tables.added_pattern
    if pattern is None:
        return [(text, None)] if text else []
    out, position = [], 0
    for match in pattern.finditer(text):
        if match.start() > position:
            out.append((text[position:match.start()], None))
        token = tables.added[match.lastindex - 1]
        out.append((match.group(0), token["id"]))
        position = match.end()
    if position < len(text):
        out.append((text[position:], None))
    return out


# --- BPE -----------------------------------------------------------------------------------------

def _byte_pieces(char: str) -> list[str]:
    return [f"<0x{byte:02X}>" for byte in char.encode("utf-8")]


def _bpe_word(word: str, index: int, tables: ReplayTables, steps: list[Step]) -> list[str]:
    model, vocab, ranks = tables.model, tables.vocab, tables.ranks
    if model.get("ignore_merges") and word in vocab:
        steps.append(Step("whole word", index, {"piece": word, "id": vocab[word]}))
        return [word]
    prefix, suffix = model.get("continuing_subword_prefix") or "", model.get("end_of_word_suffix") or ""
    symbols: list[str] = []
    for position, char in enumerate(word):
        piece = (prefix if position and prefix else "") + char + (suffix if position == len(word) - 1 else "")
        if piece in vocab:
            symbols.append(piece)
        elif model.get("byte_fallback") and all(b in vocab for b in _byte_pieces(char)):
            steps.append(Step("byte fallback", index, {"character": char, "pieces": _byte_pieces(char),
                                                       "why": "not in the vocabulary: its UTF-8 bytes instead"}))
            symbols.extend(_byte_pieces(char))
        else:
            unk = model.get("unk_token")
            steps.append(Step("unknown", index, {"character": char, "piece": unk}))
            if model.get("fuse_unk") and symbols and symbols[-1] == unk:
                continue
            symbols.append(unk)
    steps.append(Step("start", index, {"symbols": list(symbols)}))
    # Lowest rank first, leftmost among equals: the order the tokenizers library merges in.
    while len(symbols) > 1:
        best = None
        for position in range(len(symbols) - 1):
            rank = ranks.get((symbols[position], symbols[position + 1]))
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, position)
        if best is None:
            break
        rank, position = best
        pair = [symbols[position], symbols[position + 1]]
        symbols[position:position + 2] = [pair[0] + pair[1]]
        steps.append(Step("merge", index, {"pair": pair, "rank": rank, "symbols": list(symbols)}))
    return symbols


# --- WordPiece ------------------------------------------------------------------------------------

def _wordpiece_word(word: str, index: int, tables: ReplayTables, steps: list[Step]) -> list[str]:
    model, vocab = tables.model, tables.vocab
    prefix, unk = model.get("continuing_subword_prefix", "##"), model["unk_token"]
    if len(word) > model.get("max_input_chars_per_word", 100):
        steps.append(Step("too long", index, {"piece": unk, "why": "longer than max_input_chars_per_word"}))
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        found = None
        for end in range(len(word), start, -1):  # longest candidate first
            candidate = (prefix if start else "") + word[start:end]
            hit = candidate in vocab
            steps.append(Step("candidate", index, {"candidate": candidate, "in vocabulary": hit}))
            if hit:
                found, start = candidate, end
                break
        if found is None:
            steps.append(Step("unknown", index, {"piece": unk, "why": f"no piece of {word!r} matches at {start}"}))
            return [unk]
        pieces.append(found)
    return pieces


# --- Unigram --------------------------------------------------------------------------------------

def _unigram_word(word: str, index: int, tables: ReplayTables, steps: list[Step]) -> list[str]:
    """Every segmentation's score is the sum of its pieces' log probabilities; the best is chosen.

    Keeps the best few paths ending at each position (k-best Viterbi), so the page can show how
    close the runners-up came."""
    vocab, scores, unk_id = tables.vocab, tables.scores, tables.model.get("unk_id")
    unk_score, longest = tables.unknown_score, tables.longest_piece
    best: list[list[tuple[float, tuple[str, ...]]]] = [[] for _ in range(len(word) + 1)]
    best[0] = [(0.0, ())]
    considered = []
    for start in range(len(word)):
        if not best[start]:
            continue
        matched_single = False
        for end in range(start + 1, min(len(word), start + longest) + 1):
            piece = word[start:end]
            if piece in vocab and vocab[piece] != unk_id:
                matched_single |= end == start + 1
                considered.append(piece)
                _extend(best, start, end, piece, scores[vocab[piece]])
        if not matched_single:
            _extend(best, start, start + 1, word[start], unk_score, unknown=True)
    steps.append(Step("pieces considered", index, {"pieces": sorted(set(considered), key=considered.index)}))
    ranked = sorted(best[len(word)], key=lambda entry: -entry[0])[:SEGMENTATIONS_SHOWN]
    steps.append(Step("segmentations", index, {
        "best": [{"pieces": list(path), "score": round(score, 4)} for score, path in ranked]}))
    unk_piece = tables.pieces[unk_id] if unk_id is not None else "<unk>"
    out: list[str] = []
    unknown_run = ""
    for piece in list(ranked[0][1]) + [""]:  # unknown characters in a row are one unknown token
        if piece.startswith(_UNKNOWN):
            unknown_run += piece[len(_UNKNOWN):]
            continue
        if unknown_run:
            out.extend(_unknown_pieces(unknown_run, unk_piece, index, tables, steps))
            unknown_run = ""
        if piece:
            out.append(piece)
    return out


def _unknown_pieces(text: str, unk_piece: str, index: int, tables: ReplayTables, steps: list[Step]) -> list[str]:
    if tables.model.get("byte_fallback"):
        pieces = [piece for char in text for piece in _byte_pieces(char)]
        steps.append(Step("byte fallback", index, {"character": text, "pieces": pieces,
                                                   "why": "not in the vocabulary: its UTF-8 bytes instead"}))
        return pieces
    steps.append(Step("unknown", index, {"character": text, "piece": unk_piece}))
    return [unk_piece]


_UNKNOWN = "\0unknown:"  # marks a character no piece covers, inside a path


def _extend(best, start: int, end: int, piece: str, score: float, *, unknown: bool = False) -> None:
    label = _UNKNOWN + piece if unknown else piece
    merged = best[end] + [(previous + score, path + (label,)) for previous, path in best[start]]
    best[end] = heapq.nlargest(SEGMENTATIONS_SHOWN, merged, key=lambda entry: entry[0])


# --- The whole text ---------------------------------------------------------------------------------

_MODEL_STEP = {"BPE": _bpe_word, "WordPiece": _wordpiece_word, "Unigram": _unigram_word}


def replay(tokenizer: Tokenizer, text: str, *, name: str = "", tables: ReplayTables | None = None) -> Replay:
    """Replay `text` through `tokenizer`; the ids equal tokenizer.encode(text, add_special_tokens=False)."""
    if len(text) > MAX_EXPLAIN_CHARS:
        raise ValueError(f"a replay explains up to {MAX_EXPLAIN_CHARS:,} characters; this text has {len(text):,}")
    if tables is None or tables.tokenizer is not tokenizer:
        tables = ReplayTables(tokenizer)
    model_step = _MODEL_STEP.get(tables.kind)
    if model_step is None:
        raise ValueError(f"{name or 'this tokenizer'} uses a {tables.kind} model, which has no replay")
    steps: list[Step] = []
    pieces: list[str] = []
    words: list[str] = []
    for segment, added_id in _split_added(text, tables):
        if added_id is not None:
            steps.append(Step("added token", -1, {"text": segment, "id": added_id}))
            pieces.append(tokenizer.id_to_token(added_id))
            continue
        normalized = tokenizer.normalizer.normalize_str(segment) if tokenizer.normalizer else segment
        if normalized != segment:
            steps.append(Step("normalize", -1, {"before": segment, "after": normalized}))
        split = ([word for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(normalized)]
                 if tokenizer.pre_tokenizer else [normalized])
        split = [word for word in split if word]
        steps.append(Step("pre-tokenize", -1, {"words": split}))
        for word in split:
            words.append(word)
            pieces.extend(model_step(word, len(words) - 1, tables, steps))
    ids = tuple(tokenizer.token_to_id(piece) for piece in pieces)
    return Replay(name, tables.kind, tuple(steps), ids, tuple(pieces), tuple(words))


def explain(loaded: LoadedTokenizer, text: str, *, tables: ReplayTables | None = None) -> Replay:
    """The page's and the command line's one entry: replay `text` through a loaded tokenizer."""
    return replay(loaded.tokenizer, text, name=loaded.hub_id, tables=tables)
