"""The frame every page shares: projector mode, the theme switch, compact page headers.

Both settings travel in the link (`?big=1`, `?theme=dark`), so a lecturer's link opens large and
in the chosen theme on every student's screen.
"""

from __future__ import annotations

import json

import streamlit as st

from components.page_state import PageState
from tokenlens.url_state import Field

THEMES = ("auto", "light", "dark")
APP_FIELDS = (Field("big", False, "bool"), Field("theme", "auto", choices=THEMES))

# Streamlit sizes text in rem: a larger root size scales the whole page evenly. Charts and token
# views size their own text (see chart_font_px and the views' font size).
BASE_CSS = """
<style>
/* The first screen belongs to the content: less empty space above the title. */
[data-testid="stMainBlockContainer"] {padding-top: 2.2rem; padding-bottom: 3rem;}
[data-testid="stMainBlockContainer"] h1 {padding-top: 0; padding-bottom: .2rem;}
/* Pills wrap onto more lines instead of hiding choices behind a sideways scroll. */
[data-testid="stMain"] [data-testid="stButtonGroup"] > div:last-child {flex-wrap: wrap; overflow-x: visible;}
</style>
"""
PROJECTOR_CSS = """
<style>
html {font-size: 21px;}
[data-testid="stMainBlockContainer"] {max-width: 100%; padding-left: 2rem; padding-right: 2rem;}
/* Ids and numbers never break in the middle. */
code, [data-testid="stMetricValue"] {white-space: nowrap;}
</style>
"""
# Streamlit keeps the viewer's theme choice in localStorage, one entry per page path; the switch
# writes it for every page and reloads once. The URL carries the view, so nothing is lost.
_THEME_SCRIPT = """
<script>
(() => {
  const want = %s, paths = %s;
  const key = p => `stActiveTheme-${p}-v2`;
  const now = window.localStorage.getItem(key(window.location.pathname));
  if (now === JSON.stringify(want) || (now === null && want === "System")) return;
  paths.forEach(p => window.localStorage.setItem(key(p), JSON.stringify(want)));
  const tries = Number(window.sessionStorage.getItem("tl-theme-reloads") || 0);
  if (tries < 2) {  /* never loop if the browser refuses to store it */
    window.sessionStorage.setItem("tl-theme-reloads", String(tries + 1));
    window.location.reload();
  }
})();
</script>
"""


def page_config() -> None:
    """set_page_config before anything else: projector links open with the sidebar folded."""
    big = st.query_params.get("big") == "1"
    st.set_page_config(page_title="TokenLens", page_icon="🔬", layout="wide",
                       initial_sidebar_state="collapsed" if big else "auto")


# Turning projector mode on folds the sidebar, as a projector link does (once, on that click).
_FOLD_SIDEBAR_SCRIPT = """
<script>
(() => {
  const button = window.parent.document.querySelector('[data-testid="stSidebarCollapseButton"] button')
    || document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (button) button.click();
})();
</script>
"""


def _projector_switched() -> None:
    if st.session_state.get("app.big"):
        st.session_state["_tl_fold_sidebar"] = True


def frame_controls(page_paths: list[str]) -> PageState:
    """The sidebar's projector and theme switches, kept in the link; applies both."""
    state = PageState("app", APP_FIELDS)
    st.sidebar.toggle("📽️ Projector mode", **state.bind("big"), on_change=_projector_switched,
                      help="Larger text, charts and tables for a class; kept in the page's link.")
    st.sidebar.segmented_control("Theme", THEMES, **state.bind("theme"), required=True,
                                 format_func={"auto": "Auto", "light": "☀️ Light", "dark": "🌙 Dark"}.get,
                                 help="Auto follows your browser's light or dark setting.")
    st.html(BASE_CSS)
    if state["big"]:
        st.html(PROJECTOR_CSS)
    if st.session_state.pop("_tl_fold_sidebar", False):
        st.html(_FOLD_SIDEBAR_SCRIPT, unsafe_allow_javascript=True)
    # The link first: the theme script may reload the page at once, and the reload must carry the
    # new choice (synced after it, a reload could beat the link's update and bring the old theme back).
    state.sync(exclusive=False)
    want = {"auto": "System", "light": "Light", "dark": "Dark"}[state["theme"]]
    st.html(_THEME_SCRIPT % (json.dumps(want), json.dumps(page_paths)), unsafe_allow_javascript=True)
    return state


def is_projector() -> bool:
    return bool(st.session_state.get("app.big"))


def theme_type() -> str:
    """"light" or "dark": the switch when set, else what the browser reports (light if unknown)."""
    chosen = st.session_state.get("app.theme") or "auto"
    if chosen != "auto":
        return chosen
    return st.context.theme.type or "light"


def chart_font_px() -> int:
    return 20 if is_projector() else 13


def sidebar_about() -> None:
    st.sidebar.caption(
        "TokenLens brings chapter 2 of *Hands-On Large Language Models* to life: "
        "every id shown is the real tokenizer's."
    )
