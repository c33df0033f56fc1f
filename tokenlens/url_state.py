"""A page's view as URL query parameters: read once from a link, written back after every run.

Pages declare their fields once; `read` turns a query string into checked values (anything
malformed falls back to the default, never an error) and `to_params` turns values back into the
shortest query string (defaults are left out). Works on any mapping with `get_all`
(st.query_params, a dict of lists in tests), so it is tested without streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

MAX_PARAM_CHARS = 2_000  # longer values make links that browsers and chat apps cut


@dataclass(frozen=True)
class Field:
    """One piece of a view: its query parameter, default and what values are allowed."""

    param: str
    default: Any
    kind: str = "str"  # "str" | "int" | "float" | "bool" | "list"
    choices: tuple | None = None  # allowed values (for "list": allowed items)
    low: float | None = None  # bounds for numbers
    high: float | None = None
    max_chars: int = MAX_PARAM_CHARS
    max_items: int = 50
    check: Callable[[Any], bool] | None = None  # extra validity test

    def parse(self, raw: list[str]) -> Any:
        """The value a link asks for, or the default when it is absent or not allowed."""
        if not raw:
            return self.default
        try:
            value = self._convert(raw)
        except (TypeError, ValueError):
            return self.default
        if self.check is not None and not self.check(value):
            return self.default
        return value

    def _convert(self, raw: list[str]) -> Any:
        if self.kind == "list":
            items = [item for item in raw if item.strip() and len(item) <= self.max_chars]
            if self.choices is not None:
                items = [item for item in items if item in self.choices]
            return list(dict.fromkeys(items))[: self.max_items]
        text = raw[-1]
        if len(text) > self.max_chars:
            raise ValueError("too long")
        if self.kind == "bool":
            if text not in ("0", "1"):
                raise ValueError("not a flag")
            return text == "1"
        if self.kind in ("int", "float"):
            if not text.isascii():  # int() accepts other scripts' digits; a link should not
                raise ValueError("not an ASCII number")
            number = int(text) if self.kind == "int" else float(text)
            if number != number or (self.low is not None and number < self.low) or (
                    self.high is not None and number > self.high):
                raise ValueError("out of range")
            return number
        if self.choices is not None and text not in self.choices:
            raise ValueError("not a choice")
        return text

    def dump(self, value: Any) -> list[str] | None:
        """The query values for `value`; None when it is the default (the link stays short)."""
        if value == self.default or value is None:
            return None
        if self.kind == "list":
            return [str(item) for item in value] or None
        if self.kind == "bool":
            return ["1" if value else "0"]
        text = str(value)
        return [text] if len(text) <= self.max_chars else None


def read(params, fields: Iterable[Field]) -> dict[str, Any]:
    """Every field's value from a query string (st.query_params or a dict of lists)."""
    return {field.param: field.parse(_all(params, field.param)) for field in fields}


def to_params(values: dict[str, Any], fields: Iterable[Field]) -> dict[str, list[str] | None]:
    """The query values for a view; None marks a parameter to remove."""
    return {field.param: field.dump(values.get(field.param, field.default)) for field in fields}


def too_long(values: dict[str, Any], fields: Iterable[Field]) -> list[str]:
    """Fields whose value is too long to travel in a link (the page says so)."""
    return [field.param for field in fields
            if field.kind not in ("list", "bool") and values.get(field.param) not in (None, field.default)
            and len(str(values[field.param])) > field.max_chars]


def preset_after_edit(preset: str, text: str, preset_text: Callable[[str], str | None],
                      custom: str = "custom") -> str:
    """Editing a preset's text makes it the visitor's own (`custom`, and the link carries the text);
    a preset whose text is unchanged stays that preset."""
    return preset if preset != custom and preset_text(preset) == text else custom


def _all(params, key: str) -> list[str]:
    if hasattr(params, "get_all"):
        return list(params.get_all(key))
    value = params.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
