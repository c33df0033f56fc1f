"""Where an asset came from, and why one cannot be had, said quietly.

A learner sees one short line ("Galactica: not available offline"); the reason and the fix,
written for whoever runs the server, wait in an expander. Reasons are shown as plain text (never
Markdown) with server paths shortened, because some carry text from a link or the hub.
"""

from __future__ import annotations

import re

import streamlit as st

from tokenlens.assets import Source

SHORT_REASONS = {
    "offline": "not available offline",
    "gated": "gated on the hub (needs an access token)",
    "not-found": "not found on the hub",
    "invalid-id": "not a valid hub id",
    "missing-file": "its repo has no tokenizer files",
    "no-gpu": "needs a GPU",
    "too-big": "too large for this server",
    "not-causal-lm": "not a text-generation model",
    "no-package": "not installed here",
    "damaged": "its files here are damaged",
    "tokenizer-failed": "failed on this text",
}
_PATH = re.compile(r"(?<![\w:/.~])~?/[\w.@+-]+(?:/[\w.@+-]+)+")  # not the path part of a URL


HUB_KINDS = ("classroom folder", "hub cache", "hub")


def source_line(source: Source) -> str:
    """Where an asset came from, as every page words it: 📦 a packaged stand-in, 🤗 the hub's own
    (from any cache of it), no icon for another source (gensim-data)."""
    icon = "📦 " if source.is_standin else "🤗 " if source.kind in HUB_KINDS else ""
    return icon + source.words


def source_caption(source: Source | None) -> None:
    if source is not None:
        st.caption(source_line(source))


def shorten_paths(text: str) -> str:
    """Server paths become their last part: a visitor has no business with the server's folders."""
    return _PATH.sub(lambda match: "…/" + match.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def short_reason(kind: str | None) -> str:
    return SHORT_REASONS.get(kind or "", "not available here")


def unavailable(name: str, reason: str, kind: str | None = None, *, container=None) -> None:
    """One short line, the detail folded away."""
    where = container or st
    where.caption(f"⚠️ **{escape_markdown(name)}**: {short_reason(kind)}")
    with where.expander("Why, and how to make it available", expanded=False):
        st.text(shorten_paths(reason))


def unavailable_list(items: list[tuple[str, str, str | None]]) -> None:
    """Several unavailable assets in one line and one expander (a page may have a few)."""
    if not items:
        return
    if len(items) == 1:
        unavailable(*items[0])
        return
    st.caption("⚠️ " + " · ".join(f"**{escape_markdown(name)}**: {short_reason(kind)}" for name, _, kind in items))
    with st.expander("Why, and how to make them available", expanded=False):
        st.text("\n\n".join(f"{name}: {shorten_paths(reason)}" for name, reason, _ in items))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def operator_setting(name: str):
    """A setting in st.secrets, written by whoever runs the server (never by a visitor); None when the
    server has no secrets file or no such setting."""
    try:
        return st.secrets.get(name)
    except (FileNotFoundError, KeyError, OSError, ValueError):  # no secrets.toml, or one that is broken
        return None


def escape_markdown(text: str) -> str:
    """Text from a link or a user inside Markdown: every character that Markdown reads is escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
