"""Generating token by token: each step yields the chosen id, its text and the top-k alternatives.

A manual decoding loop with the model's KV cache (the same work `model.generate` does), so the page
can stream text, show probabilities per step and stop between any two tokens.
"""

from __future__ import annotations

import inspect
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .models import LoadedModel
from .queue import MODEL_QUEUE, ModelQueue

MAX_NEW_TOKENS = 1024
MAX_TOP_K = 50
PHI3_ASSISTANT = "<|assistant|>"


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 64
    greedy: bool = True
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0
    top_k: int = 5  # alternatives shown per step (0: none); sampling itself uses top_p

    def __post_init__(self) -> None:
        if not 1 <= self.max_new_tokens <= MAX_NEW_TOKENS:
            raise ValueError(f"max new tokens must be between 1 and {MAX_NEW_TOKENS}, not {self.max_new_tokens}")
        if not 0 < self.temperature <= 5:
            raise ValueError(f"temperature must be above 0 and at most 5, not {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top-p must be above 0 and at most 1, not {self.top_p}")
        if not 0 <= self.top_k <= MAX_TOP_K:
            raise ValueError(f"top-k must be between 0 and {MAX_TOP_K}, not {self.top_k}")
        if not 0 <= self.seed < 2**63:
            raise ValueError(f"the seed must be a whole number from 0, not {self.seed}")


@dataclass(frozen=True)
class PreparedPrompt:
    text: str  # what the model reads (after the chat template, if any)
    ids: tuple[int, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alternative:
    id: int
    piece: str
    probability: float


@dataclass(frozen=True)
class Step:
    index: int
    id: int
    piece: str  # this id decoded alone, as the book's tokenizer.decode(id)
    text: str  # what this step adds to the visible text (held back while a character is incomplete)
    probability: float  # the model's probability of the chosen id (softmax of the raw logits)
    top: tuple[Alternative, ...]
    elapsed_s: float  # since generation started (after the queue)


@dataclass
class GenerationResult:
    """The record of one generation, filled step by step by the generating thread.

    `request_stop` freezes it: once it returns, no step is added, even by a thread that was in
    the middle of computing one. (A Streamlit rerun starts the new run before the old run has
    noticed it must stop: without the freeze, the old run added one more token after the new
    run had shown the count, and the next rerun showed one token more.)
    """

    prompt_ids: tuple[int, ...]
    generated_ids: list[int] = field(default_factory=list)
    text: str = ""
    steps: list[Step] = field(default_factory=list)
    finish: str = ""  # "running" | "eos" | "length" | "stopped"
    total_s: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def request_stop(self) -> None:
        with self._lock:
            self._stop.set()
            if self.finish in ("", "running"):
                self.finish = "stopped"

    def begin(self) -> None:
        with self._lock:
            if not self._stop.is_set():
                self.finish = "running"

    def end(self, reason: str) -> None:
        """How a running generation ended ("eos", "length"); a stop already recorded stays."""
        with self._lock:
            if self.finish in ("", "running"):
                self.finish = reason

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def add(self, step: Step, text: str) -> bool:
        """Record a step and the text so far; False (and nothing recorded) once a stop was asked for."""
        with self._lock:
            if self._stop.is_set():
                return False
            self.generated_ids.append(step.id)
            self.steps.append(step)
            self.text = text
            self.total_s = step.elapsed_s
            return True

    def snapshot(self) -> tuple[list[int], list[Step], str]:
        """Ids, steps and text read together (the generating thread may be adding a step)."""
        with self._lock:
            return list(self.generated_ids), list(self.steps), self.text

    @property
    def time_to_first_token_s(self) -> float | None:
        return self.steps[0].elapsed_s if self.steps else None

    @property
    def tokens_per_s(self) -> float | None:
        """Decoding speed after the first token (the first one also pays for reading the prompt)."""
        if len(self.steps) < 2:
            return None
        span = self.steps[-1].elapsed_s - self.steps[0].elapsed_s
        return (len(self.steps) - 1) / span if span > 0 else None


def prepare_prompt(tokenizer, text: str, *, chat_template: bool = False, context_length: int = 2048,
                   max_new_tokens: int = 64) -> PreparedPrompt:
    """The ids the model will read; an empty prompt is a ValueError, a too-long one is cut with a notice."""
    if not text or not text.strip():
        raise ValueError("The prompt is empty: type what the model should continue.")
    if max_new_tokens >= context_length:
        raise ValueError(f"max new tokens ({max_new_tokens}) must be below the model's context "
                         f"({context_length} tokens), leaving room for the prompt.")
    notices: list[str] = []
    if chat_template and getattr(tokenizer, "chat_template", None):
        if text.rstrip().endswith(PHI3_ASSISTANT) and PHI3_ASSISTANT not in tokenizer.get_vocab():
            text = text.rstrip().removesuffix(PHI3_ASSISTANT)
            notices.append(f"The book's prompt ends with Phi-3's own {PHI3_ASSISTANT} marker; this model's "
                           "chat template adds its own assistant marker instead.")
        text = tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                             add_generation_prompt=True)
        ids = tokenizer(text, add_special_tokens=False).input_ids
    else:
        if chat_template:
            notices.append("This model has no chat template; the prompt is used as typed.")
        ids = tokenizer(text).input_ids
    room = context_length - max_new_tokens
    if len(ids) > room:
        notices.append(f"The prompt has {len(ids):,} tokens but only {room:,} fit next to "
                       f"{max_new_tokens} new ones in a {context_length:,}-token context: "
                       f"the first {len(ids) - room:,} tokens were cut.")
        ids = ids[-room:]
    return PreparedPrompt(text, tuple(ids), tuple(notices))


def _forward(model, input_ids, past, seen: int):
    """One forward pass reusing the KV cache (transformers 5.2x renamed past_key_values to cache).

    The attention mask covers all `seen` tokens, as model.generate passes it: without one, some
    attention kernels take a much slower path for one new query against a long cache.
    """
    import torch

    cache_name = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    mask = torch.ones((1, seen), dtype=torch.long, device=input_ids.device)
    kwargs = {"input_ids": input_ids, "attention_mask": mask, cache_name: past, "use_cache": True}
    try:
        output = model(**kwargs, logits_to_keep=1)
    except TypeError:  # architectures without logits_to_keep
        output = model(**kwargs)
    return output.logits, output.get(cache_name) if cache_name in output else output.past_key_values


def _choose(logits, settings: GenerationSettings, generator):
    import torch

    if settings.greedy:
        return int(torch.argmax(logits))
    scaled = torch.softmax(logits.float() / settings.temperature, dim=-1)
    if settings.top_p < 1:
        ordered, order = torch.sort(scaled, descending=True)
        before = torch.cumsum(ordered, dim=-1) - ordered  # mass of the tokens ranked above each
        ordered[before >= settings.top_p] = 0  # keep the smallest head whose mass reaches top_p
        scaled = torch.zeros_like(scaled).scatter(0, order, ordered)
    return int(torch.multinomial(scaled, 1, generator=generator))


def start_stream(loaded: LoadedModel, prompt_ids, settings: GenerationSettings, *,
                 stop: threading.Event | None = None, queue: ModelQueue | None = MODEL_QUEUE,
                 on_wait: Callable[[int, int], None] | None = None) -> tuple[GenerationResult, Iterator[Step]]:
    """A new record of one generation, and the steps that fill it as they are iterated (after taking
    the model's turn in `queue`; None: no queue). The caller can keep the record before the first
    step (a page's Stop button finds it there)."""
    prompt_ids = tuple(int(i) for i in prompt_ids)
    if not prompt_ids:
        raise ValueError("The prompt has no tokens.")
    result = GenerationResult(prompt_ids)
    return result, _stream(loaded, result, settings, stop, queue, on_wait)


def stream_steps(loaded: LoadedModel, prompt_ids, settings: GenerationSettings, **kwargs) -> Iterator[Step]:
    """Yield one Step per new token (start_stream's steps, for callers that need no record)."""
    return start_stream(loaded, prompt_ids, settings, **kwargs)[1]


def _stream(loaded, result, settings, stop, queue, on_wait) -> Iterator[Step]:
    import torch

    prompt_ids = list(result.prompt_ids)
    if queue is None:
        yield from _decode_loop(loaded, prompt_ids, settings, stop, result, torch)
        return
    with queue.turn(loaded.hub_id, on_wait=on_wait):
        yield from _decode_loop(loaded, prompt_ids, settings, stop, result, torch)


def _decode_loop(loaded, prompt_ids, settings, stop, result, torch) -> Iterator[Step]:
    model, tokenizer = loaded.model, loaded.tokenizer
    generator = torch.Generator(device=model.device).manual_seed(settings.seed)
    eos = set(loaded.eos_ids)
    started = time.perf_counter()
    result.begin()
    try:
        yield from _steps(model, tokenizer, prompt_ids, settings, stop, result, torch, generator, eos, started)
    except GeneratorExit:  # the consumer went away (a Streamlit rerun: the page's stop button)
        result.request_stop()
        raise
    result.end("length")


def _steps(model, tokenizer, prompt_ids, settings, stop, result, torch, generator, eos, started) -> Iterator[Step]:
    device = model.device
    shown = ""
    ids: list[int] = []
    with torch.inference_mode():
        all_logits, cache = _forward(model, torch.tensor([prompt_ids], device=device), None, len(prompt_ids))
        for index in range(settings.max_new_tokens):
            logits = all_logits[0, -1]
            chosen = _choose(logits, settings, generator)
            probabilities = torch.softmax(logits.float(), dim=-1)
            top: tuple[Alternative, ...] = ()
            if settings.top_k:
                values, top_ids = torch.topk(probabilities, settings.top_k)
                top = tuple(Alternative(int(i), tokenizer.decode([int(i)]), float(v))
                            for v, i in zip(values.tolist(), top_ids.tolist()))
            ids.append(chosen)
            text = tokenizer.decode(ids, skip_special_tokens=True)
            # Hold back a trailing half character (byte-fallback / byte-level pieces).
            visible = text[:-1] if text.endswith("\ufffd") else text
            delta = visible[len(shown):] if visible.startswith(shown) else visible
            step = Step(index, chosen, tokenizer.decode([chosen]), delta, float(probabilities[chosen]), top,
                        time.perf_counter() - started)
            if not result.add(step, visible):
                return  # stopped while this step was computed: it is dropped, the record stays as shown
            shown = visible
            yield step
            if chosen in eos:
                result.end("eos")
                break
            if (stop is not None and stop.is_set()) or result.stop_requested:
                result.request_stop()
                break
            if index + 1 < settings.max_new_tokens:
                all_logits, cache = _forward(model, torch.tensor([[chosen]], device=device), cache,
                                             len(prompt_ids) + index + 1)


def generate(loaded: LoadedModel, prompt_ids, settings: GenerationSettings, **kwargs) -> GenerationResult:
    """Run the steps to the end and return the whole record."""
    result, steps = start_stream(loaded, prompt_ids, settings, **kwargs)
    for _ in steps:
        pass
    return result


def result_to_json(loaded: LoadedModel, prompt: PreparedPrompt, result: GenerationResult,
                   top_k: int = 0) -> dict:
    """The CLI's document: ids in and out, text, timings and, with top_k, each step's alternatives."""
    tokenizer = loaded.tokenizer
    document = {
        "model": loaded.hub_id,
        "source": loaded.source.label,
        "device": loaded.device,
        "prompt": prompt.text,
        "notices": list(prompt.notices),
        "prompt_ids": list(result.prompt_ids),
        "prompt_pieces": [tokenizer.decode([i]) for i in result.prompt_ids],
        "generated_ids": result.generated_ids,
        "generated_pieces": [s.piece for s in result.steps],
        "text": result.text,
        "finish": result.finish,
        "time_to_first_token_s": result.time_to_first_token_s,
        "tokens_per_s": result.tokens_per_s,
    }
    if top_k:
        document["steps"] = [
            {"id": s.id, "piece": s.piece, "probability": s.probability,
             "top": [{"id": a.id, "piece": a.piece, "probability": a.probability} for a in s.top]}
            for s in result.steps
        ]
    return document
