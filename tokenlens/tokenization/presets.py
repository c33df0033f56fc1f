"""What the tokenizer page offers: the preset texts, the views, and the rules for what people paste."""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import BOOK_CHINESE_PROMPT, BOOK_MIXED_TEXT, PHI3_PROMPT

VIEWS = ("text", "ids", "both")  # tokens, ids, or both on each chip
MAX_CHARS = 20_000  # documented cap: beyond it the text is cut, with a notice


PRESETS: dict[str, str] = {
    "book": BOOK_MIXED_TEXT,
    "chinese": BOOK_CHINESE_PROMPT,
    "phi3-email": PHI3_PROMPT,
    "code": (
        "def fibonacci(n: int) -> list[int]:\n"
        "    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n"
        "    seq = [0, 1]\n"
        "    while len(seq) < n:\n"
        "        seq.append(seq[-1] + seq[-2])  # 12345678901234567890\n"
        "    return seq[:n]\n"
    ),
    "multilingual": (
        "Hello, world! Bonjour le monde ! Hallo Welt! ¡Hola, mundo!\n"
        "Привет, мир! Γειά σου Κόσμε! مرحبا بالعالم! שלום עולם!\n"
        "你好，世界！こんにちは世界！안녕하세요 세계! नमस्ते दुनिया!\n"
        "Emoji: 👩‍💻 🇳🇱 👍🏽 café naïve e\u0301"
    ),
}

PRESET_LABELS: dict[str, str] = {
    "book": "The book's mixed text",
    "chinese": "The book's Chinese prompt",
    "phi3-email": "Phi-3 email prompt",
    "code": "Python code",
    "multilingual": "Multilingual + emoji",
}

_VISIBLE_CONTROLS = {"\t", "\n", "\r"}


@dataclass(frozen=True)
class PreparedText:
    text: str
    notices: tuple[str, ...]


def prepare_text(raw: str | None, *, max_chars: int = MAX_CHARS) -> PreparedText:
    """Cap the length and say what is unusual about a text; the text itself is never rewritten
    beyond the cut, so ids stay exactly what the tokenizer gives for it."""
    text = raw or ""
    notices = []
    if len(text) > max_chars:
        notices.append(
            f"The text has {len(text):,} characters; TokenLens shows the first {max_chars:,} "
            f"(the cap keeps pages fast for everyone)."
        )
        text = text[:max_chars]
        if text and "\ud800" <= text[-1] <= "\udbff":  # never end on half a surrogate pair
            text = text[:-1]
    controls = sorted({c for c in text if (ord(c) < 32 or ord(c) == 127) and c not in _VISIBLE_CONTROLS})
    if controls:
        names = ", ".join(f"U+{ord(c):04X}" for c in controls[:8])
        notices.append(f"The text contains control characters ({names}); they are tokenized as they are.")
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
        notices.append("Lone surrogate characters were replaced by U+FFFD: they cannot be encoded as UTF-8.")
    return PreparedText(text, tuple(notices))
