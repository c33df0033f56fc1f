"""The ids a model reads and writes, as the page shows them: each id with its piece, specials marked.

Plain data for the views: no model weights are needed, only tokenizers.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..tokenization.loading import LoadedTokenizer
from ..tokenization.regex_guard import TokenizerFailed
from ..tokenization.regex_guard import encode as guarded_encode
from ..tokenization.tokens import decode_ids

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from .models import ModelTokenizer
    from .run import PreparedPrompt

# Line breaks and tabs inside a chip drawn as marks (the tokenizer page's whitespace signs), so a
# newline token is a chip "↵", not a chip two lines tall with nothing in it.
_MARKS = str.maketrans({"\n": "↵", "\t": "→", "\r": "␍"})


def chip_text(piece: str) -> str:
    return piece.translate(_MARKS)


@dataclass(frozen=True)
class IdsView:
    """What a tokenizer made of a text: ids, each id decoded alone, and which ids are special."""

    ids: tuple[int, ...]
    pieces: tuple[tuple[int, str], ...]
    special_ids: frozenset[int]

    @property
    def chips(self) -> list[tuple[int, str]]:
        """(id, piece) pairs to draw, line breaks shown as ↵."""
        return [(token_id, chip_text(piece)) for token_id, piece in self.pieces]

    @property
    def code(self) -> str:
        """The list as Python prints it, as in the book's notebook."""
        return f"input_ids = {list(self.ids)}"


def view_bytes(view: IdsView) -> int:
    """About what a view holds in memory: each piece's string, and the ints and tuples around it."""
    return sum(sys.getsizeof(piece) for _, piece in view.pieces) + 120 * len(view.ids)


def special_ids(tokenizer: "Tokenizer") -> frozenset[int]:
    """Ids of the tokenizer's special added tokens (<|assistant|>, <s>, <|im_start|>...)."""
    return frozenset(i for i, token in tokenizer.get_added_tokens_decoder().items() if token.special)


def id_pieces(tokenizer: "Tokenizer", ids: Sequence[int]) -> tuple[tuple[int, str], ...]:
    """(id, the id decoded alone) pairs: the book's `for id in input_ids: print(tokenizer.decode(id))`."""
    pieces = tokenizer.decode_batch([[i] for i in ids], skip_special_tokens=False) if ids else []
    return tuple(zip(ids, pieces))


def view_of(tokenizer: "Tokenizer", ids: Sequence[int]) -> IdsView:
    ids = tuple(int(i) for i in ids)
    return IdsView(ids, id_pieces(tokenizer, ids), special_ids(tokenizer))


def typed_prompt_view(loaded: LoadedTokenizer, text: str) -> IdsView:
    """The prompt as typed, as the book tokenizes it: `tokenizer(prompt).input_ids`."""
    try:
        return view_of(loaded.tokenizer, guarded_encode(loaded.tokenizer, text, loaded.hub_id).ids)
    except TokenizerFailed as err:  # a panic or a runaway regex in a typed model's tokenizer
        raise ValueError(err.reason) from None


def model_prompt_view(model_tokenizer: "ModelTokenizer", text: str, *, chat_template: bool,
                      max_new_tokens: int) -> tuple["PreparedPrompt", IdsView]:
    """What the model will read when Generate is pressed: prepare_prompt, the very function the
    generation uses, so the ids shown before generating are the ids it reads. ValueError for an
    empty prompt or a token limit beyond the context."""
    from .run import prepare_prompt

    prompt = prepare_prompt(model_tokenizer.fast, text, chat_template=chat_template,
                            context_length=model_tokenizer.context_length, max_new_tokens=max_new_tokens)
    return prompt, view_of(model_tokenizer.view.tokenizer, prompt.ids)


@dataclass(frozen=True)
class Decoded:
    """Ids decoded by one tokenizer: each alone, and all together; or why they cannot be."""

    name: str
    pieces: tuple[tuple[int, str], ...] = ()
    together: str | None = None
    special_ids: frozenset[int] = frozenset()
    error: str | None = None


def decode_with(loaded: LoadedTokenizer, ids: Sequence[int], name: str | None = None) -> Decoded:
    """The book's tokenizer.decode, one id at a time and all at once; unknown ids name the vocabulary's range."""
    name = name or loaded.name
    try:
        together = decode_ids(loaded, list(ids))
    except ValueError as err:
        return Decoded(name, error=str(err))
    return Decoded(name, id_pieces(loaded.tokenizer, ids), together, special_ids(loaded.tokenizer))
