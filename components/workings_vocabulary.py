"""How tokenizers work, part "vocab": two vocabularies side by side, compared by the text of each entry."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import resources
from components.charts import show_chart
from components.model_status import escape_markdown, unavailable
from components.page_state import PageState
from components.progress import book_tokenizers_with_progress
from components.token_view import id_chips
from tokenlens.assets import AssetUnavailable
from tokenlens.catalog import TOKENIZERS
from tokenlens.tokenization.loading import LoadedTokenizer
from tokenlens.tokenization.vocabulary import (FRAGMENT, IN_NO_TEXT, SPECIAL, VocabularyAnalysis, added_rows,
                                               search, summary, unreached_rows)

_CHIP_CHARS = 16  # a 128-space entry would be one chip wider than the column
_LONGEST_BUCKET = 16  # lengths from here on share one bar ("16+")


def vocabulary_section(state: PageState) -> None:
    st.caption("A vocabulary is the list of pieces a tokenizer may cut text into. Here two of them are compared "
               "by the text each entry stands for, not by id: id 1000 means something different in each.")
    available = list(book_tokenizers_with_progress())
    if not available:
        st.info("No tokenizer can be loaded on this server.", icon="⚠️")
        return
    state.ensure_choice("vocab_a", available)
    state.ensure_choice("vocab_b", available)
    first, second, find = st.columns([1, 1, 1])
    name = lambda hub_id: TOKENIZERS[hub_id].name  # noqa: E731
    first.selectbox("Vocabulary A", available, **state.bind("vocab_a"), format_func=name)
    second.selectbox("Vocabulary B", available, **state.bind("vocab_b"), format_func=name)
    find.text_input("Find entries containing", **state.bind("vocab_q"), placeholder="e.g. token",
                    help="Exact text, case-sensitive; a space counts as a space.")
    pair = _load(state["vocab_a"]), _load(state["vocab_b"])
    if None in pair:
        return
    (loaded_a, a), (loaded_b, b) = pair
    overlap = resources.vocabulary_overlap(loaded_a, loaded_b)

    sizes = st.columns(4)
    sizes[0].metric(f"{a.name}: entries", f"{len(a):,}")
    sizes[1].metric(f"{b.name}: entries", f"{len(b):,}")
    sizes[2].metric("Same text in both", f"{overlap.shared:,}",
                    help="Distinct surface strings of the two regular vocabularies (added tokens left out).")
    sizes[3].metric("Not from own text (A / B)", f"{len(a.unreached_rows):,} / {len(b.unreached_rows):,}",
                    help="Entries that encoding their own text does not give back: see the last tab.")
    st.caption(f"{a.name} shares {overlap.shared / overlap.distinct_a:.0%} of its {overlap.distinct_a:,} distinct "
               f"strings with {b.name}; {b.name} shares {overlap.shared / overlap.distinct_b:.0%} of its "
               f"{overlap.distinct_b:,}." + _gaps_note(a) + _gaps_note(b))
    if state["vocab_q"]:
        _search_results(state["vocab_q"], a, b)

    tabs = st.tabs(["Overlap", "Token lengths", "Longest", "Added & special", "Not from their own text"])
    with tabs[0]:
        _overlap_tab(a, b, overlap)
    with tabs[1]:
        show_chart(length_chart(a, b), key="vocab.lengths")
        st.caption("Entries of each vocabulary by length in characters (a leading space counts; byte fragments, "
                   "which are no characters, are left out). Bars are shares, so vocabularies of different sizes "
                   "compare; hover for counts.")
    with tabs[2]:
        for column, analysis in zip(st.columns(2), (a, b)):
            with column:
                st.markdown(f"**{escape_markdown(analysis.name)}**")
                _entries_table(analysis, analysis.longest(15), key=f"vocab.longest.{analysis.hub_id}")
    with tabs[3]:
        for column, analysis, other in zip(st.columns(2), (a, b), (b, a)):
            with column:
                st.markdown(f"**{escape_markdown(analysis.name)}**")
                rows = added_rows(analysis, other)
                if rows:
                    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=260,
                                 column_config={"in the other": st.column_config.CheckboxColumn(
                                     f"also in {other.name}")})
                else:
                    st.caption("No added tokens.")
        st.caption("Added tokens are matched as whole strings before the vocabulary is used; special ones mark "
                   "structure (start, end, padding, chat turns) and are usually kept out of decoded text.")
    with tabs[4]:
        for column, analysis, loaded in zip(st.columns(2), (a, b), (loaded_a, loaded_b)):
            with column:
                _unreached(analysis, loaded)


def _load(hub_id: str) -> tuple[LoadedTokenizer, VocabularyAnalysis] | None:
    try:
        loaded = resources.tokenizer(hub_id)
        with st.spinner(f"Reading every entry of {escape_markdown(loaded.name)}…"):
            return loaded, resources.vocabulary_analysis(loaded)
    except AssetUnavailable as err:
        unavailable(TOKENIZERS[hub_id].name if hub_id in TOKENIZERS else hub_id, err.reason, err.kind)
        return None


def _gaps_note(analysis: VocabularyAnalysis) -> str:
    highest = int(analysis.ids[-1])
    if highest + 1 == len(analysis):
        return ""
    return f" {analysis.name}'s ids reach {highest:,}: {highest + 1 - len(analysis):,} ids in between are unused."


def _chip_text(analysis: VocabularyAnalysis, row: int) -> str:
    shown = analysis.shown(row)
    return shown if len(shown) <= _CHIP_CHARS else shown[:_CHIP_CHARS - 1] + "…"


def _chips(analysis: VocabularyAnalysis, rows) -> None:
    if not len(rows):
        st.caption("None.")
        return
    special = frozenset(int(analysis.ids[row]) for row in rows if analysis.kinds[row] == SPECIAL)
    id_chips([(int(analysis.ids[row]), _chip_text(analysis, row)) for row in rows], special_ids=special)


def _search_results(query: str, a: VocabularyAnalysis, b: VocabularyAnalysis) -> None:
    for column, analysis in zip(st.columns(2), (a, b)):
        found = search(analysis, query)
        with column:
            shown = f", the {len(found.rows)} shortest shown" if found.total > len(found.rows) else ""
            # The query is the visitor's: st.text, never Markdown.
            st.text(f"{analysis.name}: {found.total:,} entries contain {query!r}{shown}")
            _chips(analysis, found.rows)


def _overlap_tab(a: VocabularyAnalysis, b: VocabularyAnalysis, overlap) -> None:
    columns = st.columns(3)
    for column, title, analysis, rows in (
            (columns[0], f"In both ({overlap.shared:,})", a, overlap.shared_examples),
            (columns[1], f"Only in {a.name} ({overlap.only_a:,})", a, overlap.only_a_examples),
            (columns[2], f"Only in {b.name} ({overlap.only_b:,})", b, overlap.only_b_examples)):
        with column:
            st.markdown(f"**{escape_markdown(title)}**")
            _chips(analysis, rows)
    st.caption("Examples: the lowest ids of each group (BPE learns its most frequent merges first). "
               "Compared as text: byte-level BPE's Ġ and SentencePiece's ▁ are spaces (shown ␣), SentencePiece's "
               "<0xNN> is that byte, byte fragments (parts of a character, shown ⟨hex⟩) compare as bytes. BERT's "
               "pieces hold no space (its pre-tokenizer drops spaces), so its “the” meets GPT-2's “the”, not "
               "“␣the”; its ## pieces continue a word, which no other family marks, so they meet only another "
               "WordPiece vocabulary's ## pieces.")


def length_chart(a: VocabularyAnalysis, b: VocabularyAnalysis) -> go.Figure:
    figure = go.Figure()
    labels = [str(length) for length in range(1, _LONGEST_BUCKET)] + [f"{_LONGEST_BUCKET}+"]
    for analysis in (a, b):
        counts = [0] * len(labels)
        for length, count in analysis.length_counts().items():
            counts[min(max(length, 1), _LONGEST_BUCKET) - 1] += count
        total = sum(counts) or 1
        figure.add_bar(x=labels, y=[100 * count / total for count in counts], name=analysis.name,
                       customdata=counts, hovertemplate="%{x} characters: %{customdata:,} entries "
                                                        "(%{y:.1f}%)<extra>" + analysis.name + "</extra>")
    figure.update_layout(height=300, margin=dict(t=10, b=10, l=10, r=10), barmode="group",
                         xaxis=dict(type="category", title_text="characters"), yaxis_title="% of entries",
                         legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, title_text=""))
    return figure


def _entries_table(analysis: VocabularyAnalysis, rows, *, key: str) -> None:
    table = pd.DataFrame([{"id": int(analysis.ids[row]), "characters": int(analysis.lengths[row]),
                           "text": analysis.shown(row), "entry": analysis.entry(row)} for row in rows])
    st.dataframe(table, hide_index=True, width="stretch", key=key)


def _unreached(analysis: VocabularyAnalysis, loaded: LoadedTokenizer) -> None:
    counts = summary(analysis)
    checked = counts["reached"] + counts["not reached"]
    st.markdown(f"**{escape_markdown(analysis.name)}**: {counts['not reached']:,} of {checked:,} entries checked")
    where = ("alone" if not analysis.word_start else
             f"alone, or after the letter {analysis.word_start!r} for pieces that must follow one (no entry joins "
             "that letter to anything)")
    st.caption(f"Each entry's own text was encoded {where}. Listed: those that did not give that entry back, and "
               "what came out instead. Reasons: a normaliser that changes the text, a pre-tokenizer that splits it, "
               "or merges and scores that prefer other pieces.")
    rows = unreached_rows(analysis, lambda ids: [loaded.tokenizer.id_to_token(i) or "?" for i in ids])
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=260,
                     key=f"vocab.unreached.{analysis.hub_id}")
    fragments = analysis.rows(FRAGMENT)
    if len(fragments):
        never = [row for row in fragments.tolist() if analysis.reached[row] == IN_NO_TEXT]
        st.markdown(f"**Byte fragments: {len(fragments):,}**, parts of a character, so they have no text of their "
                    f"own to encode; they appear inside longer texts. {len(never):,} of them hold bytes no UTF-8 "
                    "text contains (C0, C1, F5–FF…): no text can ever produce them.")
        _chips(analysis, never)
    if counts["not checked"]:
        st.caption(f"{counts['not checked']:,} pieces could not be checked: this vocabulary has no letter that "
                   "stands alone to put before them.")
