"""Pictures of a generation: speed figures and a per-step top-k chart a learner can step through."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from tokenlens.generation.run import GenerationResult

FINISH_WORDS = {"eos": "end of answer", "length": "token limit", "stopped": "stopped", "running": "running"}


def speed_metrics(result: GenerationResult) -> None:
    ttft = result.time_to_first_token_s
    speed = result.tokens_per_s
    cols = st.columns(4)
    cols[0].metric("New tokens", len(result.generated_ids))
    cols[1].metric("Time to first token", f"{ttft * 1000:,.0f} ms" if ttft is not None else "–")
    cols[2].metric("Tokens per second", f"{speed:,.1f}" if speed else "–")
    cols[3].metric("Ended by", FINISH_WORDS.get(result.finish, result.finish),
                   help="end of answer: the model wrote its end token; token limit: max new tokens reached")


def top_k_stepper(result: GenerationResult, key: str = "gen-step") -> None:
    """A slider over the generated steps; for the chosen step, the top-k next-token probabilities."""
    steps = [s for s in result.steps if s.top]
    if not steps:
        st.caption("No per-step probabilities were recorded (top-k is 0).")
        return
    index = st.slider("Step", 1, len(steps), 1, key=key,
                      help="Each step is one forward pass: the model scores every token in its vocabulary.")
    step = steps[index - 1]
    rows = pd.DataFrame({
        "token": [repr(a.piece) for a in step.top],
        "id": [a.id for a in step.top],
        "probability": [a.probability for a in step.top],
        "chosen": ["chosen" if a.id == step.id else "alternative" for a in step.top],
    })
    left, right = st.columns([3, 2])
    figure = px.bar(rows, x="probability", y="token", color="chosen", orientation="h", range_x=[0, 1],
                    color_discrete_map={"chosen": "#e4572e", "alternative": "#76b7b2"}, hover_data=["id"],
                    title=f"Step {index}: the model picks {step.piece!r} (id {step.id})")
    figure.update_layout(yaxis={"autorange": "reversed"}, height=80 + 32 * len(rows), margin={"t": 40, "b": 10},
                         legend_title_text="")
    left.plotly_chart(figure, width="stretch")
    right.dataframe(rows, hide_index=True, width="stretch",
                    column_config={"probability": st.column_config.ProgressColumn(format="%.3f", min_value=0,
                                                                                  max_value=1)})
    shown = sum(a.probability for a in step.top)
    right.caption(f"The chosen token had probability {step.probability:.3f}. These {len(rows)} tokens hold "
                  f"{shown:.1%} of the probability; the other tokens share the rest.")
