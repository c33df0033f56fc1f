"""Tables and charts for the song page, from plain rows; every chart goes through show_chart."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.charts import show_chart
from components.model_status import escape_markdown
from tokenlens.songs.evaluate import Evaluation
from tokenlens.songs.song_map import UNTAGGED, genre_of_tags

# Readable on a white and on a near-black background (metal, the book's example, is not navy).
GENRE_COLOURS = dict(zip(
    ["hip-hop", "r&b / soul", "metal / hard rock", "country", "jazz", "christian", "latin", "reggae", "blues",
     "dance / electronic", "alternative / indie", "folk", "rock", "pop"],
    ["#e6194b", "#f58231", "#5c6bc0", "#9a6324", "#b15fd1", "#42d4f4", "#f032e6", "#3cb44b", "#4f86f7",
     "#bfef45", "#469990", "#9b9b1d", "#b03a48", "#fabed4"]))
METHOD_COLOURS = {"word2vec": "#636efa", "popularity": "#ef553b", "random": "#9e9e9e"}


def recommendation_frame(rows: list[dict], *, compact: bool) -> pd.DataFrame:
    """The table's rows; `compact` keeps only what a projected screen has room for."""
    frame = pd.DataFrame([{"#": row["rank"], "title": row["title"], "artist": row["artist"],
                           "similarity": row["similarity"], "genre": genre_of_tags(row["tags"]),
                           "id": row["id"], "tags": ", ".join(row["tags"][:6])} for row in rows])
    return frame[["#", "title", "artist", "similarity", "genre"]] if compact else frame


def recommendation_table(rows: list[dict], *, projector: bool) -> None:
    """A sortable grid; in projector mode a plain table whose text grows with the page and wraps."""
    if projector:
        frame = recommendation_frame(rows, compact=True)
        frame["similarity"] = frame["similarity"].map(lambda value: f"{value:.3f}")
        # st.table reads Markdown in every cell and header; titles come from data files (or uploads).
        frame = frame.astype(str).map(escape_markdown).rename(columns=escape_markdown)
        st.table(frame, hide_index=True)
        return
    frame = recommendation_frame(rows, compact=False)
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "#": st.column_config.NumberColumn(width=36),
        "title": st.column_config.TextColumn(width=210),
        "artist": st.column_config.TextColumn(width=150),
        "similarity": st.column_config.ProgressColumn(
            "similarity", help="cosine similarity of the song vectors", format="%.3f", width=110,
            min_value=float(min(0.0, frame["similarity"].min())), max_value=1.0),
        "genre": st.column_config.TextColumn(width=125, help="the genre most of the song's Last.fm tags point to"),
        "id": st.column_config.NumberColumn(width=56, format="%d"),
        "tags": st.column_config.TextColumn(width=120),
    })


def _hover(frame: pd.DataFrame) -> pd.Series:
    # Plotly reads a few HTML tags in text; titles come from data files (or uploads).
    return (frame["title"].map(html.escape) + " — " + frame["artist"].map(html.escape)
            + " (#" + frame["id"].astype(str) + ")")


def song_map_chart(points: list[dict], *, dark: bool) -> None:
    frame = pd.DataFrame(points)
    others = frame[frame["role"] == "other"]
    chart = go.Figure()
    untagged = others[others["genre"] == UNTAGGED]
    chart.add_trace(go.Scatter(x=untagged["x"], y=untagged["y"], mode="markers", name=UNTAGGED,
                               marker=dict(size=4, color="#8a8a8a" if dark else "#c8c8c8"), opacity=0.5,
                               hovertext=_hover(untagged), hoverinfo="text"))
    for genre, colour in GENRE_COLOURS.items():
        group = others[others["genre"] == genre]
        if group.empty:
            continue
        chart.add_trace(go.Scatter(x=group["x"], y=group["y"], mode="markers", name=genre,
                                   marker=dict(size=6, color=colour), opacity=0.75,
                                   hovertext=_hover(group), hoverinfo="text"))
    outline = text_colour = "white" if dark else "black"
    for role, name, symbol, size, colour in (("recommended", "recommended", "diamond", 12, "#ffd400"),
                                             ("chosen", "your song", "star", 24, "#e4002b")):
        picked = frame[frame["role"] == role]
        if picked.empty:
            continue
        chart.add_trace(go.Scatter(
            x=picked["x"], y=picked["y"], mode="markers+text" if role == "chosen" else "markers", name=name,
            text=picked["title"].str.slice(0, 30).map(html.escape), textposition="top center",
            textfont=dict(color=text_colour),
            marker=dict(symbol=symbol, size=size, color=colour, line=dict(width=1.5, color=outline)),
            hovertext=_hover(picked), hoverinfo="text", cliponaxis=False))
    chart.update_layout(height=560, margin=dict(t=30, b=10, l=10, r=10), legend_title_text="genre (Last.fm tags)",
                        xaxis=dict(title=None, showticklabels=False), yaxis=dict(title=None, showticklabels=False))
    show_chart(chart, key="songs-map")


def evaluation_view(result: Evaluation, *, projector: bool) -> None:
    frame = pd.DataFrame([{"method": s.method, "Hit@10": s.hit_at_10, "MRR": s.mrr,
                           "median rank": s.median_rank} for s in result.scores])
    left, right = st.columns(2)
    for column, metric, fmt in ((left, "Hit@10", ".1%"), (right, "MRR", ".4f")):
        chart = go.Figure(go.Bar(x=frame["method"], y=frame[metric], text=[format(v, fmt) for v in frame[metric]],
                                 textposition="outside", cliponaxis=False,
                                 marker_color=[METHOD_COLOURS[m] for m in frame["method"]]))
        chart.update_layout(height=300, showlegend=False, margin=dict(t=40, b=10, l=10, r=10), title=metric,
                            xaxis_title=None, yaxis=dict(tickformat=".1%" if metric == "Hit@10" else ".3f"))
        with column:
            show_chart(chart, key=f"songs-eval-{metric}")
    if projector:
        shown = frame.assign(**{"Hit@10": frame["Hit@10"].map("{:.1%}".format),
                                "MRR": frame["MRR"].map("{:.4f}".format),
                                "median rank": frame["median rank"].map("{:,.0f}".format)})
        st.table(shown, hide_index=True)
    else:
        st.dataframe(frame, hide_index=True, width="content",
                     column_config={"Hit@10": st.column_config.NumberColumn(format="percent"),
                                    "MRR": st.column_config.NumberColumn(format="%.4f"),
                                    "median rank": st.column_config.NumberColumn(format="%d")})
    st.caption(f"{result.cases:,} playlists had their last song hidden; every one of {result.songs_ranked:,} "
               f"songs was ranked from the {result.context} songs before it. The held-out model was "
               "trained without the hidden songs.")
