"""Pictures and tables of embeddings: labelled 2D/3D scatters, similarity heatmaps, neighbour bars.

Every figure is drawn through components.charts.show_chart (projector fonts, every label kept).
Plotly renders a few HTML tags inside text, so every label is escaped: a word typed as
"<b>x</b>" is drawn as those characters, never as bold.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import streamlit as st

from components.charts import show_chart
from components.layout import chart_font_px, is_projector
from components.model_status import escape_markdown
from tokenlens.embeddings.projection import Projection

PALETTE = plotly.colors.qualitative.Bold
NO_GROUP_COLOUR = "#8c8c8c"  # unmarked points: a grey that reads on light and dark backgrounds
BIG_TABLE_ROWS = 30  # up to this many rows a plain table (wraps, scales with projector mode)


def box_height(text: str, *, at_least: int = 4, at_most: int = 14) -> int:
    """A text area's height in px that shows its lines without scrolling, also in projector mode."""
    lines = min(at_most, max(at_least, len(text.splitlines()) + 1))
    return lines * (33 if is_projector() else 25) + 24


def safe(labels) -> list[str]:
    return [html.escape(str(label)) for label in labels]


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _padded(values: np.ndarray, low_share: float, high_share: float) -> list[float]:
    """An axis range with room beyond the outermost points, so their labels stay inside the plot."""
    low, high = float(values.min()), float(values.max())
    span = high - low or 1.0
    return [low - low_share * span, high + high_share * span]


def scatter(projection: Projection, labels: list[str], groups: list[str] | None = None,
            hover: list[str] | None = None, height: int = 520,
            colours: dict[str, str] | None = None) -> go.Figure:
    """Points with short labels above them, one colour per group (`colours` fixes some); hover shows `hover`."""
    points = projection.points
    dims = points.shape[1]
    names, extra = safe(labels), safe(hover) if hover else ["" for _ in labels]
    group_of = [str(g) for g in groups] if groups else ["" for _ in labels]
    # Labels grow from their point towards the middle of the plot, so none runs off an edge.
    middle = (points[:, 0].min() + points[:, 0].max()) / 2
    sides = ["top left" if x > middle else "top right" for x in points[:, 0]]
    figure = go.Figure()
    for index, group in enumerate(dict.fromkeys(group_of)):
        rows = [i for i, g in enumerate(group_of) if g == group]
        colour = (colours or {}).get(group) or (PALETTE[index % len(PALETTE)] if group else NO_GROUP_COLOUR)
        common = dict(mode="markers+text", text=[names[i] for i in rows], name=html.escape(group) or "points",
                      customdata=[extra[i] for i in rows], showlegend=bool(groups),
                      hovertemplate="<b>%{text}</b><br>%{customdata}<extra>" + html.escape(group) + "</extra>",
                      textposition=[sides[i] for i in rows] if dims == 2 else "top center")
        if dims == 3:
            figure.add_trace(go.Scatter3d(x=points[rows, 0], y=points[rows, 1], z=points[rows, 2],
                                          marker=dict(size=5, color=colour), **common))
        else:
            figure.add_trace(go.Scatter(x=points[rows, 0], y=points[rows, 1], cliponaxis=False,
                                        marker=dict(size=12, color=colour), **common))
    axis = projection.method
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), legend_title_text="",
                         legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    if dims == 2:
        # Room above the top point for its label, and beside the outer points for their markers.
        figure.update_xaxes(title_text=f"{axis} 1", range=_padded(points[:, 0], 0.06, 0.06))
        figure.update_yaxes(title_text=f"{axis} 2", range=_padded(points[:, 1], 0.08, 0.14))
    else:
        figure.update_layout(scene=dict(xaxis_title=f"{axis} 1", yaxis_title=f"{axis} 2", zaxis_title=f"{axis} 3"))
    return figure


COLOURSCALE = "Viridis"  # dark purple to yellow: ordered in lightness, readable when projected


def text_colours(values: list[float], low: float, high: float) -> list[str]:
    """Black on the light end of the colour scale, white on the dark end: one call to plotly for
    all the cells (each call looks the scale up by name, ~2 ms: it was most of a heatmap's run)."""
    shares = [min(1.0, max(0.0, (value - low) / (high - low))) if high > low else 1.0 for value in values]
    colours = []
    for sampled in plotly.colors.sample_colorscale(COLOURSCALE, shares) if shares else []:
        red, green, blue = plotly.colors.unlabel_rgb(sampled)
        luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255
        colours.append("#000000" if luminance > 0.45 else "#ffffff")
    return colours


def similarity_range(matrix: np.ndarray) -> tuple[float, float]:
    """The lowest and highest similarity between two different items (the diagonal is always 1)."""
    values = np.asarray(matrix, dtype=np.float64)
    off_diagonal = values[~np.eye(len(values), dtype=bool)]
    if off_diagonal.size == 0:
        return 0.0, 1.0
    low, high = float(off_diagonal.min()), float(off_diagonal.max())
    if high - low < 1e-3:  # all pairs alike: a small band around them, not a divide by zero
        return low - 0.05, high + 0.05
    return low, high


def heatmap(matrix: np.ndarray, labels: list[str], height: int | None = None,
            hover_texts: list[str] | None = None) -> go.Figure:
    """Cosine similarities with the values written in; the colours span this set's own range.

    A -1…1 scale makes 0.65 and 0.89 look alike; spanning the off-diagonal range shows the
    difference, and the colour bar says what the colours mean.
    """
    names = safe(labels)
    # Duplicate labels would merge rows on a categorical axis: number them instead.
    if len(set(names)) < len(names):
        names = [f"{i}. {name}" for i, name in enumerate(names, start=1)]
    values = np.asarray(matrix, dtype=np.float64)
    low, high = similarity_range(values)
    show_values = len(names) <= 20
    extra = dict(hovertemplate="%{y} · %{x}: %{z:.4f}<extra></extra>")
    if hover_texts:  # the full texts behind short labels, for both cells of a pair
        full = safe(hover_texts)
        extra = dict(customdata=[[f"{full[i]}<br>{full[j]}" for j in range(len(full))] for i in range(len(full))],
                     hovertemplate="%{y} · %{x}: %{z:.4f}<br>%{customdata}<extra></extra>")
    figure = go.Figure(go.Heatmap(
        z=values, x=names, y=names, colorscale=COLOURSCALE, zmin=low, zmax=high,
        colorbar=dict(title=dict(text="cosine", side="right"), tickformat=".2f", thickness=14), **extra))
    if show_values:
        # Each value in black or white, whichever reads on its cell (the theme's one text colour
        # would not): one text trace on top (annotations cost seconds per hundred).
        cells = [(i, j) for i in range(len(names)) for j in range(len(names))]
        figure.add_trace(go.Scatter(
            x=[names[j] for _, j in cells], y=[names[i] for i, _ in cells], mode="text", hoverinfo="skip",
            text=[f"{values[i, j]:.2f}" for i, j in cells], showlegend=False,
            textfont=dict(color=text_colours([values[i, j] for i, j in cells], low, high),
                          size=chart_font_px() - 1 if len(names) <= 10 else chart_font_px() - 3)))
    size = height or min(900, 160 + 30 * len(names))
    figure.update_layout(height=size, margin=dict(l=10, r=10, t=10, b=10), yaxis_autorange="reversed")
    figure.update_xaxes(tickangle=-35)
    return figure


def heatmap_caption(matrix: np.ndarray) -> None:
    low, high = similarity_range(matrix)
    st.caption(f"Colours span this set's own range, {low:.2f} to {high:.2f} "
               "(the diagonal is each item with itself, 1.00).")


def neighbours_chart(table: pd.DataFrame) -> None:
    """Similarity bars, the word itself on top; every word labelled, also in projector mode."""
    words = safe(table["word"])
    figure = go.Figure(go.Bar(x=table["similarity"], y=words, orientation="h", marker_color="#d81b60",
                              text=[f"{v:.4f}" for v in table["similarity"]], textposition="inside",
                              insidetextanchor="end", hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    figure.update_layout(margin=dict(l=10, r=10, t=10, b=10), xaxis_title="cosine similarity",
                         yaxis=dict(categoryorder="array", categoryarray=words[::-1]))
    figure.update_xaxes(range=[min(0.0, float(table["similarity"].min())), 1.02])
    show_chart(figure, rows=len(table))


def table(frame: pd.DataFrame, *, decimals: int = 4) -> None:
    """A readable table: plain (wraps, never scrolls sideways, scales in projector mode) when short."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: f"{v:.{decimals}f}")
        elif len(shown) <= BIG_TABLE_ROWS:  # st.table reads Markdown in cells; words may come from a link
            shown[column] = shown[column].astype(str).map(escape_markdown)
    if len(shown) <= BIG_TABLE_ROWS:
        st.table(shown, hide_index=True)
    else:
        row = 44 if is_projector() else 35
        st.dataframe(shown, hide_index=True, width="stretch", height=min(600, row * (BIG_TABLE_ROWS // 2)))


def projection_notice(projection: Projection) -> None:
    if projection.explained:
        share = ", ".join(f"{v:.0%}" for v in projection.explained)
        st.caption(f"PCA keeps {sum(projection.explained):.0%} of the variance (axes: {share}).")
    if projection.notice:
        st.caption(f"{projection.method}: {projection.notice}")
