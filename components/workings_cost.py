"""How tokenizers work, part "cost": one sentence in 29 languages, what each costs in tokens."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import resources
from components.charts import show_chart
from components.model_status import escape_markdown, unavailable_list
from components.page_state import PageState
from components.progress import book_tokenizers_with_progress
from components.tables import csv_download, show_rows
from components.token_view import token_legend, token_panels
from tokenlens.assets import AssetUnavailable
from tokenlens.catalog import TOKENIZERS
from tokenlens.tokenization.languages import (LANGUAGE_CODES, LOST_SHARE, SENTENCES, LanguageCosts, headline,
                                              sentence)
from tokenlens.tokenization.tokens import tokenize_with

_LANGUAGE_NAMES = {found.code: found.language for found in SENTENCES}
_SHOW_LABELS = {"ratio": "× base", "tokens": "Tokens"}
_COLOUR_LIMIT = 4.0  # log2: colours saturate at 16× dearer (or cheaper); the cells still say the number
# Blue cheaper, red dearer, white equal; no colour so dark that the cells' black numbers fade on it.
_CHEAPER_DEARER = [[0.0, "#5aa0d0"], [0.375, "#b9d9ee"], [0.5, "#f7f7f7"], [0.625, "#f8c1a6"], [1.0, "#e0654a"]]
_CELL_TEXT = "#111111"  # the cells carry their own colour in both themes


def cost_section(state: PageState) -> None:
    st.caption(f"Article 1 of the Universal Declaration of Human Rights in {len(SENTENCES)} languages: one "
               "meaning, counted in tokens. A tokenizer that learned mostly from English cuts other languages "
               "into more pieces, and every piece costs money, context window and time.")
    available = list(book_tokenizers_with_progress())
    st.pills("Tokenizers", available, selection_mode="multi", **state.bind("cost_tok"),
             format_func=lambda hub_id: TOKENIZERS[hub_id].name)
    base_column, show_column, _ = st.columns([2, 2, 3])
    base_column.selectbox("Compared with", LANGUAGE_CODES, **state.bind("cost_base"),
                          format_func=_LANGUAGE_NAMES.get)
    show_column.segmented_control("Cells show", list(_SHOW_LABELS), **state.bind("cost_show"), required=True,
                                  format_func=_SHOW_LABELS.get)

    chosen = [hub_id for hub_id in state["cost_tok"] if hub_id in available]
    if not chosen:
        st.info("Pick at least one tokenizer.", icon="👆")
        return
    loaded, failed = [], []
    for hub_id in chosen:
        try:
            loaded.append(resources.tokenizer(hub_id))
        except AssetUnavailable as err:  # it loaded when the list was made, not now (e.g. cache cleared)
            failed.append((TOKENIZERS[hub_id].name, err.reason, err.kind))
    unavailable_list(failed)
    if not loaded:
        return
    costs = resources.language_costs(loaded)
    base, show = state["cost_base"], state["cost_show"]

    st.markdown(f"**{escape_markdown(headline(costs, base))}**")
    show_chart(cost_heatmap(costs, base, show), rows=len(costs.sentences), key="cost.heatmap")
    st.caption(f"Rows from cheapest to dearest (mean over the tokenizers shown). Blue: fewer tokens than "
               f"{escape_markdown(_LANGUAGE_NAMES[base])}, red: more. The first two columns are the sentence's "
               f"characters and UTF-8 bytes. Grey: more than {LOST_SHARE:.0%} of the tokens are unknown "
               "([UNK]): the tokenizer lost the text, so its low count is no saving.")
    cost_table(costs, base, show)
    sentences_and_sources()
    one_language_tokens(state, [one.hub_id for one in loaded])


def cost_heatmap(costs: LanguageCosts, base: str, show: str) -> go.Figure:
    """Languages (rows) x characters, bytes and tokenizers (columns), coloured by the ratio to the
    base language on a log scale, so 2× dearer and 2× cheaper are equally strong."""
    order = costs.order(base)
    chars_ratio, bytes_ratio = costs.size_ratios(base)
    ratios = np.column_stack([chars_ratio, bytes_ratio, costs.ratios(base)])[order]
    counts = np.column_stack([[s.characters for s in costs.sentences], [s.utf8_bytes for s in costs.sentences],
                              costs.tokens])[order]
    unknown = np.column_stack([np.zeros((len(order), 2), dtype=np.int64), costs.unknown])[order]
    lost = np.column_stack([np.zeros((len(order), 2), dtype=bool), costs.lost(base)])[order]
    columns = ["characters", "UTF-8<br>bytes", *(_column_label(name, costs.names) for name in costs.names)]
    rows = [costs.sentences[i].language for i in order]
    cells = [[f"{ratio:.1f}×" if show == "ratio" else f"{count:,}" for ratio, count in zip(r_row, c_row)]
             for r_row, c_row in zip(ratios, counts)]
    detail = np.dstack([counts, unknown, np.round(ratios, 2)])
    colour = np.log2(ratios)
    figure = go.Figure()
    kept_text = [[("" if gone else cell) for cell, gone in zip(row, lost_row)] for row, lost_row in zip(cells, lost)]
    lost_text = [[(cell if gone else "") for cell, gone in zip(row, lost_row)] for row, lost_row in zip(cells, lost)]
    figure.add_heatmap(z=np.where(lost, np.nan, colour), x=columns, y=rows, text=kept_text, texttemplate="%{text}",
                       textfont_color=_CELL_TEXT,
                       customdata=detail, zmin=-_COLOUR_LIMIT, zmax=_COLOUR_LIMIT, zmid=0,
                       colorscale=_CHEAPER_DEARER, xgap=1, ygap=1, hoverongaps=False,
                       showscale=False,  # every cell says its number; the caption says what blue and red mean
                       hovertemplate="%{y} · %{x}<br>%{customdata[0]:,} (%{customdata[2]}× base)"
                                     "<br>%{customdata[1]} unknown<extra></extra>")
    if lost.any():
        figure.add_heatmap(z=np.where(lost, 0.0, np.nan), x=columns, y=rows, text=lost_text, texttemplate="%{text}",
                           customdata=detail, colorscale=[[0, "#9e9e9e"], [1, "#9e9e9e"]], showscale=False,
                           textfont_color=_CELL_TEXT,
                           xgap=1, ygap=1, hoverongaps=False,
                           hovertemplate="%{y} · %{x}<br>%{customdata[0]:,} tokens, %{customdata[1]} unknown:"
                                         "<br>the text is lost, not cheap<extra></extra>")
    figure.add_vline(x=1.5, line_width=3, line_color="rgba(128,128,128,0.9)")  # sizes | tokenizers
    figure.update_layout(height=120 + 26 * len(rows), margin=dict(t=10, b=10, l=10, r=10),
                         xaxis=dict(side="top", title=None, tickangle=0), yaxis=dict(range=[len(rows) - 0.5, -0.5], title=None))  # cheapest on top
    return figure


def _column_label(name: str, names: tuple[str, ...]) -> str:
    """A tokenizer's short name, upright over its column: the bracket only where it tells two apart
    (BERT uncased / cased / Chinese), on a second line."""
    short, _, detail = name.partition(" (")
    if detail and sum(other.partition(" (")[0] == short for other in names) > 1:
        return f"{short}<br>{detail.rstrip(')')}"
    return short.replace(" ", "<br>", 1)  # "Phi-3 mini": two short lines, clear of its neighbours


def cost_table(costs: LanguageCosts, base: str, show: str) -> None:
    rows = costs.table_rows(base, show)
    number = "%.2f×" if show == "ratio" else "localized"
    config = {name: st.column_config.NumberColumn(name, format=number) for name in costs.names}
    config |= {"language": st.column_config.TextColumn("language", pinned=True),
               "bytes per character": st.column_config.NumberColumn("bytes per character", format="%.2f"),
               "bytes vs base": st.column_config.NumberColumn("bytes vs base", format="%.2f×")}
    show_rows(rows, list(rows[0]), width="stretch", column_config=config)
    csv_download("Download CSV", rows, list(rows[0]), "tokenlens-language-cost.csv")


def sentences_and_sources() -> None:
    with st.expander(f"The {len(SENTENCES)} sentences, and where each translation is published"):
        st.caption("Each text was written from memory of the published translation, so its wording or "
                   "punctuation may differ from the official text; the meaning is Article 1's.")
        st.dataframe(pd.DataFrame([{"language": s.language, "script": s.script, "text": s.text,
                                    "source": s.source_url, "published as": s.source_title} for s in SENTENCES]),
                     hide_index=True, width="stretch",
                     column_config={"source": st.column_config.LinkColumn("source", display_text="OHCHR")})


def one_language_tokens(state: PageState, hub_ids: list[str]) -> None:
    """The chosen sentence as token chips, the same view as the compare page."""
    with st.expander("One language's tokens, chip by chip", expanded=bool(state["cost_see"])):
        st.selectbox("Language", ["", *LANGUAGE_CODES], **state.bind("cost_see"),
                     format_func=lambda code: _LANGUAGE_NAMES.get(code, "Pick a language…"))
        if not state["cost_see"]:
            return
        results = tokenize_with(hub_ids, sentence(state["cost_see"]).text, load=resources.tokenizer,
                                cut=resources.tokenized)
        st.caption("These views include the special tokens each model adds ([CLS], [SEP], </s>), which the "
                   "counts above leave out.")
        token_panels(results)
        token_legend()

