"""The cost of a language: one meaning, many languages, how many tokens each tokenizer needs.

The sentences are Article 1 of the Universal Declaration of Human Rights in 29 languages and 15
scripts (tokenlens/data/parallel_sentences.json, each with where its translation is published).
A tokenizer trained mostly on English text cuts other languages into more pieces: the same
meaning costs more tokens, so more money, more of the context window and more time.
Counts are the tokenizer's own `encode(text, add_special_tokens=False).ids`: the sentence alone,
without [CLS]/[SEP] or </s>, which every language pays alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources as package_files
from typing import Iterable

import numpy as np
from tokenizers import Tokenizer

from ..catalog import BOOK_TOKENIZERS, TOKENIZERS
from ..url_state import Field
from .loading import LoadedTokenizer, unknown_id

DATA_FILE = "parallel_sentences.json"
BASE_LANGUAGE = "en"
SHOW_CHOICES = ("ratio", "tokens")  # what the chart's cells and the table's columns say
# Above this share of unknown tokens a count says nothing about cost: the tokenizer dropped the text
# (BERT reads a Georgian word as one [UNK]), so the sentence looks cheap and is lost.
LOST_SHARE = 0.1


@dataclass(frozen=True)
class Sentence:
    language: str
    code: str  # ISO 639-1
    script: str
    text: str
    source_title: str
    source_url: str
    note: str  # how the text was transcribed

    @property
    def characters(self) -> int:
        return len(self.text)

    @property
    def utf8_bytes(self) -> int:
        return len(self.text.encode("utf-8"))


def load_sentences() -> tuple[Sentence, ...]:
    """The packaged parallel sentences, in the file's order."""
    raw = package_files.files("tokenlens").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return tuple(Sentence(entry["language"], entry["code"], entry["script"], entry["text"],
                          entry["source"]["title"], entry["source"]["url"], entry.get("note", ""))
                 for entry in json.loads(raw)["sentences"])


SENTENCES = load_sentences()  # static data, like the presets: read once when imported
LANGUAGE_CODES = tuple(sentence.code for sentence in SENTENCES)


def cost_fields(default_tokenizers: Iterable[str] = BOOK_TOKENIZERS) -> tuple[Field, ...]:
    """The part's link. Pass the book tokenizers this server loads as the default (as the compare
    page does), so the default view's link stays short where one of them cannot be had."""
    return (
        Field("cost_tok", list(default_tokenizers), kind="list", choices=tuple(BOOK_TOKENIZERS)),
        Field("cost_base", BASE_LANGUAGE, choices=LANGUAGE_CODES),
        Field("cost_show", "ratio", choices=SHOW_CHOICES),
        Field("cost_see", "", choices=("", *LANGUAGE_CODES)),  # one language's tokens as chips ("" = none)
    )


COST_FIELDS = cost_fields()


def sentence(code: str) -> Sentence:
    return next(found for found in SENTENCES if found.code == code)


def count_tokens(tokenizer: Tokenizer, text: str, unk: int | None = None) -> tuple[int, int]:
    """(tokens, of which unknown) for a text alone, without the special tokens a model adds;
    `unk` is unknown_id(tokenizer), passed in when counting many texts."""
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    return len(ids), (ids.count(unk) if unk is not None else 0)


@dataclass(frozen=True)
class LanguageCosts:
    """Tokens per language (rows, in SENTENCES order) and tokenizer (columns)."""

    sentences: tuple[Sentence, ...]
    hub_ids: tuple[str, ...]
    names: tuple[str, ...]
    tokens: np.ndarray  # int64, languages x tokenizers
    unknown: np.ndarray  # int64, same shape: tokens that stand for text the tokenizer lost

    @property
    def nbytes(self) -> int:
        # Sentences are the shared module constant; only the arrays and labels are this object's.
        return self.tokens.nbytes + self.unknown.nbytes + sum(len(name) + 64 for name in (*self.hub_ids, *self.names))

    def row(self, code: str) -> int:
        return next(i for i, found in enumerate(self.sentences) if found.code == code)

    def ratios(self, base: str = BASE_LANGUAGE) -> np.ndarray:
        """Each language's tokens divided by the base language's, per tokenizer (base row is 1)."""
        return self.tokens / self.tokens[self.row(base)]

    def size_ratios(self, base: str = BASE_LANGUAGE) -> tuple[np.ndarray, np.ndarray]:
        """(characters, UTF-8 bytes) of each language divided by the base language's."""
        chars = np.array([found.characters for found in self.sentences], dtype=float)
        raw = np.array([found.utf8_bytes for found in self.sentences], dtype=float)
        row = self.row(base)
        return chars / chars[row], raw / raw[row]

    def lost(self, base: str = BASE_LANGUAGE) -> np.ndarray:
        """Cells whose count means nothing: too many unknown tokens here, or in the base language."""
        lost = self.unknown > LOST_SHARE * self.tokens
        return lost | lost[self.row(base)]

    def order(self, base: str = BASE_LANGUAGE) -> list[int]:
        """Rows from cheapest to dearest: by the mean ratio over the tokenizers shown that kept the
        sentence (a geometric mean, so 2× cheaper and 2× dearer weigh the same); a row no tokenizer
        kept goes by its UTF-8 bytes."""
        _, bytes_ratio = self.size_ratios(base)
        kept = ~self.lost(base)
        logs = np.where(kept, np.log(np.where(kept, self.ratios(base), 1.0)), 0.0)
        counted = kept.sum(axis=1)
        mean_log = np.where(counted > 0, logs.sum(axis=1) / np.maximum(counted, 1), np.log(bytes_ratio))
        return sorted(range(len(self.sentences)), key=lambda i: (mean_log[i], self.sentences[i].language))

    def table_rows(self, base: str = BASE_LANGUAGE, show: str = "ratio") -> list[dict]:
        """One row per language, cheapest first: its size, then per tokenizer the ratio or the count."""
        ratios = self.ratios(base)
        chars_ratio, bytes_ratio = self.size_ratios(base)
        rows = []
        for i in self.order(base):
            found = self.sentences[i]
            row = {"language": found.language, "code": found.code, "script": found.script,
                   "characters": found.characters, "UTF-8 bytes": found.utf8_bytes,
                   "bytes per character": round(found.utf8_bytes / found.characters, 2),
                   "bytes vs base": round(float(bytes_ratio[i]), 2)}
            for j, name in enumerate(self.names):
                row[name] = round(float(ratios[i, j]), 2) if show == "ratio" else int(self.tokens[i, j])
            rows.append(row)
        return rows

    def dearest(self, hub_id: str, base: str = BASE_LANGUAGE) -> tuple[Sentence, float]:
        """The language that costs a tokenizer the most tokens, and its ratio to the base, counting
        only languages it kept (see LOST_SHARE)."""
        column = self.hub_ids.index(hub_id)
        ratios = self.ratios(base)[:, column]
        lost = self.lost(base)[:, column]
        whole = [i for i in range(len(ratios)) if not lost[i]] or [self.row(base)]
        worst = max(whole, key=lambda i: ratios[i])
        return self.sentences[worst], float(ratios[worst])


def language_costs(loaded: Iterable[LoadedTokenizer], sentences: tuple[Sentence, ...] = SENTENCES) -> LanguageCosts:
    """Count every sentence with every tokenizer (a few hundred short encodes: milliseconds)."""
    loaded = list(loaded)
    unks = [unknown_id(one.tokenizer) for one in loaded]
    counts = [[count_tokens(one.tokenizer, found.text, unk) for one, unk in zip(loaded, unks)]
              for found in sentences]
    shape = (len(sentences), len(loaded))
    tokens = np.array([[c[0] for c in row] for row in counts], dtype=np.int64).reshape(shape)
    unknown = np.array([[c[1] for c in row] for row in counts], dtype=np.int64).reshape(shape)
    names = tuple(TOKENIZERS[one.hub_id].name if one.hub_id in TOKENIZERS else one.name or one.hub_id
                  for one in loaded)
    return LanguageCosts(tuple(sentences), tuple(one.hub_id for one in loaded), names, tokens, unknown)


def headline(costs: LanguageCosts, base: str = BASE_LANGUAGE) -> str:
    """One sentence a class reads first: the widest gap among the tokenizers shown (plain text)."""
    if not costs.hub_ids:
        return ""
    gaps = [(costs.dearest(hub_id, base), name) for hub_id, name in zip(costs.hub_ids, costs.names)]
    (dearest, ratio), name = max(gaps, key=lambda gap: gap[0][1])
    base_language = sentence_in(costs, base).language
    if dearest.code == base:
        return f"{name} cuts no language more finely than {base_language}."
    return (f"{name} needs {ratio:.1f}× as many tokens for the sentence in {dearest.language} "
            f"as in {base_language}: same meaning, {ratio:.1f}× the cost.")


def sentence_in(costs: LanguageCosts, code: str) -> Sentence:
    return costs.sentences[costs.row(code)]
