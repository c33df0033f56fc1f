"""The generation page's view in its link: model, prompt, settings and the ids to decode.

Pure data (no streamlit), so what a link may carry is tested directly. The endpoint settings are
left out on purpose: a link must never make the server send requests to an address it names.
"""

from __future__ import annotations

from ..catalog import BOOK_DECODE_IDS, LANGUAGE_MODELS, PHI3_PROMPT
from ..hub import is_valid_repo_id
from ..url_state import Field
from .models import default_model_id
from .run import MAX_NEW_TOKENS, MAX_TOP_K

OTHER = "other"  # the model select's "another hub id" entry
PROMPT_LINK_LIMIT = 2_000  # longer prompts make links that browsers and chat apps cut
_ON_GRID = 1e-6


def _on_grid(step: float):
    """Slider values from a link must sit on the slider's steps (0.05)."""
    return lambda value: abs(value / step - round(value / step)) < _ON_GRID


def generation_fields(has_cuda: bool) -> tuple[Field, ...]:
    """`chat` has no fixed default: a link without it gets the model's own (see chat_by_default)."""
    return (
        Field("model", default_model_id(has_cuda), choices=(*LANGUAGE_MODELS, OTHER)),
        Field("hub", "", max_chars=200, check=lambda value: not value or is_valid_repo_id(value)),
        Field("prompt", PHI3_PROMPT, max_chars=PROMPT_LINK_LIMIT),
        Field("chat", None, kind="bool"),
        Field("max_new", 40, kind="int", low=1, high=MAX_NEW_TOKENS),
        Field("mode", "greedy", choices=("greedy", "sampling")),
        Field("seed", 0, kind="int", low=0, high=2**31 - 1),
        Field("top_k", 5, kind="int", low=0, high=MAX_TOP_K),
        Field("temp", 0.8, kind="float", low=0.05, high=2.0, check=_on_grid(0.05)),
        Field("top_p", 0.95, kind="float", low=0.05, high=1.0, check=_on_grid(0.05)),
        Field("ids", BOOK_DECODE_IDS, max_chars=400),
    )


def model_id_of(model: str, hub: str) -> str:
    """The hub id in use: the select's choice, or the typed id behind "Another hub id…"."""
    return hub.strip() if model == OTHER else model
