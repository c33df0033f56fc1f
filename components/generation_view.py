"""Pictures of a generation: ids as chips, the output, speed figures, a per-step top-k chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.charts import show_chart
from components.layout import theme_type
from components.model_status import escape_markdown
from components.token_view import id_chips
from tokenlens.generation.backend import (ALLOW_PRIVATE_ENV, ENDPOINTS_ENV, Endpoint, EndpointRefused, OpenAIBackend,
                                          checked_base_url)
from tokenlens.generation.ids import Decoded, IdsView, chip_text
from tokenlens.generation.run import GenerationResult

# A chip with its id is one unit: it moves to the next line whole, never "Sa" | "rah 19235".
# (token_html gives its "ids" box this rule; the plain chips here get it for chips that carry an id.)
TYPED = ""  # the endpoint choice "type an address"
# Session keys of the endpoint settings (never in the link: an address is not a view to share).
ENDPOINT_KEYS = {"generation.endpoint.on": False, "generation.endpoint.choice": None,
                 "generation.endpoint.url": "", "generation.endpoint.model": ""}
FINISH_WORDS = {"eos": "end of answer", "length": "token limit", "stopped": "stopped", "running": "running"}


def ids_block(heading: str, view: IdsView, *, name: str = "input_ids", caption: str = "") -> None:
    """A bold heading (plain text: names may come from a link), chips with ids, the list as code."""
    st.markdown(f"**{escape_markdown(heading)}** · {len(view.ids)} tokens")
    id_chips(view.chips, special_ids=view.special_ids, show_ids=True)
    # Wrapped: a long list of ids stays readable instead of running off the right edge.
    st.code(f"{name} = {list(view.ids)}", language="python", wrap_lines=True)
    if caption:
        st.caption(caption)


def chips_legend() -> None:
    # Special chips are dark on the light theme and light on the dark one (token_html's colours).
    special = "dark" if theme_type() == "light" else "light grey"
    st.caption(f"Each chip is one token: its text decoded alone, then its id. The colour comes from the id; "
               f"{special} chips with a dashed edge are special tokens; ↵ is a line break. "
               "Hover a chip for its id and text.")


def output_text(text: str) -> None:
    """The model's words as plain text: never Markdown or HTML, whatever the model wrote."""
    st.text(text or " ")


def result_line(result: GenerationResult) -> str:
    ids, steps, _ = result.snapshot()
    parts = [f"{len(ids)} new tokens", f"ended by {FINISH_WORDS.get(result.finish, result.finish)}"]
    if steps:
        parts.append(f"first token after {steps[0].elapsed_s * 1000:,.0f} ms")
    if result.tokens_per_s:
        parts.append(f"{result.tokens_per_s:,.1f} tokens/s")
    return " · ".join(parts)


def speed_metrics(result: GenerationResult) -> None:
    ttft = result.time_to_first_token_s
    speed = result.tokens_per_s
    cols = st.columns(4)
    cols[0].metric("New tokens", len(result.generated_ids))
    cols[1].metric("Time to first token", f"{ttft * 1000:,.0f} ms" if ttft is not None else "–")
    cols[2].metric("Tokens per second", f"{speed:,.1f}" if speed else "–")
    cols[3].metric("Ended by", FINISH_WORDS.get(result.finish, result.finish),
                   help="end of answer: the model wrote its end token; token limit: max new tokens reached")


def decoded_rows(rows: list[Decoded], ids: list[int]) -> None:
    """Each tokenizer's reading of the same ids: one id at a time, then all together."""
    shown = ids if len(ids) > 1 else ids[0]
    for row in rows:
        st.markdown(f"**{escape_markdown(row.name)}**")
        if row.error:
            st.caption(f"⚠️ {escape_markdown(row.error)}")
            continue
        id_chips([(token_id, chip_text(piece)) for token_id, piece in row.pieces], special_ids=row.special_ids,
                 show_ids=True)
        st.code(f"tokenizer.decode({shown}) = {row.together!r}", language="python", wrap_lines=True)


def top_k_stepper(result: GenerationResult, key: str = "generation-step") -> None:
    """A slider over the generated steps; for the chosen step, the top-k next-token probabilities."""
    steps = [s for s in result.steps if s.top]
    if not steps:
        st.caption("No per-step probabilities were recorded (top-k is 0).")
        return
    if not 1 <= st.session_state.get(key, 1) <= len(steps):
        st.session_state[key] = 1  # a new, shorter generation: back to its first step
    if len(steps) > 1:
        index = st.slider("Step", 1, len(steps), key=key,
                          help="Each step is one forward pass: the model scores every token in its vocabulary.")
    else:
        index = 1
    step = steps[index - 1]
    rows = pd.DataFrame({
        "token": [repr(a.piece) for a in step.top],
        "id": [a.id for a in step.top],
        "probability": [a.probability for a in step.top],
        "chosen": ["chosen" if a.id == step.id else "alternative" for a in step.top],
    })
    # Labels carry the id too: two ids can decode to the same text, and would share a bar.
    labels = [f"{token} · {token_id}" for token, token_id in zip(rows["token"], rows["id"])]
    figure = go.Figure()
    for kind, colour in (("chosen", "#e4572e"), ("alternative", "#3f8f8a")):
        mask = rows["chosen"] == kind
        figure.add_bar(x=rows["probability"][mask], y=[label for label, keep in zip(labels, mask) if keep],
                       orientation="h", name=kind, marker_color=colour,
                       hovertemplate="%{y}<br>probability %{x:.3f}<extra></extra>")
    figure.update_layout(title=f"Step {index}: the model picks {step.piece!r} (id {step.id})",
                         xaxis={"range": [0, 1], "title": "probability"}, margin={"t": 40, "b": 10},
                         yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed"},
                         legend_title_text="", barmode="overlay")
    left, right = st.columns([3, 2])
    with left:
        show_chart(figure, rows=len(rows), key=f"{key}-chart")
    right.dataframe(rows.drop(columns="chosen"), hide_index=True, width="stretch",
                    column_config={"probability": st.column_config.ProgressColumn(format="%.3f", min_value=0,
                                                                                  max_value=1)})
    shown = sum(a.probability for a in step.top)
    right.caption(f"The chosen token had probability {probability_text(step.probability)}. These {len(rows)} "
                  f"tokens hold {shown * 100:.3g}% of the probability; the other tokens share the rest.")


def probability_text(probability: float) -> str:
    """Three decimals, or two significant digits for the tiny ones (an untrained model's 0.00002)."""
    return f"{probability:.3f}" if probability >= 0.001 else f"{probability:.1e}"


def endpoint_settings(endpoints: list[Endpoint], model_id: str) -> None:
    """The endpoint switch, the operator's endpoints by name, and a box for a typed one (checked here
    for its form; its address is checked when called)."""
    st.toggle("Send prompts to an endpoint instead of this process", key="generation.endpoint.on",
              help="For a large class: transformers serve, vLLM, TGI or Ollama. Only the text comes back, "
                   "so ids and probabilities are shown for the in-process model only.")
    names = _endpoint_choice(endpoints)
    if names:
        choice = st.selectbox("Endpoint", [*names, TYPED], key="generation.endpoint.choice",
                              format_func=lambda name: name or "Another endpoint: type its address…",
                              help=f"Set up by whoever runs this server ({ENDPOINTS_ENV} or st.secrets).")
    else:
        choice = TYPED
    if choice == TYPED:
        typed = st.text_input("Endpoint URL", key="generation.endpoint.url", placeholder="https://llm.example.org/v1",
                              help="A public server's address; prompts go to its /v1/chat/completions or "
                                   f"/v1/completions. Addresses on this server's own network need {ALLOW_PRIVATE_ENV}=1 "
                                   f"from whoever runs it, who can also list endpoints ({ENDPOINTS_ENV}).")
        if typed.strip():
            try:
                checked_base_url(typed)
            except EndpointRefused as err:
                st.caption(f"⚠️ {escape_markdown(str(err))}")
    st.text_input("Model name on the endpoint", key="generation.endpoint.model", placeholder=model_id)


def _endpoint_choice(endpoints: list[Endpoint]) -> list[str]:
    """The operator's endpoint names; the choice kept among them (the first one until a visitor picks)."""
    names = [endpoint.name for endpoint in endpoints]
    if st.session_state["generation.endpoint.choice"] not in [*names, TYPED]:
        st.session_state["generation.endpoint.choice"] = names[0] if names else TYPED
    return names


def chosen_backend(endpoints: list[Endpoint], model_id: str) -> OpenAIBackend:
    """The backend the endpoint settings name: an operator's endpoint as configured, a typed one checked."""
    _endpoint_choice(endpoints)
    model = st.session_state["generation.endpoint.model"].strip() or model_id
    for endpoint in endpoints:
        if endpoint.name == st.session_state["generation.endpoint.choice"]:
            return OpenAIBackend(endpoint.base_url, model, endpoint.api_key)
    return OpenAIBackend.typed(st.session_state["generation.endpoint.url"], model)
