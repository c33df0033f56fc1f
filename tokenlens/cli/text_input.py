"""Text from the command line or standard input, made safe for every command the same way.

Bytes that are not UTF-8 arrive as lone surrogates (Python's surrogateescape for argv, and for stdin
under a C locale) or as a UnicodeDecodeError (stdin under other locales). Tokenizers and models refuse
surrogates with a TypeError, so every command gets U+FFFD in their place and a notice on stderr.
"""

from __future__ import annotations

import sys

REPLACEMENT = "\ufffd"
_REPLACEMENT_UTF8 = REPLACEMENT.encode()


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def replace_surrogates(text: str) -> tuple[str, int]:
    """The text with each lone surrogate as U+FFFD, and how many there were."""
    count = sum(map(_is_surrogate, text))
    if not count:
        return text, 0
    return "".join(REPLACEMENT if _is_surrogate(c) else c for c in text), count


def decode_utf8(raw: bytes) -> tuple[str, int]:
    """Bytes as text, each invalid UTF-8 sequence as U+FFFD, and how many were replaced."""
    text = raw.decode("utf-8", errors="replace")
    # U+FFFD already present in valid input is not a replacement of ours.
    return text, text.count(REPLACEMENT) - raw.count(_REPLACEMENT_UTF8)


def _read_stdin() -> tuple[str, int]:
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return decode_utf8(buffer.read())
    return replace_surrogates(sys.stdin.read())  # a text-only stand-in (a test or host program swapped sys.stdin)


def note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


def read_text_argument(text: str) -> str:
    """TEXT as given, or standard input for '-'; never holds lone surrogates (see the module doc)."""
    if text != "-":
        return clean_argument(text)
    clean, replaced = _read_stdin()
    _say_replaced(replaced, "standard input")
    return clean


def clean_argument(text: str) -> str:
    """A command-line word or text without lone surrogates (bytes that were not UTF-8)."""
    clean, replaced = replace_surrogates(text)
    _say_replaced(replaced, "the command line")
    return clean


def _say_replaced(replaced: int, where: str) -> None:
    if replaced:
        plural = replaced != 1
        note(f"{replaced:,} invalid UTF-8 sequence{'s' if plural else ''} in {where} "
             f"{'were' if plural else 'was'} replaced by U+FFFD.")


def cap_text(text: str, max_chars: int) -> tuple[str, dict | None]:
    """The first `max_chars` characters (0: all) and, when cut, {"at": kept, "of": total} with a stderr line."""
    if not max_chars or len(text) <= max_chars:
        return text, None
    kept = text[:max_chars]
    note(f"the text has {len(text):,} characters; only the first {max_chars:,} are used "
         "(--max-chars 0 uses them all).")
    return kept, {"at": len(kept), "of": len(text)}
