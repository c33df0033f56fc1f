"""TokenLens: see how language models cut text into tokens and turn tokens into vectors.

The plain-Python core of the app: no streamlit here. The public API:
"""

from .catalog import BOOK_TOKENIZERS, TOKENIZERS, tokenizer_spec
from .assets import AssetUnavailable, Source
from .tokenization.loading import LoadedTokenizer, load_packaged, load_tokenizer
from .tokenization.presets import MAX_CHARS, PRESETS, prepare_text
from .tokenization.tokens import Token, TokenGroup, Tokenized, decode_ids, parse_ids, tokenize, tokenize_with

__all__ = [
    "BOOK_TOKENIZERS",
    "TOKENIZERS",
    "tokenizer_spec",
    "AssetUnavailable",
    "LoadedTokenizer",
    "Source",
    "load_packaged",
    "load_tokenizer",
    "MAX_CHARS",
    "PRESETS",
    "prepare_text",
    "Token",
    "TokenGroup",
    "Tokenized",
    "decode_ids",
    "parse_ids",
    "tokenize",
    "tokenize_with",
]
