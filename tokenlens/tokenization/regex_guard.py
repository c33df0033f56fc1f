"""Keep a tokenizer's own regexes from hanging a page: panics contained, time bounded.

tokenizers runs normalizer and pre-tokenizer regexes with Oniguruma, which abandons one match
attempt after 10,000,000 backtracking steps (its default retry-limit-in-match, which tokenizers
keeps). The onig crate turns that error into a Rust panic, "retry-limit-in-match over", which pyo3
raises as PanicException, a BaseException that `except Exception` (and Streamlit) let through:
`(a+)+b` on 24 or more "a" and a "!" panics after ~0.3 s here. That limit bounds one starting
position only; nothing bounds a whole search (retry-limit-in-search is 0, unlimited), so a text
of many runs each just under the limit runs on: 50 runs of 21 "a" and a "!" (1,100 characters)
take 3.9 s, the 20,000-character cap about 70 s. encode() holds the GIL throughout, so no thread
can time it out, and the whole server stalls.

So a tokenizer whose regexes are not the catalog's (those were timed on worst-case texts) first
runs its normalizer and pre-tokenizer on the text in a child process, killed after
REGEX_BUDGET_S; the text is encoded only when that finished in time.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

from tokenizers import Tokenizer

from ..safe_files import is_native_panic
from .standins import CL100K_PATTERN, QWEN2_PATTERN

REGEX_BUDGET_S = 5.0  # a child's start (~0.2 s) plus regexes that a person would wait for
# Regexes of the catalog's tokenizers (and the loader's own normaliser): linear on 20,000 spaces,
# non-breaking spaces, "a'" pairs, punctuation and " \r" pairs (at most 0.04 s each).
KNOWN_PATTERNS = frozenset({CL100K_PATTERN, QWEN2_PATTERN, " {2,}"})

_CHILD = """
import pickle, sys
normalizer, pre_tokenizer, text = pickle.load(sys.stdin.buffer)
try:
    if normalizer is not None:
        text = normalizer.normalize_str(text)
    if pre_tokenizer is not None:
        pre_tokenizer.pre_tokenize_str(text)
except BaseException as err:
    sys.stdout.write(str(err)[:300])
    sys.exit(3)
"""


class TokenizerFailed(Exception):
    """A tokenizer could not cut this text (a panic inside tokenizers, or regexes over their time)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _patterns(node, found: list[str]) -> list[str]:
    if isinstance(node, dict):
        if set(node) == {"Regex"} and isinstance(node["Regex"], str):
            found.append(node["Regex"])
        for value in node.values():
            _patterns(value, found)
    elif isinstance(node, list):
        for value in node:
            _patterns(value, found)
    return found


def unchecked_regexes(tokenizer: Tokenizer) -> list[str]:
    """The normalizer's and pre-tokenizer's regexes that are not among KNOWN_PATTERNS."""
    found: list[str] = []
    for part in (tokenizer.normalizer, tokenizer.pre_tokenizer):
        if part is not None:
            _patterns(json.loads(part.__getstate__()), found)
    return [pattern for pattern in found if pattern not in KNOWN_PATTERNS]


def check_regex_time(tokenizer: Tokenizer, text: str, name: str, *, budget_s: float = REGEX_BUDGET_S) -> None:
    """TokenizerFailed when the tokenizer's unchecked regexes fail on `text` or take over `budget_s`."""
    if not text or not unchecked_regexes(tokenizer):
        return
    try:
        payload = pickle.dumps((tokenizer.normalizer, tokenizer.pre_tokenizer, text))
    except Exception:  # a pre-tokenizer written in Python (none are read from tokenizer.json)
        return
    try:
        child = subprocess.run([sys.executable, "-c", _CHILD], input=payload, capture_output=True,
                               timeout=budget_s, check=False)
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise TokenizerFailed(
            f"{name}'s own regular expressions took over {budget_s:g} s on this text (catastrophic "
            "backtracking), so it was stopped; the other tokenizers are unaffected.") from None
    if child.returncode == 3:
        raise TokenizerFailed(f"{name} failed on this text inside the tokenizers library: "
                              f"{child.stdout.decode('utf-8', 'replace')}")


def encode(tokenizer: Tokenizer, text: str, name: str, *, add_special_tokens: bool = True):
    """tokenizer.encode with regex time bounded and a Rust panic turned into TokenizerFailed."""
    check_regex_time(tokenizer, text, name)
    try:
        return tokenizer.encode(text, add_special_tokens=add_special_tokens)
    except BaseException as err:
        if not is_native_panic(err):
            raise
        raise TokenizerFailed(f"{name} failed on this text inside the tokenizers library: {str(err)[:300]}") from None
