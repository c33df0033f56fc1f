"""The Embeddings page's view: every widget's value, kept across clicks and carried in the link.

One field per widget. The word-set preset and its text follow the tokenizer page: choosing a
preset fills the box; editing the box switches to "custom" and keeps what was typed, so a link
opens what the sender saw. A preset's text is not written into the link (the preset names it).
"""

from __future__ import annotations

from components.page_state import PageState
from tokenlens.catalog import CONTEXTUAL_MODELS, SENTENCE_MODELS, WORD_VECTORS
from tokenlens.embeddings import contextual, sentences, words
from tokenlens.embeddings.contextual import BOOK_CONTEXTUAL_MODEL
from tokenlens.embeddings.projection import METHODS
from tokenlens.embeddings.sentences import BOOK_SENTENCE_MODEL
from tokenlens.embeddings.word_vectors import DEFAULT_WORD_VECTORS
from tokenlens.url_state import Field

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


class EmbeddingsState(PageState):
    def link_omits(self) -> tuple[str, ...]:
        """Fields the link need not carry now: a preset's words (the preset names them)."""
        return ("set",) if self["preset"] != CUSTOM else ()

    def fill_preset_text(self) -> None:
        """Before the word-set box is drawn: a chosen preset shows its own words."""
        if self["preset"] != CUSTOM:
            self.set("set", preset_text(self["preset"]))

    def text_edited(self) -> None:
        """on_change of the word-set box: edited preset text becomes custom text, kept as typed."""
        if self["preset"] != CUSTOM and self["set"] != preset_text(self["preset"]):
            self.set("preset", CUSTOM)

    def model_changed(self) -> None:
        """on_change of the contextual model: start at the new model's last layer."""
        self.set("layer", None)


def page_state() -> EmbeddingsState:
    return EmbeddingsState("embeddings", FIELDS)
