"""Where an asset came from, said plainly: hub, local cache, classroom folder or a packaged stand-in."""

from __future__ import annotations

import streamlit as st

from tokenlens.loader import Source


def source_caption(source: Source | None) -> None:
    if source is None:
        return
    if source.is_standin:
        st.caption(f"📦 Stand-in: {source.label}. Same ids as the hub version (tested).")
    else:
        st.caption(f"🤗 {source.label}")


def unavailable(name: str, reason: str) -> None:
    st.warning(f"**{name}** is unavailable: {reason}", icon="⚠️")
