"""Generate text: a model writes token by token, and the ids going in and coming out are shown."""

import streamlit as st

from components.generation_loaders import cached_model
from components.loaders import cached_tokenizer
from components.generation_view import speed_metrics, top_k_stepper
from components.model_status import source_caption, unavailable
from components.token_view import id_chips, token_legend, token_view
from tokenlens.catalog import LANGUAGE_MODELS
from tokenlens.generation import GenerationResult, GenerationSettings, prepare_prompt, stream_steps
from tokenlens.generation.backend import BackendError, OpenAIBackend
from tokenlens.generation.models import PHI3_ID, cuda_available, model_choices
from tokenlens.generation.run import MAX_NEW_TOKENS, MAX_TOP_K
from tokenlens.hub import AssetUnavailable
from tokenlens.text_input import PHI3_PROMPT
from tokenlens.tokens import decode_ids, parse_ids, tokenize

OTHER = "other"

st.title("✍️ Generate text")
st.caption("The book's first experiment: a model writes an email, then we look at the token ids that went "
           "in and came out. Every id and probability here comes from the real model.")

has_cuda = cuda_available()
choices = [*model_choices(has_cuda), OTHER]
chosen = st.selectbox("Model", choices, format_func=lambda i: "Another hub id…" if i == OTHER
                      else f"{LANGUAGE_MODELS[i].name} · {i}")
if chosen == OTHER:
    model_id = st.text_input("Hub id of a causal language model", placeholder="e.g. Qwen/Qwen2.5-0.5B-Instruct").strip()
else:
    model_id = chosen
    st.caption(LANGUAGE_MODELS[chosen].description)
if not has_cuda:
    st.caption(f"No CUDA GPU here: the book's {PHI3_ID} is not offered, but its tokenizer still shows the "
               "book's prompt ids below.")

with st.expander("Serve from an OpenAI-compatible endpoint (optional)"):
    use_backend = st.toggle("Send prompts to an endpoint instead of this process", value=False,
                            help="For a large class: transformers serve, vLLM, TGI or Ollama. Only the text "
                                 "comes back, so ids and probabilities are shown for the in-process model only.")
    backend_url = st.text_input("Endpoint URL", value="http://localhost:8000/v1")
    backend_model = st.text_input("Model name on the endpoint", value=model_id)

prompt_text = st.text_area("Prompt", value=PHI3_PROMPT, height=100, max_chars=20_000,
                           help="The book's prompt ends with Phi-3's <|assistant|> token: the model answers next.")
use_chat = st.toggle("Wrap in the model's chat template", value=model_id != PHI3_ID, key=f"chat-{model_id}",
                     help="Off: the prompt goes in exactly as typed, as in the book (which wrote Phi-3's "
                          "<|assistant|> by hand). On: the model's own chat format, as instruct models expect.")

cols = st.columns(4)
max_new_tokens = cols[0].number_input("Max new tokens", 1, MAX_NEW_TOKENS, 40)
mode = cols[1].radio("Decoding", ["greedy", "sampling"], horizontal=True)
seed = cols[2].number_input("Seed", 0, 2**31 - 1, 0, help="The same seed and settings give the same text.")
top_k = cols[3].number_input("Top-k to show per step", 0, MAX_TOP_K, 5)
temperature, top_p = 1.0, 1.0
if mode == "sampling":
    left, right = st.columns(2)
    temperature = left.slider("Temperature", 0.05, 2.0, 0.8, 0.05)
    top_p = right.slider("Top-p", 0.05, 1.0, 0.95, 0.05)

st.subheader("The prompt as the model's tokenizer sees it")
reference = None
if model_id:
    try:
        reference = cached_tokenizer(model_id)
    except AssetUnavailable:
        reference = None  # e.g. SmolLM2 offline: its packaged GGUF carries the tokenizer, shown after loading
if reference is not None and prompt_text.strip():
    token_view(tokenize(reference, prompt_text))
    ids = tokenize(reference, prompt_text).ids
    st.code(f"input_ids = {ids}", language="python")
    source_caption(reference.source)
    token_legend()
elif prompt_text.strip():
    st.caption("This model's tokenizer comes with its weights (offline: the packaged GGUF): the prompt's ids "
               "appear under **Look inside** once it has generated.")

try:
    settings = GenerationSettings(max_new_tokens=int(max_new_tokens), greedy=mode == "greedy",
                                  temperature=float(temperature), top_p=float(top_p), seed=int(seed),
                                  top_k=int(top_k))
except ValueError as err:
    st.error(str(err))
    st.stop()

run_col, stop_col = st.columns([1, 5])
start = run_col.button("Generate", type="primary", disabled=not model_id)
stop_col.button("⏹ Stop", help="Stops after the current token; what was written so far stays.")

def stream_from_endpoint() -> None:
    st.subheader("Output (endpoint)")
    try:
        backend = OpenAIBackend(backend_url, backend_model or model_id)
        st.write_stream(backend.stream(prompt_text, chat=use_chat, max_tokens=settings.max_new_tokens,
                                       temperature=0.0 if settings.greedy else settings.temperature,
                                       top_p=settings.top_p, seed=settings.seed))
    except BackendError as err:
        st.error(f"The endpoint failed: {err}")


def stream_in_process() -> None:
    with st.status(f"Loading {model_id}…", expanded=False) as status:
        try:
            loaded = cached_model(model_id)
        except AssetUnavailable as err:
            status.update(label=f"{model_id} is unavailable", state="error")
            unavailable(model_id, err.reason)
            return
        status.update(label=f"{loaded.name} ready on {loaded.device} ({loaded.parameters / 1e6:,.0f}M parameters)",
                      state="complete")
    try:
        prompt = prepare_prompt(loaded.tokenizer, prompt_text, chat_template=use_chat,
                                context_length=loaded.context_length, max_new_tokens=settings.max_new_tokens)
    except ValueError as err:
        st.error(str(err))
        return
    result = GenerationResult(prompt.ids)
    # Kept before streaming, so a stop (which reruns the page) still finds what was written.
    st.session_state["generation"] = {"model_id": model_id, "prompt": prompt, "result": result}
    for notice in prompt.notices:
        st.info(notice, icon="ℹ️")
    queue_note = st.empty()

    def show_position(ahead: int, in_line: int) -> None:
        queue_note.info(f"⏳ {in_line - 1} generation(s) queued for {model_id}: you are number {ahead} in line.")

    def text_pieces():
        for step in stream_steps(loaded, prompt.ids, settings, on_wait=show_position, result=result):
            queue_note.empty()
            yield step.text

    st.subheader("Output")
    st.write_stream(text_pieces())


if start and use_backend:
    stream_from_endpoint()
elif start:
    st.session_state.pop("generation", None)
    stream_in_process()

saved = st.session_state.get("generation")
if saved and saved["model_id"] == model_id and not (start and use_backend):
    result, prompt = saved["result"], saved["prompt"]
    if not start and result.finish == "running":
        result.finish = "stopped"  # the Stop button reran the page mid-stream
    loaded = cached_model(model_id)
    tokenizer = loaded.tokenizer
    if not start:
        st.subheader("Output")
        st.text(result.text)
    speed_metrics(result)
    st.caption(("📦 " if loaded.source.is_standin else "🤗 ") + f"{loaded.source.label} · {loaded.device}, "
               f"{loaded.dtype}")

    st.subheader("Look inside: the ids")
    st.markdown(f"**Input ids** ({len(prompt.ids)} tokens, each decoded alone)")
    id_chips([(i, tokenizer.decode([i])) for i in prompt.ids])
    st.code(f"input_ids = {list(prompt.ids)}", language="python")
    st.markdown(f"**Generated ids** ({len(result.generated_ids)} tokens)")
    id_chips([(s.id, s.piece) for s in result.steps])
    st.code(f"generated_ids = {result.generated_ids}", language="python")

    st.subheader("Step through the model's choices")
    top_k_stepper(result)

st.subheader("Decode ids")
default_ids = "3323 622" if model_id == PHI3_ID or not saved else " ".join(map(str, saved["result"].generated_ids[:2]))
typed = st.text_input("Ids to decode (as tokenizer.decode)", value=default_ids,
                      help="The book: decode(3323) = 'Sub', decode(622) = 'ject', decode([3323, 622]) = 'Subject'.")
try:
    wanted = parse_ids(typed)
    if wanted:
        if reference is not None:
            alone = [(i, decode_ids(reference, [i])) for i in wanted]
            together = decode_ids(reference, wanted)
        elif saved and saved["model_id"] == model_id and not (start and use_backend):
            tokenizer = cached_model(model_id).tokenizer
            bad = [i for i in wanted if i >= len(tokenizer)]
            if bad:
                raise ValueError(f"not in {model_id}'s vocabulary (0..{len(tokenizer) - 1}): {bad}")
            alone = [(i, tokenizer.decode([i])) for i in wanted]
            together = tokenizer.decode(wanted)
        else:
            alone, together = [], None
            st.caption("Generate once to load this model's tokenizer.")
        if together is not None:
            id_chips(alone)
            st.text(f"decode({wanted if len(wanted) > 1 else wanted[0]}) = {together!r}")
except ValueError as err:
    st.error(str(err))
