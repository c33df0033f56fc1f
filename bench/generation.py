"""Generation speed and memory, as ratios against the raw `model.generate` in the same run.

    python -m bench.generation
"""

from __future__ import annotations

import os
import statistics
import time

from bench.common import median_time as _median_time
from bench.common import rss_mib as _rss_mib
from bench.common import use_shared_assets

use_shared_assets()

PROMPT = "The history of the printing press begins in"
MODELS = {"sshleifer/tiny-gpt2": 64, "HuggingFaceTB/SmolLM2-135M-Instruct": 32}


def bench_model(hub_id: str, new_tokens: int, repeats: int = 5) -> None:
    import torch

    from tokenlens.generation import GenerationSettings, generate, prepare_prompt, stream_steps
    from tokenlens.generation.models import load_model

    before = _rss_mib()
    start = time.perf_counter()
    loaded = load_model(hub_id)
    load_s = time.perf_counter() - start
    prompt = prepare_prompt(loaded.tokenizer, PROMPT, context_length=loaded.context_length, max_new_tokens=new_tokens)
    ids = torch.tensor([prompt.ids])
    plain = GenerationSettings(max_new_tokens=new_tokens, top_k=0)
    page = GenerationSettings(max_new_tokens=new_tokens, top_k=5)
    ours = generate(loaded, prompt.ids, plain, queue=None)
    count = len(ours.generated_ids)  # the raw call makes exactly as many (min_new_tokens)

    def raw(n=count):
        loaded.model.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False)

    def library():
        generate(loaded, prompt.ids, plain)

    def streaming():
        for _ in stream_steps(loaded, prompt.ids, page):
            pass

    raw()  # warm-up
    raw_s = _median_time(raw, repeats)
    lib_s = _median_time(library, repeats)
    stream_s = _median_time(streaming, repeats)
    raw_first_s = _median_time(lambda: raw(1), repeats)
    first = [generate(loaded, prompt.ids, page).time_to_first_token_s for _ in range(repeats)]
    print(f"{hub_id} ({loaded.source.label}; loaded in {load_s:.1f} s, +{_rss_mib() - before:,.0f} MiB RSS, "
          f"{_rss_mib():,.0f} MiB total)")
    print(f"  {count} new tokens, greedy, median of {repeats}")
    print(f"  raw model.generate      {raw_s * 1000:8.1f} ms  {count / raw_s:8.1f} tok/s")
    print(f"  tokenlens generate      {lib_s * 1000:8.1f} ms  {count / lib_s:8.1f} tok/s  ratio {lib_s / raw_s:.2f}")
    print(f"  streaming + top-5       {stream_s * 1000:8.1f} ms  {count / stream_s:8.1f} tok/s  "
          f"ratio {stream_s / raw_s:.2f}")
    print(f"  time to first token     raw {raw_first_s * 1000:.1f} ms, tokenlens "
          f"{statistics.median(first) * 1000:.1f} ms")


def main() -> None:
    import torch

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    for hub_id, new_tokens in MODELS.items():
        try:
            bench_model(hub_id, new_tokens)
        except Exception as err:  # an absent asset: say so and go on
            print(f"{hub_id}: skipped ({err})")


if __name__ == "__main__":
    main()
