"""The "How tokenizers work" page's link: which part is shown, and each part's own fields.

Each part declares its fields in its own library module, their params prefixed by the part so
none clashes; this module puts them behind the part switch's field.
"""

from __future__ import annotations

from typing import Iterable

from ..catalog import BOOK_TOKENIZERS
from ..url_state import Field
from .languages import cost_fields
from .replay import STEP_FIELDS
from .training import TRAINING_FIELDS
from .vocabulary import VOCABULARY_FIELDS

PARTS = ("step", "train", "vocab", "cost")
PART_LABELS = {"step": "Step by step", "train": "Train one", "vocab": "Vocabulary", "cost": "Cost per language"}
PART_FIELD = Field("part", "step", choices=PARTS)


def workings_fields(loadable_tokenizers: Iterable[str] = BOOK_TOKENIZERS) -> tuple[Field, ...]:
    """Every field of the page: the part, then each part's own. The cost part defaults to the book
    tokenizers this server can load, so the default view's link stays short."""
    return (PART_FIELD, *STEP_FIELDS, *TRAINING_FIELDS, *VOCABULARY_FIELDS, *cost_fields(loadable_tokenizers))
