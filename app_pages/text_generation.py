"""Generate text: a model writes token by token, and the ids going in and coming out are shown.

It opens on the book's example with no model weights at all: Phi-3's tokenizer cuts the book's
prompt into 14350 … 32001, and decodes 3323 622 into "Sub" + "ject".
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass

import streamlit as st

from components import resources
from components.generation_view import (ENDPOINT_KEYS, chips_legend, chosen_backend, decoded_rows, endpoint_settings,
                                        ids_block, output_text, result_line, speed_metrics, top_k_stepper)
from components.model_status import (escape_markdown, operator_setting, short_reason, shorten_paths, source_line,
                                     unavailable)
from components.page_state import PageState
from components.progress import language_model_with_progress, model_tokenizer_with_spinner
from tokenlens.catalog import LANGUAGE_MODELS
from tokenlens.generation import GenerationResult, GenerationSettings, PreparedPrompt, start_stream
from tokenlens.generation.backend import BackendError, EndpointRefused, operator_endpoints
from tokenlens.generation.ids import decode_with, view_of
from tokenlens.generation.link import OTHER, PROMPT_LINK_LIMIT, generation_fields, model_id_of
from tokenlens.generation.models import PHI3_ID, cuda_available, model_choices
from tokenlens.generation.run import MAX_NEW_TOKENS, MAX_TOP_K
from tokenlens.assets import AssetUnavailable
from tokenlens.tokenization.tokens import parse_ids

SAVED = "generation.saved"  # the last generation of this session (not a widget)


@dataclass(frozen=True)
class SavedGeneration:
    model_id: str
    prompt: PreparedPrompt
    settings: GenerationSettings
    result: GenerationResult


def model_name(hub_id: str) -> str:
    return LANGUAGE_MODELS[hub_id].name if hub_id in LANGUAGE_MODELS else hub_id


st.title("✍️ Generate text")
st.caption("The book's first experiment: a model writes an email, then we look at the token ids that went "
           "in and came out. Every id and probability here comes from the real tokenizer and model.")

has_cuda = cuda_available()
state = PageState("generation", generation_fields(has_cuda))
choices = [*model_choices(has_cuda), OTHER]
state.ensure_choice("model", choices)
# The operator's endpoints (environment or st.secrets); a visitor may also type one, checked.
endpoints = operator_endpoints(listed=operator_setting("generation_endpoints") or [])
for key, value in ENDPOINT_KEYS.items():
    st.session_state.setdefault(key, value)
model_id = model_id_of(state["model"], state["hub"])
name = model_name(model_id)


def model_changed() -> None:
    """A new model brings its own chat-template default (the book's Phi-3 prompt is typed raw)."""
    state.set("chat", resources.chat_on_by_default(model_id_of(state["model"], state["hub"])))


def stop_generation() -> None:
    saved = st.session_state.get(SAVED)
    if saved is not None:
        saved.result.request_stop()


inputs, outputs = st.columns([5, 6], gap="medium")
with outputs:
    st.subheader("The prompt as tokens")
    book_slot, model_slot, decode_slot = st.container(), st.container(), st.container()

# The book's example first: Phi-3's tokenizer needs no weights, so its ids show at once.
phi3 = None
if model_id != PHI3_ID:
    with book_slot:
        try:
            phi3 = resources.tokenizer(PHI3_ID)
        except AssetUnavailable as err:
            unavailable("Phi-3's tokenizer", err.reason, err.kind)
        if phi3 is not None and state["prompt"].strip():
            ids_block("Phi-3, the book's model: the prompt as typed", resources.typed_prompt(phi3, state["prompt"]),
                      caption="" if has_cuda else "Phi-3 needs a GPU to write and this server has none; "
                                                  "its tokenizer alone gives these ids.")

with inputs:
    st.selectbox("Model", choices, key=state.key("model"), on_change=model_changed,
                 format_func=lambda i: "Another hub id…" if i == OTHER else LANGUAGE_MODELS[i].name)
    if state["model"] == OTHER:
        st.text_input("Hub id of a causal language model", key=state.key("hub"), on_change=model_changed,
                      placeholder="e.g. Qwen/Qwen2.5-0.5B-Instruct")
    else:
        st.caption(f"`{state['model']}` · {LANGUAGE_MODELS[state['model']].description}")
    st.text_area("Prompt", key=state.key("prompt"), height=110, max_chars=20_000,
                 help="The book's prompt ends with Phi-3's <|assistant|> token: the model answers next.")

# The model's own tokenizer, without its weights (a few seconds the first time on a server).
tokenizer, tokenizer_problem = None, None
if model_id:
    with model_slot:
        try:
            tokenizer = model_tokenizer_with_spinner(model_id, name)
        except AssetUnavailable as err:
            tokenizer_problem = err
if state["chat"] is None:  # first open without `chat` in the link: the model decides
    state.set("chat", resources.chat_on_by_default(model_id))

with inputs:
    st.toggle("Wrap in the model's chat template", key=state.key("chat"),
              help="Off: the prompt goes in exactly as typed, as in the book (which wrote Phi-3's "
                   "<|assistant|> by hand). On: the model's own chat format, as instruct models expect.")
    with st.expander("⚙️ Length and decoding"):
        left, right = st.columns(2)
        left.number_input("Max new tokens", min_value=1, max_value=MAX_NEW_TOKENS, step=1,
                          key=state.key("max_new"))
        right.number_input("Top-k to show per step", min_value=0, max_value=MAX_TOP_K, step=1,
                           key=state.key("top_k"), help="How many of the likeliest next tokens each step lists.")
        st.radio("Decoding", ["greedy", "sampling"], horizontal=True, key=state.key("mode"),
                 help="Greedy always takes the likeliest token; sampling draws one at random by probability.")
        if state["mode"] == "sampling":
            first, second, third = st.columns(3)
            first.slider("Temperature", 0.05, 2.0, step=0.05, key=state.key("temp"))
            second.slider("Top-p", 0.05, 1.0, step=0.05, key=state.key("top_p"))
            third.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key=state.key("seed"),
                               help="The same seed and settings give the same text.")
    run_col, stop_col = st.columns(2)
    start = run_col.button("Generate", type="primary", disabled=not model_id, key="generation.start",
                           width="stretch")
    stop_col.button("⏹ Stop", key="generation.stop", on_click=stop_generation, width="stretch",
                    help="Stops after the current token; what was written so far stays.")
    output_slot = st.container()

too_long = state.sync(omit=() if state["model"] == OTHER else ("hub",))
if "prompt" in too_long:
    inputs.caption(f"This prompt is longer than {PROMPT_LINK_LIMIT:,} characters, so the page link doesn't "
                   "carry it; the model and settings are still in the link.")

try:
    settings = GenerationSettings(max_new_tokens=int(state["max_new"]), greedy=state["mode"] == "greedy",
                                  temperature=float(state["temp"]), top_p=float(state["top_p"]),
                                  seed=int(state["seed"]), top_k=int(state["top_k"]))
except ValueError as err:
    inputs.caption(f"⚠️ {escape_markdown(str(err))}")
    st.stop()

# What the model will read when Generate is pressed: the same function the generation uses.
prompt, prompt_problem = None, None
with model_slot:
    if not model_id:
        st.caption("Type a hub id to see how its tokenizer cuts the prompt.")
    elif tokenizer_problem is not None:
        unavailable(f"{name}'s tokenizer", tokenizer_problem.reason, tokenizer_problem.kind)
    else:
        try:
            prompt, view = resources.model_prompt(tokenizer, state["prompt"], chat_template=state["chat"],
                                                  max_new_tokens=settings.max_new_tokens)
        except ValueError as err:
            prompt_problem = str(err)
            st.caption(f"ℹ️ {escape_markdown(prompt_problem)}")
        else:
            how = "with its chat template" if state["chat"] and tokenizer.has_chat_template else "as typed"
            ids_block(f"{name}: what the model reads, {how}", view, caption=source_line(tokenizer.view.source))
            for notice in prompt.notices:
                st.caption(f"ℹ️ {notice}")
    chips_legend()

with decode_slot:
    st.text_input("Ids to decode (tokenizer.decode)", key=state.key("ids"),
                  help="The book: decode(3323) = 'Sub', decode(622) = 'ject', decode([3323, 622]) = 'Subject'.")
    try:
        wanted = parse_ids(state["ids"])
    except ValueError as err:
        st.caption(f"⚠️ {escape_markdown(str(err))}")
        wanted = []
    if wanted:
        readers = []
        if phi3 is not None:
            readers.append(decode_with(phi3, wanted, "Phi-3 (the book's tokenizer)"))
        if tokenizer is not None:
            readers.append(decode_with(tokenizer.view, wanted, name))
        decoded_rows(readers, wanted)

saved = st.session_state.get(SAVED)
if saved is not None and not start:
    saved.result.request_stop()  # a rerun mid-stream (Stop, or any click): the record stays as it was shown


def stream_from_endpoint() -> None:
    st.markdown("**Output (from the endpoint)**")
    shown, text_slot = "", st.empty()
    try:
        backend = chosen_backend(endpoints, model_id)
        for piece in backend.stream(state["prompt"], chat=state["chat"], max_tokens=settings.max_new_tokens,
                                    temperature=0.0 if settings.greedy else settings.temperature,
                                    top_p=settings.top_p, seed=settings.seed):
            shown += piece
            text_slot.text(shown)
    except BackendError as err:
        refused = isinstance(err, EndpointRefused)
        st.caption("⚠️ **The endpoint**: " + ("this server will not call it" if refused
                                              else "did not answer as expected"))
        with st.expander("Why", expanded=refused):
            st.text(shorten_paths(str(err)))


def generate_here() -> SavedGeneration | None:
    if tokenizer_problem is not None:  # the why is already folded away beside the prompt's ids
        st.caption(f"⚠️ **{escape_markdown(name)}**: {short_reason(tokenizer_problem.kind)}")
        return None
    if prompt is None:
        st.caption(f"⚠️ {escape_markdown(prompt_problem or 'There is no prompt the model can read.')}")
        return None
    try:
        loaded = language_model_with_progress(model_id, name)
    except AssetUnavailable as err:
        unavailable(name, err.reason, err.kind)
        return None
    queue_note, text_slot = st.empty(), st.empty()

    def show_position(ahead: int, in_line: int) -> None:
        queue_note.caption(f"⏳ {in_line - 1} generation(s) queued for this model: you are number {ahead} in line.")

    result, steps = start_stream(loaded, prompt.ids, settings, on_wait=show_position)
    fresh = SavedGeneration(model_id, prompt, settings, result)
    # Kept before streaming, so a stop (which reruns the page) still finds what was written.
    st.session_state[SAVED] = fresh
    # closing(): a Stop ends this run mid-loop, and the model's turn in the queue is given back at once.
    with closing(steps):
        for number, _ in enumerate(steps):
            if number == 0:
                queue_note.empty()
            text_slot.text(result.text)
    text_slot.empty()
    return fresh


with output_slot:
    if start and st.session_state["generation.endpoint.on"]:
        stream_from_endpoint()
        saved = None
    elif start:
        st.session_state.pop(SAVED, None)
        saved = generate_here()
    if saved is not None and saved.model_id == model_id:
        output_text(saved.result.text)
        st.caption(result_line(saved.result))
        if prompt is None or saved.prompt.ids != prompt.ids or saved.settings != settings:
            st.caption("ℹ️ Written before the prompt or settings above changed: press Generate to run them.")

if saved is not None and saved.model_id == model_id and tokenizer is not None:
    result = saved.result
    generated, _, _ = result.snapshot()
    st.subheader("Look inside: the ids")
    speed_metrics(result)
    ids_block("Generated ids, each decoded alone", view_of(tokenizer.view.tokenizer, generated),
              name="generated_ids")
    if prompt is not None and saved.prompt.ids == prompt.ids:
        st.caption(f"It read the {len(saved.prompt.ids)} input ids shown at the top.")
    else:
        ids_block("Input ids this generation read", view_of(tokenizer.view.tokenizer, saved.prompt.ids))
    st.subheader("Step through the model's choices")
    top_k_stepper(result)

with st.expander("🌐 Serve from an OpenAI-compatible endpoint (optional)"):
    endpoint_settings(endpoints, model_id)
