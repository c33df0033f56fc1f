"""Train a tokenizer in class: BPE, WordPiece or Unigram, with the `tokenizers` library's own trainers.

The corpus is text every Python install already has (nothing is downloaded): Python's help texts
(English prose) or the standard library's source (code); or a text the class pastes, bounded.
Training runs the library's trainer in a worker thread while the caller's thread reports how much of
the corpus was fed, so a page's progress bar is drawn from the thread that owns the page.

What "learned first" means differs by algorithm, and each is shown as it is:
  BPE: the trained model's merges list, in the order the trainer learned them.
  WordPiece: the library's WordPiece trainer merges pairs as BPE does and numbers the new pieces in
    that order, so the pieces after the alphabet, by id, are the learned order.
  Unigram: it starts from many candidate pieces and prunes them; there is no order of learning, so
    the most probable multi-character pieces (highest log-probability) are shown.

Determinism (tests/test_workings_training.py): byte-level BPE gives the same merges in the same order
every run. The library's WordPiece and Unigram trainers keep words in hash maps seeded at random per
process: entries that tie may swap places between runs, and at the size's cut-off one entry for
another (1 of 1,000 seen for WordPiece).
"""

from __future__ import annotations

import hashlib
import json
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from ..assets import Source
from ..url_state import Field
from .loading import LoadedTokenizer, guess_algorithm, tokenizer_nbytes
from .tokens import BYTE_DECODER

ALGORITHMS = ("bpe", "wordpiece", "unigram")
ALGORITHM_NAMES = {"bpe": "BPE", "wordpiece": "WordPiece", "unigram": "Unigram"}
ALGORITHM_DETAILS = {  # what each trainer is set up as (the page shows it)
    "bpe": "byte-level BPE, as GPT-2: 256 byte symbols to start, GPT-2's pre-tokenizer regex",
    "wordpiece": "WordPiece, as BERT (cased): split at spaces and punctuation, ## marks a word's inner pieces",
    "unigram": "SentencePiece-style Unigram: ▁ marks a space, punctuation split off",
}
CORPORA = ("docs", "code", "pasted")
VOCAB_MIN, VOCAB_MAX, VOCAB_STEP, VOCAB_DEFAULT = 300, 10_000, 100, 1_000
MAX_PASTED_BYTES = 2_000_000  # a pasted corpus beyond this is cut (the page says so)
# Unigram's EM passes cost ~10x BPE's merges (2-6 s per 0.5 MB on two cores; 4.7 MB of code took
# minutes), so it reads at most this much of a corpus and the page says so.
UNIGRAM_MAX_CHARS = 500_000
LEARNED_SHOWN = 40
SAMPLE_TEXT = 'Tokenizers learn their pieces from what they read: print("Hello, world!")'

TRAINING_FIELDS = (
    Field("train_algo", "bpe", choices=ALGORITHMS),
    Field("train_size", VOCAB_DEFAULT, kind="int", low=VOCAB_MIN, high=VOCAB_MAX,
          check=lambda size: size % VOCAB_STEP == 0),
    Field("train_corpus", "docs", choices=CORPORA),
    Field("train_text", SAMPLE_TEXT, max_chars=2_000),
)

Progress = Callable[[float, str], None]  # (fraction done, what is happening)


class TrainingFailed(ValueError):
    """The trainer refused this corpus and size; the message says why in a learner's words."""


# --- Corpora --------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Corpus:
    key: str  # one of CORPORA
    name: str  # what it is, said honestly on the page
    documents: tuple[str, ...]
    notice: str = ""  # e.g. the pasted text was cut
    digest: str = field(init=False)  # sha256 of the documents: a trained tokenizer's key

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for document in self.documents:
            digest.update(document.encode("utf-8", "surrogatepass") + b"\0")
        object.__setattr__(self, "digest", digest.hexdigest())

    @property
    def chars(self) -> int:
        return sum(map(len, self.documents))

    @property
    def nbytes(self) -> int:
        """Memory held (the strings themselves), for cache budgets."""
        return sum(map(sys.getsizeof, self.documents)) + sys.getsizeof(self.documents) + 200

    def utf8_bytes(self) -> int:
        return sum(len(document.encode("utf-8", "surrogatepass")) for document in self.documents)


def _stdlib_modules() -> list[Path]:
    """The standard library's top-level modules, in a fixed order."""
    return sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))


def python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def bundled_corpus(key: str) -> Corpus:
    """"docs": the text Python's help() shows for its keywords and topics (pydoc_data.topics, the
    language reference's sections; English prose); "code": the standard library's top-level modules.

    (The modules' docstrings would add 0.9 MB of prose, but parsing them took 8-11 s on two busy
    cores, every time a server starts.)"""
    version = python_version()
    if key == "docs":
        from pydoc_data.topics import topics  # ships with every install

        return Corpus(key, f"Python {version}'s help texts ({len(topics)} topics of the language reference)",
                      tuple(topics[name] for name in sorted(topics)))
    if key == "code":
        paths = _stdlib_modules()
        return Corpus(key, f"the source code of Python {version}'s {len(paths)} top-level standard-library modules",
                      tuple(path.read_text(encoding="utf-8", errors="replace") for path in paths))
    raise ValueError(f"no bundled corpus {key!r}")


def pasted_corpus(text: str, *, max_bytes: int = MAX_PASTED_BYTES) -> Corpus:
    """The class's own text, cut at a character boundary when longer than `max_bytes` in UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    notice = ""
    if len(data) > max_bytes:
        text = data[:max_bytes].decode("utf-8", "ignore")  # drops a character cut in half, no more
        notice = (f"The pasted text is {len(data) / 1e6:.1f} MB; training reads its first "
                  f"{max_bytes / 1e6:.0f} MB.")
    return Corpus("pasted", "the pasted text", (text,) if text else (), notice)


def training_slice(corpus: Corpus, algorithm: str) -> tuple[tuple[str, ...], str]:
    """The documents an algorithm trains on, and a notice when that is less than the corpus."""
    if algorithm != "unigram" or corpus.chars <= UNIGRAM_MAX_CHARS:
        return corpus.documents, ""
    kept, chars = [], 0
    for document in corpus.documents:
        if chars >= UNIGRAM_MAX_CHARS:
            break
        piece = document[: UNIGRAM_MAX_CHARS - chars]
        kept.append(piece)
        chars += len(piece)
    return tuple(kept), (f"Unigram trains on the first {chars / 1e6:.1f} of these {corpus.chars / 1e6:.1f} million "
                         "characters: its rounds of re-estimating every piece's probability take about ten "
                         "times as long as BPE's merges.")


# --- Training ---------------------------------------------------------------------------------------

def new_tokenizer(algorithm: str, vocab_size: int) -> tuple[Tokenizer, trainers.Trainer]:
    """An empty tokenizer of this algorithm and the trainer that fills it (seen in ALGORITHM_DETAILS)."""
    if algorithm == "bpe":
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    elif algorithm == "wordpiece":
        tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, show_progress=False, special_tokens=["[UNK]"])
    elif algorithm == "unigram":
        tokenizer = Tokenizer(models.Unigram())
        # Punctuation split off as SentencePiece's script boundaries do: code's long "words" made
        # the trainer's lattices huge (0.5 MB of code took 19 s without it).
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Metaspace(), pre_tokenizers.Punctuation("contiguous")])
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(vocab_size=vocab_size, show_progress=False, special_tokens=["<unk>"],
                                          unk_token="<unk>")
    else:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
    return tokenizer, trainer


@dataclass(frozen=True)
class LearnedPiece:
    """One entry the trainer added, for the page's table."""

    rank: int  # 1 = learned first (BPE, WordPiece) or most probable (Unigram)
    token_id: int
    entry: str  # as stored in the vocabulary (Ġ for a byte-level space, ## and ▁ marks)
    text: str  # the text it stands for
    parts: tuple[str, str] | None = None  # BPE: the two entries merged
    score: float | None = None  # Unigram: log-probability


@dataclass(frozen=True, eq=False)
class TrainedTokenizer:
    algorithm: str
    vocab_size: int  # asked for
    corpus_name: str
    corpus_digest: str
    trained_chars: int  # what the trainer read (Unigram: maybe less than the corpus)
    seconds: float
    tokenizer: Tokenizer
    learned: tuple[LearnedPiece, ...]  # the first LEARNED_SHOWN
    alphabet_size: int  # entries it started from (bytes or characters), specials included
    notice: str = ""

    @property
    def loaded(self) -> LoadedTokenizer:
        """As a loaded tokenizer, so every token view can show it beside the hub's."""
        name = f"Trained {ALGORITHM_NAMES[self.algorithm]}"
        label = f"trained here by the tokenizers library on {self.corpus_name}"
        source = Source("trained", label, f"corpus sha256 {self.corpus_digest[:16]}")
        return LoadedTokenizer(f"trained/{self.algorithm}-{self.vocab_size}", name, guess_algorithm(self.tokenizer),
                               self.tokenizer, source, ALGORITHM_DETAILS[self.algorithm])

    @property
    def entries(self) -> int:
        return self.tokenizer.get_vocab_size(with_added_tokens=True)

    @property
    def nbytes(self) -> int:
        return tokenizer_nbytes(self.tokenizer) + 400 * len(self.learned)


CHUNK_CHARS = 2_048  # the library pulls 256 pieces at a time: ~0.5 MB between reports


def chunks(document: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """A document in pieces of about `size` characters, cut only before a newline that follows a
    non-space character: BPE's (GPT-2's regex) and WordPiece's pre-tokenizers always split there, so
    the trainer counts the same words (tested). The pieces let the trainer report as it reads."""
    start = 0
    while len(document) - start > size:
        cut = document.find("\n", start + size)
        while cut != -1 and document[cut - 1].isspace():
            cut = document.find("\n", cut + 1)
        if cut == -1:
            break
        yield document[start:cut]
        start = cut
    yield document[start:]


class _Feed:
    """The corpus as the trainer pulls it (from the library's own thread), counting what was read.

    Unigram's Metaspace marks the start of every piece fed with ▁, so it is fed whole documents."""

    def __init__(self, documents: tuple[str, ...], *, split: bool):
        self.documents = documents
        self.split = split
        self.fed = 0
        self.total = max(sum(map(len, documents)), 1)

    def __iter__(self) -> Iterator[str]:
        for document in self.documents:
            for piece in chunks(document) if self.split else (document,):
                yield piece
                self.fed += len(piece)


def train(corpus: Corpus, algorithm: str, vocab_size: int, *, on_progress: Progress | None = None) -> TrainedTokenizer:
    """Train a tokenizer on a corpus; `on_progress(fraction, message)` is called from this thread.

    The trainer pulls the corpus from a thread of its own, so it runs in a worker thread here and
    this thread reports: 90 % for reading the corpus, the rest when learning has finished (the
    library says nothing while it learns)."""
    if not corpus.documents:
        raise TrainingFailed("There is no text to train on.")
    documents, notice = training_slice(corpus, algorithm)
    tokenizer, trainer = new_tokenizer(algorithm, vocab_size)
    feed = _Feed(documents, split=algorithm != "unigram")
    failure: list[BaseException] = []

    def run() -> None:
        try:
            tokenizer.train_from_iterator(feed, trainer)
        except BaseException as error:  # the caller's thread re-raises it
            failure.append(error)

    started = time.perf_counter()
    worker = threading.Thread(target=run, name="tokenizer-training", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        if on_progress:
            seconds = time.perf_counter() - started
            if feed.fed < feed.total:
                on_progress(0.9 * feed.fed / feed.total,
                            f"Reading the corpus: {feed.fed / 1e6:.1f} of {feed.total / 1e6:.1f} million characters")
            else:
                on_progress(0.9, f"Learning the vocabulary… {seconds:.0f} s")
    seconds = time.perf_counter() - started
    if failure:
        raise TrainingFailed(f"The {ALGORITHM_NAMES[algorithm]} trainer stopped: {failure[0]}") from failure[0]
    if on_progress:
        on_progress(1.0, f"Trained in {seconds:.1f} s")
    return TrainedTokenizer(algorithm, vocab_size, corpus.name, corpus.digest, feed.total, seconds, tokenizer,
                            learned_pieces(tokenizer), alphabet_size(tokenizer), notice)


# --- What was learned -----------------------------------------------------------------------------


def entry_text(entry: str, kind: str) -> str:
    """The text a vocabulary entry stands for: a byte-level entry's bytes (a cut character shown as
    \\xNN), a WordPiece entry without its ##, a Unigram entry with ▁ as the space it is."""
    if kind == "BPE" and all(char in BYTE_DECODER for char in entry):
        return bytes(BYTE_DECODER[char] for char in entry).decode("utf-8", "backslashreplace")
    if kind == "WordPiece":
        return entry[2:] if entry.startswith("##") else entry
    if kind == "Unigram":
        return entry.replace("\u2581", " ")
    return entry


def _model(tokenizer: Tokenizer) -> dict:
    return json.loads(tokenizer.to_str())["model"]


def _specials(tokenizer: Tokenizer) -> int:
    return len(tokenizer.get_added_tokens_decoder())


def alphabet_size(tokenizer: Tokenizer) -> int:
    """Special tokens plus the single bytes or characters (a WordPiece ##-form counts as one): what
    BPE and WordPiece start from; Unigram's single characters, kept beside its longer pieces."""
    model = _model(tokenizer)
    if model["type"] == "BPE":
        return tokenizer.get_vocab_size() - len(model["merges"])
    specials = set(tokenizer.get_added_tokens_decoder())
    if model["type"] == "WordPiece":
        return sum(1 for entry, token_id in tokenizer.get_vocab().items()
                   if token_id in specials or len(entry_text(entry, "WordPiece")) <= 1)
    return sum(1 for token_id, (piece, _) in enumerate(model["vocab"]) if token_id in specials or len(piece) <= 1)


def learned_pieces(tokenizer: Tokenizer, limit: int = LEARNED_SHOWN) -> tuple[LearnedPiece, ...]:
    """The first entries learned (see the module's docstring for what "first" means per algorithm)."""
    model = _model(tokenizer)
    kind = model["type"]
    if kind == "BPE":
        found = []
        for rank, merge in enumerate(model["merges"][:limit], 1):
            left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
            entry = left + right
            found.append(LearnedPiece(rank, tokenizer.token_to_id(entry), entry, entry_text(entry, kind), (left, right)))
        return tuple(found)
    if kind == "WordPiece":  # every single character comes before the first merge: learned = the rest
        by_id = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
        first_learned = alphabet_size(tokenizer)
        learned = [(entry, token_id) for entry, token_id in by_id if token_id >= first_learned]
        return tuple(LearnedPiece(rank, token_id, entry, entry_text(entry, kind))
                     for rank, (entry, token_id) in enumerate(learned[:limit], 1))
    # Unigram: the most probable pieces longer than one character; equal scores in entry order.
    ranked = sorted(((score, piece, token_id) for token_id, (piece, score) in enumerate(model["vocab"])
                     if len(piece) > 1 and token_id >= _specials(tokenizer)), key=lambda item: (-round(item[0], 6), item[1]))
    return tuple(LearnedPiece(rank, token_id, piece, entry_text(piece, kind), score=score)
                 for rank, (score, piece, token_id) in enumerate(ranked[:limit], 1))


def learned_rows(trained: TrainedTokenizer) -> list[dict]:
    """The page's table: one row per learned piece (texts shown as text, spaces as ·)."""
    rows = []
    for piece in trained.learned:
        row = {"#": piece.rank, "id": piece.token_id}
        if piece.parts is not None:
            row["merge"] = f"{piece.parts[0]} + {piece.parts[1]}"
        row["entry"] = piece.entry
        row["text"] = shown_whitespace(piece.text)
        if piece.score is not None:
            row["log p"] = round(piece.score, 3)
        rows.append(row)
    return rows


_MARKS = {" ": "·", "\t": "→", "\n": "↵", "\r": "␍"}


def shown_whitespace(text: str) -> str:
    return "".join(_MARKS.get(char, char) for char in text)


def vocabulary_digest(tokenizer: Tokenizer) -> str:
    """sha256 of the sorted vocabulary: the same set of entries gives the same digest, ids aside."""
    return hashlib.sha256(json.dumps(sorted(tokenizer.get_vocab()), ensure_ascii=False).encode("utf-8")).hexdigest()


def merges_digest(tokenizer: Tokenizer) -> str:
    """sha256 of a BPE model's merges in learned order."""
    merges = [" ".join(merge) if isinstance(merge, list) else merge for merge in _model(tokenizer)["merges"]]
    return hashlib.sha256("\n".join(merges).encode("utf-8")).hexdigest()
