"""TokenLens: see how language models cut text into tokens and turn tokens into vectors.

The plain-Python core of the app: no streamlit here. The public API:
"""

from .catalog import BOOK_TOKENIZERS, TOKENIZERS, tokenizer_spec
from .hub import AssetUnavailable
from .loader import LoadedTokenizer, Source, get_tokenizer, load_packaged, load_tokenizer
from .text_input import MAX_CHARS, PRESETS, prepare_text
from .tokens import Token, TokenGroup, Tokenized, decode_ids, parse_ids, tokenize, tokenize_with

__all__ = [
    "BOOK_TOKENIZERS",
    "TOKENIZERS",
    "tokenizer_spec",
    "AssetUnavailable",
    "LoadedTokenizer",
    "Source",
    "get_tokenizer",
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
