"""Where an asset came from, said plainly: hub, local cache, classroom folder or a packaged stand-in."""

from __future__ import annotations

import streamlit as st

from tokenlens.loader import Source


def source_caption(source: Source | None) -> None:
    if source is not None:
        st.caption(source.caption)


def unavailable(name: str, reason: str) -> None:
    st.warning(f"**{name}** is unavailable: {reason}", icon="⚠️")
