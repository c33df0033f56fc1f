"""Charts shared by pages (plotly graph_objects: plotly.express costs a second on first import)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st


def token_count_chart(table: pd.DataFrame) -> None:
    """Tokens per tokenizer, bars coloured by algorithm, ratios on hover."""
    figure = go.Figure()
    for algorithm, rows in table.groupby("algorithm", sort=False):
        figure.add_bar(
            x=rows["tokenizer"], y=rows["tokens"], name=algorithm, text=rows["tokens"], textposition="outside",
            customdata=rows[["chars/token", "bytes/token", "unknown", "vocab size"]].to_numpy(),
            hovertemplate="%{x}<br>%{y} tokens<br>%{customdata[0]} chars/token<br>%{customdata[1]} bytes/token"
                          "<br>%{customdata[2]} unknown<br>vocabulary %{customdata[3]:,}<extra></extra>",
        )
    figure.update_layout(height=380, margin=dict(t=30, b=10), xaxis_title=None, yaxis_title="tokens",
                         legend_title="algorithm", xaxis={"categoryorder": "total descending"})
    st.plotly_chart(figure, width="stretch")
