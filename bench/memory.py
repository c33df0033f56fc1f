"""Server memory under a visitor who types a lot: does the tokenizer page stay within its budget?

    python -m bench.memory [--ids 200] [--texts 100]
    python -m bench.memory --all-pages     # every page with its default models, against Community Cloud

The real app (`streamlit run app.py`) downloads tokenizers from a hub mirror on localhost (tests/
hub_mirror.py, serving ../shared/hf-hub into an empty hub cache): 200 distinct repo ids, each a real
tokenizer of the book under another name. Chromium types the ids into the page's hub box, eight at a
time, then 100 distinct worst-case texts (20,000 characters of CJK and emoji) into its text area.
The server's resident memory is printed before and after, with the caches' budget and contents;
it must end under the process's baseline plus the budget.

--all-pages: Chromium visits every page as a class would, loading each page's default models (the
book's tokenizers, GloVe, the sentence and contextual models, a song model trained on the operator's
playlist folder, generation's small CPU model), and the server's resident memory (its child processes
included) is printed after each page, against Community Cloud's documented limit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT
from tokenlens.tokenization.link import MAX_EXTRA_IDS

sys.path.insert(0, str(ROOT / "tests"))

SHARED_HUB = ROOT.parent / "shared" / "hf-hub"
# The book's tokenizers that ship a tokenizer.json (the others are converted by transformers, whose
# import would weigh on the process rather than on the caches).
REAL_REPOS = ["gpt2", "Xenova/gpt-4", "bert-base-uncased", "bert-base-chinese", "bigcode/starcoder2-15b",
              "microsoft/Phi-3-mini-4k-instruct", "Qwen/Qwen2.5-1.5B"]
# What worst-case runs build and drop (tokens before they are kept, the panels document as a str,
# the page's tables and their Arrow copies): the ~0.3 GB components/resources.py leaves for runs.
RUN_HEADROOM = 256 * 2**20
IDS_PER_BATCH = MAX_EXTRA_IDS  # the page takes this many typed ids at once
# docs.streamlit.io, "Manage your app" > App resources and limits (as of February 2024): "Memory: 690MB
# minimum, 2.7GBs maximum" (and 2 cores at most). Read as decimal gigabytes, the stricter reading.
COMMUNITY_CLOUD_LIMIT = 2_700_000_000
SONGS_FOLDER = ROOT.parent / "shared" / "datasets" / "yes_complete"

# The server: streamlit's own command line, plus a thread that writes the caches' stats to a file
# every second (the only way to read them from outside the server process).
SERVER = r"""
import json, os, sys, threading, time
def report():
    from components import resources
    while True:
        caches = [vars(s) for s in resources.cache_stats()]
        page = sum(c["budget"] for c in caches if c["name"] in resources.TOKENIZER_KINDS)
        stats = {"budget": page, "all": resources.memory_budget(), "caches": caches}
        path = os.environ["TOKENLENS_BENCH_STATS"]
        with open(path + ".tmp", "w") as out:
            json.dump(stats, out)
        os.replace(path + ".tmp", path)
        time.sleep(1)
threading.Thread(target=report, daemon=True).start()
sys.argv = ["streamlit", "run", "app.py", *sys.argv[1:]]
from streamlit.web.cli import main
main()
"""


def bench_repo_ids(count: int) -> dict[str, str]:
    """tokenlens-bench/tok-000... -> the real repo it serves, cycling through REAL_REPOS."""
    return {f"tokenlens-bench/tok-{n:03d}": REAL_REPOS[n % len(REAL_REPOS)] for n in range(count)}


def worst_case_text(seed: int, chars: int = 20_000) -> str:
    """CJK and emoji (a byte-level BPE cuts each emoji into up to four tokens), distinct per seed."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x1F300, 0x1F5FF)) if rng.random() < 0.3 else chr(rng.randrange(0x4E00, 0x9FFF))
                   for _ in range(chars))


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def read_stats(path: Path) -> dict:
    time.sleep(1.5)  # the server writes them every second
    return json.loads(path.read_text())


def print_stats(stats: dict) -> None:
    for cache in stats["caches"]:
        if cache["entries"] or cache["name"] in {"tokenizers", "tokenized texts", "token panels"}:
            print(f"    {cache['name']:<26} {cache['entries']:>4} entries  {mib(cache['bytes']):>9} of {mib(cache['budget'])}")


def resident(process) -> int:
    """The server's resident memory, its child processes included (a tokenizer's guarded run)."""
    import psutil

    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _visit(page, url: str, wait_for_text: str = "", click: str = "", timeout_ms: int = 600_000) -> None:
    """Open a page, press one button if asked, and wait until `wait_for_text` shows and the run ends."""
    from browser import settle, wait_for_app

    page.goto(url)
    wait_for_app(page, timeout_ms)
    if click:
        page.get_by_role("button", name=click).first.click()
        settle(page, timeout_ms)
    if wait_for_text:
        page.get_by_text(wait_for_text, exact=False).first.wait_for(timeout=timeout_ms)
    wait_for_app(page, timeout_ms)



def start_server(env: dict, log_prefix: str):
    """The app's server, as `make run` starts it, on a free port; (process, log file, url)."""
    from browser import free_port

    port = free_port()
    log = open(ROOT / "test-artifacts" / f"{log_prefix}-{port}.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return server, log, f"http://127.0.0.1:{port}"


def all_pages() -> None:
    """Every page with its default models loaded, in one server, against Community Cloud's limit."""
    import psutil

    from browser import chromium_page, stop_process, wait_until_up

    visits = [  # (what, path, text that shows the models are in, button to press)
        ("Compare tokenizers: the book's tokenizers", "/", "", ""),
        ("How tokenizers work", "/how", "", ""),
        ("Embeddings: GloVe (word vectors)", "/embeddings?section=words", "", ""),
        ("Embeddings: the sentence model", "/embeddings?section=sentences", "", ""),
        ("Embeddings: the contextual model", "/embeddings?section=contextual", "", ""),
        ("Songs: a word2vec model trained (1 epoch) on the playlists", "/songs?source=folder&epochs=1",
         "song vectors of", "Train word2vec"),
        ("Generation: the small CPU model, 8 tokens", "/generation?max_new=8", "tokens/s", "Generate"),
    ]
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tokenlens-bench-pages-") as scratch:
        stats_file = Path(scratch) / "stats.json"
        env = {**os.environ, "TOKENLENS_CACHE": os.environ.get("TOKENLENS_CACHE", f"{scratch}/cache"),
               "TOKENLENS_BENCH_STATS": str(stats_file), "TOKENIZERS_PARALLELISM": "false",
               "PYTHONPATH": str(ROOT), "TOKENLENS_SONGS_DIR": str(SONGS_FOLDER)}
        server, log, url = start_server(env, "bench-memory-pages")
        peak = 0
        try:
            wait_until_up(url + "/_stcore/health", server, timeout_s=60, log_name=log.name)
            process = psutil.Process(server.pid)
            print(f"server started: {mib(resident(process))} resident")
            # Loading and training peak between the visits' readings: sample all along.
            samples, sampling = [], threading.Event()

            def sample() -> None:
                while not sampling.wait(0.25):
                    samples.append(resident(process))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            with chromium_page((1280, 800)) as page:
                for number, (what, path, text, button) in enumerate(visits, 1):
                    started = time.perf_counter()
                    _visit(page, url + path, text, button)
                    now = resident(process)
                    peak = max(peak, now)
                    print(f"  after {what:<58} {mib(now):>10} resident ({time.perf_counter() - started:.0f} s)",
                          flush=True)
                    page.screenshot(path=str(ROOT / "test-artifacts" / f"bench-memory-page-{number}.png"))
            final = resident(process)
            stats = read_stats(stats_file)
            sampling.set()
            sampler.join()
        finally:
            stop_process(server)
            log.close()
    peak = max(peak, final, *samples)
    print(f"every page visited, all its models loaded: {mib(final)} resident ({final / 1e9:.2f} GB), peak "
          f"{mib(peak)} ({peak / 1e9:.2f} GB); Community Cloud's limit {COMMUNITY_CLOUD_LIMIT / 1e9:.1f} GB: "
          f"{'under' if peak <= COMMUNITY_CLOUD_LIMIT else 'OVER'} it, "
          f"{(COMMUNITY_CLOUD_LIMIT - peak) / 2**20:,.0f} MiB to spare")
    for cache in stats["caches"]:
        if cache["entries"]:
            print(f"    {cache['name']:<26} {cache['entries']:>4} entries  {mib(cache['bytes']):>9} of {mib(cache['budget'])}")
    if peak > COMMUNITY_CLOUD_LIMIT:
        raise SystemExit("the server went over Community Cloud's memory limit")


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--ids", type=int, default=200)
    args.add_argument("--texts", type=int, default=100)
    args.add_argument("--all-pages", action="store_true",
                      help="every page with its default models, against Community Cloud's memory limit")
    options = args.parse_args(argv if argv is not None else [])
    if options.all_pages:
        all_pages()
        return
    import psutil

    from browser import chromium_page, settle, stop_process, type_into, wait_for_app, wait_until_up
    from hub_mirror import hub_mirror

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    aliases = bench_repo_ids(options.ids)
    hub_ids = list(aliases)
    with tempfile.TemporaryDirectory(prefix="tokenlens-bench-memory-") as scratch, \
            hub_mirror(SHARED_HUB, aliases=aliases) as (endpoint, requests):
        stats_file = Path(scratch) / "stats.json"
        env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0", "HF_HUB_CACHE": f"{scratch}/hub",
               "TOKENLENS_CACHE": f"{scratch}/cache", "TOKENLENS_BENCH_STATS": str(stats_file),
               "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(ROOT)}
        server, log, url = start_server(env, "bench-memory")
        try:
            wait_until_up(url + "/_stcore/health", server, timeout_s=60, log_name=log.name)
            process = psutil.Process(server.pid)
            started = time.perf_counter()
            with chromium_page() as page:
                page.goto(f"{url}/?hub={hub_ids[0]}")
                wait_for_app(page, 300_000)
                baseline = process.memory_info().rss
                stats = read_stats(stats_file)
                print(f"server after its first page (book tokenizers loaded): {mib(baseline)} resident "
                      f"(the process baseline); the tokenizer caches' budget "
                      f"{mib(stats['budget'])} (all caches: {mib(stats['all'])})")
                print_stats(stats)
                for first in range(0, len(hub_ids), IDS_PER_BATCH):
                    type_into(page, "stTextInput", "Hub ids (comma-separated)",
                              ", ".join(hub_ids[first:first + IDS_PER_BATCH]))
                    settle(page, 300_000)
                fetched = {line.split("/resolve/")[0].split(" /", 1)[1] for line in requests if "/resolve/" in line}
                print(f"{len(hub_ids)} hub ids typed ({len(fetched & set(hub_ids))} fetched over the mirror) in "
                      f"{time.perf_counter() - started:.0f} s: {mib(process.memory_info().rss)} resident")
                type_into(page, "stTextInput", "Hub ids (comma-separated)", "")
                settle(page, 300_000)
                peak = 0
                for seed in range(options.texts):
                    type_into(page, "stTextArea", "Text to tokenize", worst_case_text(seed))
                    settle(page, 300_000)
                    print(f"  text {seed + 1}: {mib(process.memory_info().rss)} resident", flush=True)
                    peak = max(peak, process.memory_info().rss)
                print(f"{options.texts} worst-case texts typed: peak {mib(peak)} resident, "
                      f"{time.perf_counter() - started:.0f} s in all")
            after = process.memory_info().rss
            stats = read_stats(stats_file)
        finally:
            stop_process(server)
            log.close()
    limit = baseline + stats["budget"] + RUN_HEADROOM
    print(f"server at the end: {mib(after)} resident (peak {mib(peak)}); baseline {mib(baseline)} + budget "
          f"{mib(stats['budget'])} + one run's work {mib(RUN_HEADROOM)} = {mib(limit)}: "
          f"{'under' if max(after, peak) <= limit else 'OVER'} the limit")
    print_stats(stats)
    if max(after, peak) > limit:
        raise SystemExit("the server kept more than its budget")


if __name__ == "__main__":
    main(sys.argv[1:])
