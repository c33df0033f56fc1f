"""Tokenizer page speed and memory, as ratios against the raw `tokenizers` library in the same run.

    python -m bench.tokenizer_compare
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import ROOT, use_shared_assets

use_shared_assets()


COLD_SNIPPET = r"""
import json, sys, time
from tokenizers import Tokenizer
from tokenlens.catalog import BOOK_TOKENIZERS
from tokenlens.assets import AssetUnavailable
from tokenlens.tokenization.loading import load_tokenizer
mode = sys.argv[1]
paths = json.loads(sys.argv[2])
start = time.perf_counter()
if mode == "tokenlens":
    for hub_id in BOOK_TOKENIZERS:
        try:
            load_tokenizer(hub_id)
        except AssetUnavailable:
            pass
else:
    for path in paths:
        Tokenizer.from_file(path)
print(time.perf_counter() - start)
"""


def cold(repeats: int = 3) -> tuple[float, float, int]:
    from tokenlens.catalog import BOOK_TOKENIZERS
    from tokenlens.assets import AssetUnavailable
    from tokenlens.tokenization.loading import load_tokenizer

    paths = []
    for hub_id in BOOK_TOKENIZERS:  # also converts once what needs converting
        try:
            paths.append(load_tokenizer(hub_id).source.path)
        except AssetUnavailable:
            pass
    env = dict(os.environ)

    def timed(mode: str) -> float:
        runs = [float(subprocess.run([sys.executable, "-c", COLD_SNIPPET, mode, json.dumps(paths)], cwd=ROOT,
                                     env=env, capture_output=True, text=True, check=True).stdout)
                for _ in range(repeats)]
        return min(runs)

    return timed("tokenlens"), timed("raw"), len(paths)


def sample_text(chars: int = 10_000) -> str:
    from tokenlens.tokenization.presets import PRESETS

    block = "\n".join(PRESETS.values()) + "\n"
    return (block * (chars // len(block) + 1))[:chars]


def warm(repeats: int = 5) -> tuple[float, float]:
    import html

    from tokenlens.catalog import BOOK_TOKENIZERS
    from tokenlens.tokenization.loading import load_tokenizer
    from tokenlens.tokenization.html import render_tokens
    from tokenlens.tokenization.tokens import tokenize_with

    text = sample_text()
    kept = {}  # loaded once, as the server's tokenizer cache does (the library memoises nothing)
    for hub_id in BOOK_TOKENIZERS:
        try:
            kept[hub_id] = load_tokenizer(hub_id)
        except Exception:
            pass
    loaded = [found.tokenizer for found in kept.values()]

    def ours():
        for result in tokenize_with(list(kept), text + " ", load=kept.__getitem__):
            if result.tokenized:
                render_tokens(result.tokenized)

    def raw():
        for tokenizer in loaded:
            encoding = tokenizer.encode(text + " ")
            "".join(f'<span style="background:hsl({(i * 137) % 360} 75% 82%)">{html.escape(text[s:e])}</span>'
                    for i, (s, e) in zip(encoding.ids, encoding.offsets))

    ours()  # a first run warms what the process warms once (imports, allocator)
    times = {}
    for name, fn in (("ours", ours), ("raw", raw)):
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        times[name] = best
    return times["ours"], times["raw"]


def browser_end_to_end(repeats: int = 3) -> dict:
    """Text changed → every view shown, for the real page and the naive floor, in Chromium."""
    import psutil

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium_page, streamlit_server, wait_for_app

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    text = sample_text()
    results = {}
    for name, script, query, selector in (
        ("tokenlens", "app.py", "/?preset=custom", ".tl-box"),
        ("naive floor", "bench/naive_floor_app.py", "/", ".tl-box"),
    ):
        env = {"PYTHONPATH": str(ROOT)}
        with streamlit_server(script, env=env) as url, chromium_page() as page:
            page.goto(url + query)
            wait_for_app(page)
            best = float("inf")
            for attempt in range(repeats + 1):
                # a common lowercase word: one whole token in every tokenizer, BERT's lowercasing included
                marker = ["apple", "river", "music", "table", "house"][attempt % 5]
                area = page.locator("textarea").first
                area.fill(marker + " " + text)
                start = time.perf_counter()
                area.press("Control+Enter")
                # The views are in the page (naive floor) or in its same-origin iframe (TokenLens).
                page.wait_for_function(
                    """([sel, marker]) => {
                        const docs = [document, ...[...document.querySelectorAll('iframe')]
                            .map(f => { try { return f.contentDocument; } catch (e) { return null; } })
                            .filter(Boolean)];
                        const boxes = docs.flatMap(d => [...d.querySelectorAll(sel)]);
                        return boxes.length >= 9 && boxes.every(b => b.textContent.includes(marker)); }""",
                    arg=[selector, marker], timeout=120_000)
                wait_for_app(page)
                elapsed = time.perf_counter() - start
                if attempt:  # the first change loads tokenizers: not the warm path
                    best = min(best, elapsed)
            server = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] and script in " ".join(p.info["cmdline"]) and "streamlit" in " ".join(p.info["cmdline"])]
            rss = max((p.memory_info().rss for p in server), default=0)
            results[name] = (best, rss)
    return results


def main() -> None:
    ours, raw, count = cold()
    print(f"cold load of {count} book tokenizers: tokenlens {ours * 1000:.0f} ms, "
          f"raw Tokenizer.from_file {raw * 1000:.0f} ms, ratio {ours / raw:.2f}x (target <= 1.3x)")
    ours, raw = warm()
    print(f"warm tokenize+view, 10,000 chars x {count}: tokenlens {ours * 1000:.0f} ms, "
          f"raw encode+naive spans {raw * 1000:.0f} ms, ratio {ours / raw:.2f}x")
    if os.environ.get("TOKENLENS_BENCH_BROWSER", "1") == "1":
        results = browser_end_to_end()
        (page_s, page_rss), (floor_s, floor_rss) = results["tokenlens"], results["naive floor"]
        print(f"Chromium, text changed -> all views shown: tokenlens {page_s:.2f} s, naive floor {floor_s:.2f} s, "
              f"ratio {page_s / floor_s:.2f}x (target <= 1.0x and < 1 s)")
        print(f"server resident memory with all tokenizers loaded: tokenlens {page_rss / 2**20:.0f} MiB "
              f"(naive floor {floor_rss / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
