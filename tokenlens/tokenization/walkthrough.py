"""A replay as a class watches it: per word, one line per step and the pieces after each step.

`replay.explain` gives the raw steps; this module words them ('merge 3: "t" + "oken" → "token"
(rank 29,745)'), groups them by word and sets the tokenizer's own ids beside the replay's, so the
page can show that both agree. Every quoted piece is JSON-quoted: spaces, control characters and
markup in a visitor's text stay visible as text.
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from urllib.parse import urlencode

from .loading import LoadedTokenizer, tokenizer_family
from .regex_guard import encode as guarded_encode
from .replay import _UNKNOWN, Replay, ReplayTables, explain

MAX_STEP_CHARS = 200  # every step of a longer text is more than a class can follow
STEP_PAGE_PATH = "how"  # the "How tokenizers work" page's url path (app.py)
LINK_WORD_CHARS = 40  # a clicked token's word, if longer (CJK runs have no spaces), is the token alone

EXPLAINERS = {
    "byte-level BPE": "Byte-level BPE: the pre-tokenizer splits the text into words (Ġ is a space, kept at "
                      "the start of the next word); then, in each word, the pair of symbols with the lowest "
                      "rank in the merge table is joined, again and again, until no rule applies.",
    "SentencePiece BPE (byte fallback)": "SentencePiece BPE: spaces become ▁, a character missing from the "
                                         "vocabulary becomes its UTF-8 bytes (byte fallback); then the pair "
                                         "with the lowest merge rank is joined until no rule applies.",
    "WordPiece": "WordPiece: the text is normalised and split into words; each word is cut greedily, the "
                 "longest piece in the vocabulary first; ## marks a piece that continues a word.",
    "SentencePiece Unigram": "Unigram: every way to cut a word into vocabulary pieces has a score, the sum of "
                             "its pieces' log probabilities; the best-scoring cut wins.",
}
GENERIC_EXPLAINER = "Each word is cut by the tokenizer's model, step by step, from its own vocabulary."


def quoted(piece: str) -> str:
    """A piece in double quotes, control characters escaped (\\n, \\u0007), everything else as is."""
    return json.dumps(piece, ensure_ascii=False)


@dataclass(frozen=True)
class Frame:
    """One step of one word: what happened, and the word's vocabulary pieces right after it."""

    line: str
    symbols: tuple[tuple[int, str], ...]  # (id, piece), ready for chips
    rest: str = ""  # WordPiece: the part of the word not cut yet


@dataclass(frozen=True)
class Segmentation:
    """Unigram: one way to cut a word, its score, and how far it is behind the best."""

    pieces: tuple[str, ...]
    score: float
    behind_best: float  # best score minus this one: 0 for the best


@dataclass(frozen=True)
class WordWalk:
    word: str  # the pre-token, as the model sees it (Ġ, ▁ included)
    typed: str  # the same word as typed: byte-level BPE spells "🦙" "ðŁ¦Ļ" in its byte alphabet
    frames: tuple[Frame, ...] = ()  # BPE and WordPiece: one per step, in order
    notes: tuple[str, ...] = ()  # byte fallback, unknown characters
    considered: tuple[str, ...] = ()  # Unigram: the vocabulary pieces found inside the word
    segmentations: tuple[Segmentation, ...] = ()  # Unigram: the best first


@dataclass(frozen=True)
class Walkthrough:
    hub_id: str
    algorithm: str  # as people name it: "byte-level BPE", "WordPiece", ...
    model: str  # the tokenizer.json model: "BPE" | "WordPiece" | "Unigram"
    text: str
    text_lines: tuple[str, ...]  # added tokens, normalisation, the pre-tokenizer's split
    words: tuple[WordWalk, ...]
    replay_ids: tuple[int, ...]
    own_ids: tuple[int, ...]  # tokenizer.encode(text, add_special_tokens=False).ids
    own_pieces: tuple[str, ...]  # as the vocabulary spells them (an unknown character is "<unk>")

    @property
    def matches(self) -> bool:
        return self.replay_ids == self.own_ids

    @property
    def explainer(self) -> str:
        return EXPLAINERS.get(self.algorithm, GENERIC_EXPLAINER)

    @property
    def nbytes(self) -> int:
        """About the memory it holds (strings and tuples), for the cache's budget."""
        size = sys.getsizeof
        total = size(self.text) + sum(map(size, self.text_lines)) + sum(map(size, self.own_pieces))
        total += 36 * (len(self.replay_ids) + len(self.own_ids))
        for word in self.words:
            total += size(word.word) + size(word.typed) + sum(map(size, word.notes)) + sum(map(size, word.considered)) + 200
            total += sum(120 + sum(map(size, s.pieces)) for s in word.segmentations)
            for frame in word.frames:
                total += 150 + size(frame.line) + size(frame.rest)
                total += sum(100 + size(piece) for _, piece in frame.symbols)
        return total


def cap_step_text(text: str) -> tuple[str, str | None]:
    """The text a walkthrough replays, and a notice when it had to be shortened."""
    if len(text) <= MAX_STEP_CHARS:
        return text, None
    return text[:MAX_STEP_CHARS], (f"Showing the first {MAX_STEP_CHARS} of {len(text):,} characters: every step "
                                   "of a longer text is more than a class can follow.")


def walkthrough(loaded: LoadedTokenizer, text: str, *, tables: ReplayTables | None = None) -> Walkthrough:
    """`text` (at most MAX_STEP_CHARS) replayed by `loaded`, worded for the page; ValueError for a
    model that has no replay."""
    if len(text) > MAX_STEP_CHARS:
        raise ValueError(f"a walkthrough covers up to {MAX_STEP_CHARS} characters; this text has {len(text):,}")
    tokenizer = loaded.tokenizer
    # The tokenizer's own cut first, through the guard: the replay runs the same regexes, so once
    # they finished in time here they cannot hang it (TokenizerFailed otherwise).
    own = guarded_encode(tokenizer, text, loaded.hub_id, add_special_tokens=False)
    replayed = explain(loaded, text, tables=tables)
    words = _words(replayed, loaded)
    text_lines = tuple(_text_line(step.stage, step.detail) for step in replayed.steps if step.word < 0)
    return Walkthrough(loaded.hub_id, tokenizer_family(tokenizer).algorithm, replayed.algorithm, text,
                       text_lines, words, replayed.ids, tuple(own.ids),
                       tuple(tokenizer.id_to_token(token_id) for token_id in own.ids))


def _text_line(stage: str, detail: dict) -> str:
    if stage == "added token":
        return f"added token: {quoted(detail['text'])} is kept whole as id {detail['id']}"
    if stage == "normalize":
        return f"normalise: {quoted(detail['before'])} → {quoted(detail['after'])}"
    if stage == "pre-tokenize":
        words = detail["words"]
        return f"pre-tokenize: {len(words)} word{'s' if len(words) != 1 else ''}: " + " ".join(map(quoted, words))
    return f"{stage}: {detail}"


def _words(replayed: Replay, loaded: LoadedTokenizer) -> tuple[WordWalk, ...]:
    by_word: list[list] = [[] for _ in replayed.words]
    for step in replayed.steps:
        if step.word >= 0:
            by_word[step.word].append(step)
    tokenizer = loaded.tokenizer
    chips = _Chips(tokenizer)
    byte_level = tokenizer_family(tokenizer).spelling == "byte-level"
    walks = []
    for word, steps in zip(replayed.words, by_word):
        typed = tokenizer.decoder.decode([word]) if byte_level else word
        if replayed.algorithm == "WordPiece":
            prefix = getattr(tokenizer.model, "continuing_subword_prefix", "##")
            walks.append(_wordpiece_walk(word, typed, steps, prefix, chips))
        elif replayed.algorithm == "Unigram":
            walks.append(_unigram_walk(word, typed, steps))
        else:
            walks.append(_bpe_walk(word, typed, steps, chips))
    return tuple(walks)


class _Chips:
    """(id, piece) pairs for a word's pieces; a piece outside the vocabulary (none should be) gets -1."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, pieces) -> tuple[tuple[int, str], ...]:
        found = []
        for piece in pieces:
            token_id = self.tokenizer.token_to_id(piece)
            found.append((-1 if token_id is None else token_id, piece))
        return tuple(found)


def _fallback_note(detail: dict) -> str:
    return (f"byte fallback: {quoted(detail['character'])} is not in the vocabulary, so its UTF-8 bytes "
            f"{' '.join(detail['pieces'])} stand in")


def _unknown_note(detail: dict) -> str:
    return f"unknown: {quoted(detail['character'])} is not in the vocabulary and becomes {quoted(detail['piece'])}"


def _bpe_walk(word: str, typed: str, steps: list, chips: _Chips) -> WordWalk:
    frames, notes = [], []
    merges = 0
    for step in steps:
        detail = step.detail
        if step.stage == "byte fallback":
            notes.append(_fallback_note(detail))
        elif step.stage == "unknown":
            notes.append(_unknown_note(detail))
        elif step.stage == "whole word":
            frames.append(Frame(f"{quoted(detail['piece'])} is in the vocabulary as a whole: no merges",
                                chips([detail["piece"]])))
        elif step.stage == "start":
            symbols = detail["symbols"]
            frames.append(Frame(f"start: {len(symbols)} symbol{'s' if len(symbols) != 1 else ''}, one per character"
                                + (" or byte" if notes else ""), chips(symbols)))
        elif step.stage == "merge":
            merges += 1
            left, right = detail["pair"]
            frames.append(Frame(f"merge {merges}: {quoted(left)} + {quoted(right)} → {quoted(left + right)}"
                                f"   rank {detail['rank']:,}", chips(detail["symbols"])))
    if frames and frames[-1].line.startswith(("start", "merge")):
        last = frames[-1].symbols
        done = ("one symbol left: done" if len(last) == 1
                else f"no rule in the merge table joins any two neighbours: {len(last)} tokens, done")
        frames.append(Frame(done, last))
    return WordWalk(word, typed, tuple(frames), tuple(notes))


def _wordpiece_walk(word: str, typed: str, steps: list, prefix: str, chips: _Chips) -> WordWalk:
    frames = [Frame("start: try the longest piece first, then one character shorter, …", (), word)]
    found: list[str] = []
    position = 0
    for step in steps:
        detail = step.detail
        if step.stage == "candidate":
            candidate, hit = detail["candidate"], detail["in vocabulary"]
            if hit:
                found.append(candidate)
                position += len(candidate) - (len(prefix) if position else 0)
            mark = "✓" if hit else "✗"
            where = "in the vocabulary: cut here" if hit else "not in the vocabulary"
            frames.append(Frame(f"{mark} {quoted(candidate)} {where}", chips(found), word[position:]))
        elif step.stage in ("unknown", "too long"):
            why = ("no piece of the vocabulary starts the rest" if step.stage == "unknown"
                   else "the word is longer than the model reads")
            frames.append(Frame(f"{why}: the whole word becomes {quoted(detail['piece'])}", chips([detail["piece"]])))
    return WordWalk(word, typed, tuple(frames))


def _shown_piece(piece: str) -> str:
    return f"{piece[len(_UNKNOWN):]} (unknown)" if piece.startswith(_UNKNOWN) else piece


def _unigram_walk(word: str, typed: str, steps: list) -> WordWalk:
    considered, segmentations, notes = (), [], []
    for step in steps:
        detail = step.detail
        if step.stage == "pieces considered":
            considered = tuple(detail["pieces"])
        elif step.stage == "segmentations":
            best = detail["best"][0]["score"] if detail["best"] else 0.0
            segmentations = [Segmentation(tuple(map(_shown_piece, entry["pieces"])), entry["score"],
                                          round(best - entry["score"], 4)) for entry in detail["best"]]
        elif step.stage == "byte fallback":
            notes.append(_fallback_note(detail))
        elif step.stage == "unknown":
            notes.append(_unknown_note(detail))
    return WordWalk(word, typed, notes=tuple(notes), considered=considered, segmentations=tuple(segmentations))


# --- The link from a token on the tokenizer page -----------------------------------------------------

class WordFinder:
    """The word each token of one text belongs to: the run of non-space characters around it, or the
    token alone (spaces stripped) when that run is longer than LINK_WORD_CHARS (CJK has no spaces).
    The runs are found once per text: a view asks for thousands of chips."""

    def __init__(self, text: str):
        self.text = text
        runs = [match.span() for match in re.finditer(r"\S+", text)]
        self.starts = [run_start for run_start, _ in runs]
        self.ends = [run_end for _, run_end in runs]

    def __call__(self, start: int, end: int) -> str:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            return ""
        run = bisect_right(self.starts, start) - 1
        if run >= 0 and end <= self.ends[run] and self.ends[run] - self.starts[run] <= LINK_WORD_CHARS:
            return text[self.starts[run]:self.ends[run]]
        return text[start:end][:MAX_STEP_CHARS]


def word_around(text: str, start: int, end: int) -> str:
    """The word the token at text[start:end] belongs to (see WordFinder)."""
    return WordFinder(text)(start, end)


def step_link(hub_id: str, text: str = "") -> str:
    """The relative link to the walkthrough of `text` by `hub_id` (relative: the app may live under a path)."""
    params = {"tok": hub_id, **({"text": text} if text else {})}
    return f"{STEP_PAGE_PATH}?{urlencode(params)}"
