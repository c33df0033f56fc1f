"""The Embeddings page's state: the link's fields (tokenlens/embeddings/link.py) kept across clicks,
and the few rules between widgets."""

from __future__ import annotations

from components.page_state import PageState
from tokenlens.embeddings.link import CUSTOM, FIELDS, preset_text
from tokenlens.url_state import preset_after_edit


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
        self.set("preset", preset_after_edit(self["preset"], self["set"], preset_text, CUSTOM))

    def model_changed(self) -> None:
        """on_change of the contextual model: start at the new model's last layer."""
        self.set("layer", None)


def page_state() -> EmbeddingsState:
    return EmbeddingsState("embeddings", FIELDS)
