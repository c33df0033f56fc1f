"""Plotly pictures of embeddings: labelled 2D/3D scatters and similarity heatmaps.

Plotly renders a few HTML tags inside text, so every label is escaped: a word typed as
"<b>x</b>" is drawn as those characters, never as bold.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from tokenlens.embeddings.projection import Projection


def safe(labels) -> list[str]:
    return [html.escape(str(label)) for label in labels]


def scatter(projection: Projection, labels: list[str], groups: list[str] | None = None,
            hover: list[str] | None = None, height: int = 560) -> go.Figure:
    """Points with their labels written beside them, one colour per group; hover shows `hover`."""
    points = projection.points
    dims = points.shape[1]
    names, extra = safe(labels), safe(hover) if hover else ["" for _ in labels]
    group_of = safe(groups) if groups else ["" for _ in labels]
    figure = go.Figure()
    palette = px.colors.qualitative.Bold
    for index, group in enumerate(dict.fromkeys(group_of)):
        rows = [i for i, g in enumerate(group_of) if g == group]
        common = dict(mode="markers+text", text=[names[i] for i in rows], name=group or "points",
                      customdata=[extra[i] for i in rows], showlegend=bool(groups),
                      hovertemplate="<b>%{text}</b><br>%{customdata}<extra>" + (group or "") + "</extra>",
                      textposition="top center")
        colour = palette[index % len(palette)]
        if dims == 3:
            figure.add_trace(go.Scatter3d(x=points[rows, 0], y=points[rows, 1], z=points[rows, 2],
                                          marker=dict(size=5, color=colour), **common))
        else:
            figure.add_trace(go.Scatter(x=points[rows, 0], y=points[rows, 1],
                                        marker=dict(size=11, color=colour), **common))
    axis = projection.method
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), legend_title_text="",
                         xaxis_title=f"{axis} 1", yaxis_title=f"{axis} 2")
    return figure


def heatmap(matrix: np.ndarray, labels: list[str], height: int | None = None) -> go.Figure:
    """Cosine similarities as a colour grid with the values written in."""
    names = safe(labels)
    # Duplicate labels would merge rows on a categorical axis: number them instead.
    if len(set(names)) < len(names):
        names = [f"{i}. {name}" for i, name in enumerate(names, start=1)]
    show_values = len(names) <= 20
    values = np.asarray(matrix, dtype=np.float64)
    figure = go.Figure(go.Heatmap(z=values, x=names, y=names, colorscale="RdBu", zmid=0, zmin=-1, zmax=1,
                                  texttemplate="%{z:.2f}" if show_values else None,
                                  hovertemplate="%{y} · %{x}: %{z:.4f}<extra></extra>"))
    size = height or min(900, 160 + 28 * len(names))
    figure.update_layout(height=size, margin=dict(l=10, r=10, t=10, b=10), yaxis_autorange="reversed")
    return figure


def show(figure: go.Figure) -> None:
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False})


def projection_notice(projection: Projection) -> None:
    if projection.explained:
        share = ", ".join(f"{v:.0%}" for v in projection.explained)
        st.caption(f"PCA keeps {sum(projection.explained):.0%} of the variance (axes: {share}).")
    if projection.notice:
        st.caption(f"{projection.method}: {projection.notice}")


def model_caption(loaded) -> None:
    """Which model made these vectors, said plainly, including a fallback and its reason."""
    if getattr(loaded, "fallback_reason", ""):
        st.warning(f"**{loaded.requested_id}** is not available here, so **{loaded.id}** is used instead "
                   f"— its vectors differ from the book's. Why: {loaded.fallback_reason}", icon="📦")
    if loaded.is_standin:
        st.caption(f"📦 Packaged copy: {loaded.source_label}")
    else:
        st.caption(f"🤗 {loaded.source_label}")
