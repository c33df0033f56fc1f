"""The Embeddings page's view in its link: one field per widget, tested without streamlit.

The word-set preset and its text follow the tokenizer page: choosing a preset fills the box; editing
the box switches to "custom" and keeps what was typed. A preset's text is not written into the link
(the preset names it).
"""

from __future__ import annotations

from ..catalog import CONTEXTUAL_MODELS, SENTENCE_MODELS, WORD_VECTORS
from ..url_state import Field
from . import contextual, sentences, words
from .contextual import BOOK_CONTEXTUAL_MODEL
from .projection import METHODS
from .sentences import BOOK_SENTENCE_MODEL
from .word_vectors import DEFAULT_WORD_VECTORS

SECTIONS = {"words": "Word vectors", "sentences": "Sentences", "contextual": "Tokens in context"}
CUSTOM = "custom"
DEFAULT_PRESET = "royalty"
PRESETS = (CUSTOM, *words.WORD_SET_PRESETS)
# Each projected view has its own method and dimensions: (method param, dimensions param).
PROJECTED_VIEWS = {"words": ("method", "dims"), "sentences": ("smethod", "sdims"), "bank": ("bmethod", "bdims")}


# How the page names a field that is too long to travel in a link.
FIELD_NAMES = {"set": "the word set", "sentences": "the sentences", "fsents": "the sentences that use the word",
               "text": "the text", "odd": "the odd-one-out words", "query": "the query"}


def preset_text(preset: str) -> str:
    return words.groups_as_text(words.WORD_SET_PRESETS[preset])


def _projection_fields() -> list[Field]:
    fields = []
    for method, dims in PROJECTED_VIEWS.values():
        fields += [Field(method, "PCA", choices=METHODS), Field(dims, 2, "int", low=2, high=3)]
    return fields


FIELDS = (
    Field("section", "words", choices=tuple(SECTIONS)),
    # word vectors
    Field("vectors", DEFAULT_WORD_VECTORS, choices=tuple(WORD_VECTORS)),
    Field("word", "king", max_chars=100),
    Field("topn", 11, "int", low=2, high=100),
    Field("a", "king", max_chars=100),
    Field("b", "man", max_chars=100),
    Field("c", "woman", max_chars=100),
    Field("odd", "breakfast cereal dinner lunch", max_chars=500),
    Field("preset", DEFAULT_PRESET, choices=PRESETS),
    Field("set", preset_text(DEFAULT_PRESET)),
    # sentences
    Field("smodel", BOOK_SENTENCE_MODEL, choices=tuple(SENTENCE_MODELS)),
    Field("sentences", "\n".join(sentences.EXAMPLE_SENTENCES)),
    Field("query", "a wonderful film", max_chars=500),
    # tokens in context; layer None = the model's last layer (set once the model is known)
    Field("cmodel", BOOK_CONTEXTUAL_MODEL, choices=tuple(CONTEXTUAL_MODELS)),
    Field("text", "Hello world", max_chars=1_000),
    Field("layer", None, "int", low=0, high=100),
    Field("follow", "bank", max_chars=50),
    Field("fsents", contextual.marked_text()),
    Field("piece", "king", max_chars=100),
    *_projection_fields(),
)
