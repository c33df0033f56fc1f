"""Widget state that survives every click and travels in the page's link.

The pattern, the same on every page:
  1. `state = PageState("tokens", FIELDS)` at the top of the page seeds each widget's session-state
     key once per session from the link (later runs never touch a widget's value again, so no
     click is ever undone by a value recomputed from the URL);
  2. widgets take `**state.bind("param")` (their key, kept for the whole session) and never
     `value=`, `index=` or `default=`;
  3. `state.sync()` after the widgets writes the view back into the URL for a copied link.

A widget that is not drawn in a run (another page, a folded option, a section after st.stop) must
keep its value. `bind` asks Streamlit to keep it for the session (`persist_state="session"`): without
it, the songs page's hand-built playlist came back as the link's song after switching modes
(tests/test_songs_page.py::test_hidden_widgets_keep_their_values). The shadow copy kept here
covers widgets drawn without `bind`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import streamlit as st

from tokenlens import url_state
from tokenlens.url_state import Field

APP_PARAMS = ("big", "theme")  # the frame's own parameters: every page keeps them in its link
_SHADOW = "_tl_shadow"


class PageState:
    def __init__(self, page: str, fields: Iterable[Field], *, from_link: Callable[[Any], dict] | None = None):
        """`from_link(query_params)` reads a link when a page needs more than `url_state.read`
        (old link formats, values that depend on each other)."""
        self.page = page
        self.fields = {field.param: field for field in fields}
        self._from_link = from_link or (lambda params: url_state.read(params, self.fields.values()))
        self._seed()

    def bind(self, param: str) -> dict[str, str]:
        """A widget's keyword arguments for `param`: its key, kept for the whole session."""
        return {"key": self.key(param), "persist_state": "session"}

    def key(self, param: str) -> str:
        """The widget key that holds `param` (use it as the widget's `key=`)."""
        if param not in self.fields:
            raise KeyError(f"{self.page} has no field {param!r}")
        return f"{self.page}.{param}"

    def _seed(self) -> None:
        shadow = st.session_state.setdefault(_SHADOW, {})
        seeded_flag = f"_tl_seeded.{self.page}"
        from_link, from_browser = None, set()
        if seeded_flag not in st.session_state:  # this session's first run of the page: the link decides
            from_link = self._from_link(st.query_params)
            from_browser = _sent_by_the_browser([self.key(param) for param in self.fields])
            st.session_state[seeded_flag] = True
        for param, field in self.fields.items():
            key = self.key(param)
            if key in st.session_state or key in from_browser:
                continue
            if from_link is not None:
                st.session_state[key] = from_link[param]
            else:
                st.session_state[key] = shadow.get(key, field.default)

    def __getitem__(self, param: str) -> Any:
        key = self.key(param)
        if key in st.session_state:
            return st.session_state[key]
        return st.session_state.get(_SHADOW, {}).get(key, self.fields[param].default)

    def set(self, param: str, value: Any) -> None:
        """Change a value from code: before its widget is drawn in this run, or in a callback."""
        st.session_state[self.key(param)] = value

    def ensure_choice(self, param: str, options: list) -> None:
        """Before drawing a select whose options change: keep the value only if still offered."""
        if options and self[param] not in options:
            self.set(param, options[0])

    def values(self) -> dict[str, Any]:
        return {param: self[param] for param in self.fields}

    def sync(self, *, exclusive: bool = True, omit: Iterable[str] = ()) -> list[str]:
        """Write the view into the URL; returns the fields too long for a link (the page says so).

        `exclusive` drops parameters that belong neither to the frame nor to this page (another
        page's, after navigating here). Fields in `omit` are left out of the link this time (a
        preset's text, which the preset's name already carries)."""
        values = self.values()
        shadow = st.session_state.setdefault(_SHADOW, {})
        shadow.update({self.key(param): value for param, value in values.items()})
        linked = {param: (self.fields[param].default if param in omit else value) for param, value in values.items()}
        write_params(url_state.to_params(linked, self.fields.values()),
                     keep=(*APP_PARAMS, *self.fields) if exclusive else None)
        return url_state.too_long(linked, self.fields.values())


def _sent_by_the_browser(keys: list[str]) -> set[str]:
    """The keys whose widget values came with this run from the browser, in a session that has not
    drawn them yet: a student whose worker died reconnects to another one (docs/deploy.md), and the
    first run there carries the screen's values, perhaps an edit the link does not hold yet. Those
    win over the link. Streamlit has no public view of them: its keyed widget ids end in "-<key>"."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        incoming = get_script_run_ctx().session_state._state._new_widget_state.states
    except AttributeError:  # another Streamlit inside: the link decides, as for any first visit
        return set()
    return {key for key in keys if any(widget_id.endswith("-" + key) for widget_id in incoming)}


def write_params(wanted: dict[str, list[str] | None], *, keep: Iterable[str] | None = None) -> None:
    """Set the parameters in `wanted` (None removes one); with `keep`, drop any parameter not in it."""
    params = st.query_params
    if keep is not None:
        for stale in [name for name in params.keys() if name not in set(keep)]:
            del params[stale]
    for name, value in wanted.items():
        current = params.get_all(name)
        if value is None:
            if current:
                del params[name]
        elif value != current:
            params[name] = value if len(value) > 1 else value[0]
