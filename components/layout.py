"""The frame every page shares: projector mode (larger fonts) and a short about box."""

from __future__ import annotations

import streamlit as st

PROJECTOR_CSS = """
<style>
/* Streamlit sizes text in rem: a larger root size scales the whole page evenly. */
html {font-size: 21px;}
.tl-box {--tl-font: 22px;}
</style>
"""


def projector_mode() -> bool:
    """A sidebar toggle kept in the URL (?big=1), so a shared classroom link opens large."""
    default = st.query_params.get("big") == "1"
    big = st.sidebar.toggle("Projector mode (larger text)", value=default, key="projector",
                            help="Larger fonts for a class demo; kept in the page's link.")
    if big:
        st.query_params["big"] = "1"
        st.html(PROJECTOR_CSS)
    elif "big" in st.query_params:
        del st.query_params["big"]
    return big


def sidebar_about() -> None:
    st.sidebar.caption(
        "TokenLens brings chapter 2 of *Hands-On Large Language Models* to life: "
        "every id shown is the real tokenizer's."
    )
