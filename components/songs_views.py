"""Pictures and tables for the song page, from plain rows."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from tokenlens.songs.evaluate import Evaluation
from tokenlens.songs.song_map import UNTAGGED, genre_of_tags


def recommendation_table(rows: list[dict]) -> None:
    table = pd.DataFrame([{"#": row["rank"], "title": row["title"], "artist": row["artist"],
                           "similarity": row["similarity"], "genre": genre_of_tags(row["tags"]), "id": row["id"],
                           "tags": ", ".join(row["tags"][:6])} for row in rows])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"similarity": st.column_config.ProgressColumn(
                     "similarity", help="cosine similarity of the song vectors", format="%.3f",
                     min_value=float(min(0.0, table["similarity"].min())), max_value=1.0)})


GENRE_COLOURS = dict(zip(
    ["hip-hop", "r&b / soul", "metal / hard rock", "country", "jazz", "christian", "latin", "reggae", "blues",
     "dance / electronic", "alternative / indie", "folk", "rock", "pop"],
    ["#e6194b", "#f58231", "#000075", "#9a6324", "#911eb4", "#42d4f4", "#f032e6", "#3cb44b", "#4363d8",
     "#bfef45", "#469990", "#808000", "#800000", "#fabed4"]))


def song_map_chart(points: list[dict]) -> None:
    frame = pd.DataFrame(points)
    others = frame[frame["role"] == "other"]
    chart = go.Figure()
    untagged = others[others["genre"] == UNTAGGED]
    chart.add_trace(go.Scatter(x=untagged["x"], y=untagged["y"], mode="markers", name=UNTAGGED,
                               marker=dict(size=4, color="#cccccc"), opacity=0.5,
                               hovertext=untagged["title"] + " — " + untagged["artist"], hoverinfo="text"))
    for genre, colour in GENRE_COLOURS.items():
        group = others[others["genre"] == genre]
        if group.empty:
            continue
        chart.add_trace(go.Scatter(x=group["x"], y=group["y"], mode="markers", name=genre,
                                   marker=dict(size=6, color=colour), opacity=0.7,
                                   hovertext=group["title"] + " — " + group["artist"], hoverinfo="text"))
    for role, symbol, size, colour in (("recommended", "diamond", 12, "#ffd400"), ("chosen", "star", 24, "#e4002b")):
        picked = frame[frame["role"] == role]
        if picked.empty:
            continue
        chart.add_trace(go.Scatter(
            x=picked["x"], y=picked["y"], mode="markers+text" if role == "chosen" else "markers", name=role,
            text=picked["title"].str.slice(0, 30), textposition="top center", textfont=dict(size=15),
            marker=dict(symbol=symbol, size=size, color=colour, line=dict(width=1.5, color="black")),
            hovertext=picked["title"] + " — " + picked["artist"], hoverinfo="text"))
    chart.update_layout(height=600, margin=dict(t=10, b=10, l=10, r=10), legend_title_text="genre (Last.fm tags)",
                        xaxis_title=None, yaxis_title=None, plot_bgcolor="white")
    st.plotly_chart(chart, width="stretch")


def evaluation_view(result: Evaluation) -> None:
    frame = pd.DataFrame([{"method": s.method, "Hit@10": s.hit_at_10, "MRR": s.mrr,
                           "median rank": s.median_rank} for s in result.scores])
    left, right = st.columns(2)
    for column, metric, fmt in ((left, "Hit@10", ".1%"), (right, "MRR", ".3f")):
        chart = px.bar(frame, x="method", y=metric, color="method", text=frame[metric].map(lambda v: format(v, fmt)),
                       color_discrete_map={"word2vec": "#636efa", "popularity": "#ef553b", "random": "#aaaaaa"})
        chart.update_layout(height=300, showlegend=False, margin=dict(t=30, b=10), title=metric, xaxis_title=None)
        column.plotly_chart(chart, width="stretch")
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"Hit@10": st.column_config.NumberColumn(format="percent"),
                                "MRR": st.column_config.NumberColumn(format="%.4f"),
                                "median rank": st.column_config.NumberColumn(format="%d")})
    st.caption(f"{result.cases:,} playlists had their last song hidden; every one of {result.songs_ranked:,} "
               f"songs was ranked from the {result.context} songs before it. The held-out model was "
               "trained without the hidden songs.")
