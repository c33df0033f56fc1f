"""Charts shared by pages (plotly graph_objects: plotly.express costs a second on first import).

Every chart goes through `show_chart`, so projector mode and the theme reach all of them: larger
fonts, every category label kept, heights that grow with the labels.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.layout import chart_font_px, is_projector


def show_chart(figure: go.Figure, *, rows: int | None = None, key: str | None = None) -> None:
    """Draw a plotly figure in the app's theme; `rows` = category labels on the y axis (all shown)."""
    font = chart_font_px()
    # Streamlit's chart theme sets its own small tick and legend sizes: name every one.
    figure.update_layout(font=dict(size=font), hoverlabel=dict(font_size=font + 1), legend_font_size=font,
                         title_font_size=font + 2)
    figure.update_xaxes(tickfont_size=font, title_font_size=font)
    figure.update_yaxes(tickfont_size=font, title_font_size=font)
    for trace in figure.data:
        if "textfont" in trace:  # numbers written on bars and cells
            trace.textfont.size = font
    if rows:
        # Plotly drops tick labels that would overlap: give each row room for its label instead.
        needed = int(rows * font * 2.1) + 80
        if (figure.layout.height or 0) < needed:
            figure.update_layout(height=needed)
        figure.update_yaxes(tickmode="linear", dtick=1, automargin=True)
    if is_projector() and figure.layout.height:
        figure.update_layout(height=int(figure.layout.height * 1.25))
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False}, key=key)


def token_count_chart(rows: list[dict], *, height: int = 300) -> None:
    """Tokens per tokenizer as horizontal bars (names readable), coloured by algorithm, fewest on top.

    Redrawn on every text, so it is written as one plain spec from plain rows (tokens.stats_rows), with
    show_chart's fonts and heights already in it: plotly's add_bar/update_* calls and a pandas groupby
    cost more than tokenizing with sixty students typing at once (bench/loadtest.py's profile)."""
    font = chart_font_px()
    ordered = sorted(rows, key=lambda row: row["tokens"])
    by_algorithm: dict[str, list[dict]] = {}
    for row in ordered:
        by_algorithm.setdefault(row["algorithm"], []).append(row)
    bars = [{"type": "bar", "y": [row["name"] for row in group], "x": [row["tokens"] for row in group],
             "name": algorithm, "text": [row["tokens"] for row in group], "textposition": "outside",
             "textfont": {"size": font}, "orientation": "h", "cliponaxis": False,
             "customdata": [[row[key] for key in ("tokenizer", "chars/token", "bytes/token", "unknown", "vocab size")]
                            for row in group],
             "hovertemplate": "%{y} · %{customdata[0]}<br>%{x} tokens<br>%{customdata[1]} chars/token"
                              "<br>%{customdata[2]} bytes/token<br>%{customdata[3]} unknown"
                              "<br>vocabulary %{customdata[4]:,}<extra></extra>"}
            for algorithm, group in by_algorithm.items()]
    height = max(height, int(len(rows) * font * 2.1) + 80)  # every name keeps its row (see show_chart)
    axis_fonts = {"tickfont": {"size": font}, "title": {"font": {"size": font}}}
    layout = {"height": int(height * 1.25) if is_projector() else height,
              "margin": {"t": 10, "b": 10, "l": 10, "r": 30}, "barmode": "overlay",
              "font": {"size": font}, "hoverlabel": {"font": {"size": font + 1}},
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "title": {"text": ""},
                         "font": {"size": font}},
              "xaxis": {**axis_fonts, "title": {"text": "tokens", "font": {"size": font}}},
              "yaxis": {**axis_fonts, "categoryorder": "array", "categoryarray": [row["name"] for row in ordered],
                        "tickmode": "linear", "dtick": 1, "automargin": True}}
    st.plotly_chart({"data": bars, "layout": layout}, width="stretch", config={"displaylogo": False})
