"""What the book does with word vectors: neighbours, analogies, the odd one out, word sets.

Every answer comes from gensim's own KeyedVectors methods; words a vector set lacks are named
in the result instead of raising KeyError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

MAX_SET_WORDS = 300  # a projected word set beyond this is cut, with a notice
HOVER_NEIGHBOURS_UP_TO = 120  # hover neighbours cost one pass over the vocabulary per word

WORD_SET_PRESETS: dict[str, dict[str, list[str]]] = {
    "royalty": {
        "royalty": ["king", "queen", "prince", "princess", "emperor", "empress", "throne", "crown", "monarch"],
        "people": ["man", "woman", "boy", "girl", "father", "mother", "son", "daughter"],
    },
    "animals": {
        "farm": ["pig", "cow", "sheep", "goat", "horse", "chicken", "duck"],
        "wild": ["lion", "tiger", "wolf", "bear", "elephant", "giraffe", "zebra"],
        "pets": ["dog", "cat", "rabbit", "hamster", "parrot", "goldfish"],
    },
    "countries and capitals": {
        "country": ["france", "germany", "italy", "spain", "japan", "china", "russia", "egypt", "canada"],
        "capital": ["paris", "berlin", "rome", "madrid", "tokyo", "beijing", "moscow", "cairo", "ottawa"],
    },
    "numbers": {
        "words": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        "digits": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        "ordinals": ["first", "second", "third", "fourth", "fifth"],
    },
    "verbs and tenses": {
        "present": ["walk", "run", "swim", "eat", "write", "speak", "go", "see"],
        "past": ["walked", "ran", "swam", "ate", "wrote", "spoke", "went", "saw"],
        "-ing": ["walking", "running", "swimming", "eating", "writing", "speaking", "going", "seeing"],
    },
}


@dataclass(frozen=True)
class Neighbour:
    word: str
    similarity: float


@dataclass(frozen=True)
class WordSet:
    words: list[str]  # in the vocabulary, deduplicated, in the order typed
    groups: list[str]  # one group name per word
    missing: list[str]  # typed but not in the vocabulary
    notices: list[str] = field(default_factory=list)


def resolve(vectors, word: str) -> str | None:
    """The vocabulary entry for a word as typed, else its lowercase form (GloVe is lowercase)."""
    word = word.strip()
    if not word:
        return None
    if word in vectors.key_to_index:
        return word
    lower = word.lower()
    return lower if lower in vectors.key_to_index else None


def missing_message(words: list[str]) -> str:
    quoted = ", ".join(repr(w) for w in words)
    return f"Not in the vocabulary: {quoted}."


def neighbours(vectors, word: str, topn: int = 10) -> list[Neighbour]:
    """The book's `most_similar([model[word]], topn)`: the word itself comes first at 1.0."""
    key = resolve(vectors, word)
    if key is None:
        raise ValueError(missing_message([word]))
    topn = max(1, min(int(topn), 1000))
    return [Neighbour(w, float(s)) for w, s in vectors.most_similar([vectors[key]], topn=topn)]


def analogy(vectors, a: str, b: str, c: str, topn: int = 5) -> list[Neighbour]:
    """a - b + c, as gensim computes it: most_similar(positive=[a, c], negative=[b])."""
    keys = [resolve(vectors, w) for w in (a, b, c)]
    missing = [w for w, k in zip((a, b, c), keys) if k is None]
    if missing:
        raise ValueError(missing_message(missing))
    ka, kb, kc = keys
    # "king is to man as ? is to woman" in the book's form: king - man + woman.
    found = vectors.most_similar(positive=[ka, kc], negative=[kb], topn=max(1, min(int(topn), 100)))
    return [Neighbour(w, float(s)) for w, s in found]


def odd_one_out(vectors, words: list[str]) -> tuple[str, list[str]]:
    """gensim's doesnt_match over the known words; returns (the odd word, the missing words)."""
    keys, missing = [], []
    for word in words:
        key = resolve(vectors, word)
        (keys if key else missing).append(key or word)
    keys = list(dict.fromkeys(keys))
    if len(keys) < 3:
        raise ValueError("Type at least three different known words to find the odd one out."
                         + (" " + missing_message(missing) if missing else ""))
    return str(vectors.doesnt_match(keys)), missing


def split_words(text: str) -> list[str]:
    """Words from a typed list: commas, spaces or new lines separate them."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def word_set(vectors, groups: dict[str, list[str]], *, max_words: int = MAX_SET_WORDS) -> WordSet:
    """The known words of grouped lists, deduplicated; unknown words and the cap are reported."""
    words, names, missing, seen = [], [], [], set()
    for group, members in groups.items():
        for word in members:
            key = resolve(vectors, word)
            if key is None:
                missing.append(word)
            elif key not in seen:
                seen.add(key)
                words.append(key)
                names.append(group)
    notices = []
    if len(words) > max_words:
        notices.append(f"{len(words):,} words were given; the first {max_words:,} are shown.")
        words, names = words[:max_words], names[:max_words]
    if missing:
        notices.append(missing_message(list(dict.fromkeys(missing))))
    return WordSet(words, names, list(dict.fromkeys(missing)), notices)


def matrix_of(vectors, words: list[str]) -> np.ndarray:
    """The words' vectors as a float32 (n, d) array (a copy of n rows, not of the vocabulary)."""
    return np.asarray(vectors[words], dtype=np.float32) if words else np.zeros((0, vectors.vector_size), np.float32)


def hover_neighbours(vectors, words: list[str], topn: int = 5) -> list[str]:
    """For each word, its nearest other words as one line (for a chart's hover text)."""
    if len(words) > HOVER_NEIGHBOURS_UP_TO:
        return ["" for _ in words]
    lines = []
    for word in words:
        found = vectors.most_similar(word, topn=topn)
        lines.append(", ".join(w for w, _ in found))
    return lines


def parse_groups(text: str, default_group: str = "typed") -> dict[str, list[str]]:
    """Lines of `group: word, word` (or just words) into groups, for a typed word set."""
    groups: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        name, sep, rest = line.partition(":")
        group, words = (name.strip() or default_group, rest) if sep else (default_group, line)
        members = split_words(words)
        if members:
            groups.setdefault(group, []).extend(members)
    return groups


def groups_as_text(groups: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {', '.join(words)}" for name, words in groups.items())
