"""A class on one machine (deploy/serve_class.py): Streamlit workers behind Debian's nginx.

One browser stays on one worker (Streamlit keeps its session in that process); browsers spread over
the workers; a killed worker's students reconnect by themselves and, because the URL carries the
view, see the same text and tokenizers again, on a live worker, within a measured time; the dead
worker is started again. And two workers converting a tokenizer and training songs at once, in one
shared cache, leave whole files.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from browser import chromium_page, free_port, query, require_chromium, settle, wait_for_app
from conftest import SHARED, require_hub
from deploy.serve_class import AFFINITY_COOKIE, healthy, nginx_binary, render_nginx_config, serve

needs_nginx = pytest.mark.skipif(nginx_binary() is None,
                                 reason="nginx is not installed (apt-get install nginx; .ci/run installs it)")
TEXT = "Students reconnect: naïve café, 12345 🎓"
TOKENIZERS = ["gpt2", "Xenova/gpt-4", "bert-base-uncased"]
RECONNECT_LIMIT_S = 60  # what the test allows; the measured time is printed
CONNECTION_STATE = """document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-connection-state')"""
SCRIPT_STATE = """document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')"""


def get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(the worker that answered, the affinity cookie the proxy set) for one request."""
    request = urllib.request.Request(url, headers={"Cookie": f"{AFFINITY_COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        ours = [c.split(";")[0].split("=", 1)[1] for c in response.headers.get_all("Set-Cookie") or []
                if c.startswith(AFFINITY_COOKIE + "=")]
        return response.headers["X-Upstream"], ours[0] if ours else None


@needs_nginx
def test_the_configuration_is_accepted_by_nginx(tmp_path):
    tmp_path.chmod(0o755)
    config = render_nginx_config(listen="127.0.0.1:18500", ports=[18510, 18511, 18512], run_dir=tmp_path)
    assert "{{" not in config and config.count("server 127.0.0.1:185") == 3
    (tmp_path / "nginx.conf").write_text(config)
    check = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                            "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.fixture(scope="module")
def two_workers():
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run installs it)")
    require_hub("gpt2")
    with serve(2, port=free_port(), worker_ports=[free_port(), free_port()]) as server:
        yield server


def test_one_browser_stays_on_one_worker_and_browsers_spread(two_workers):
    url = two_workers.url + "/_stcore/health"
    first, cookie = get(url)
    assert cookie, "the proxy sets its affinity cookie on the first answer"
    assert {get(url, cookie)[0] for _ in range(12)} == {first}
    students = {get(url)[0] for _ in range(24)}  # 24 fresh browsers, no cookie yet
    assert students == {f"127.0.0.1:{worker.port}" for worker in two_workers.workers}


def _open_then_lose_the_worker(page, two_workers) -> tuple[int, float, list[str], dict, int]:
    """Open the page through the proxy, type TEXT, kill the worker serving this browser and wait for
    Streamlit's frontend to reconnect by itself (through the proxy, to the live worker), keeping the
    screen. Returns (the killed port, when it was killed, the panels' texts before, the link's view,
    how many times the supervisor will have restarted that worker once it is back)."""
    page.goto(two_workers.url + "/?" + "&".join(f"tok={name}" for name in TOKENIZERS))
    wait_for_app(page, 120_000)
    box = text_box(page)
    box.fill(TEXT)
    box.press("Control+Enter")
    settle(page, 120_000)
    panels(page).nth(len(TOKENIZERS) - 1).wait_for(timeout=120_000)
    before = panels(page).all_inner_texts()
    view = query(page)
    assert view["tok"] == TOKENIZERS and view["text"] == [TEXT]
    served_by = page.request.get(two_workers.url + "/_stcore/health").headers["x-upstream"]
    port = int(served_by.rsplit(":", 1)[1])
    restarts = two_workers.worker_on(port).restarts + 1
    two_workers.kill(port)
    killed_at = time.monotonic()
    page.wait_for_function(f"() => {CONNECTION_STATE} !== 'CONNECTED'", timeout=30_000)
    page.wait_for_function(f"() => {CONNECTION_STATE} === 'CONNECTED'", timeout=RECONNECT_LIMIT_S * 1000)
    print(f"\nworker {served_by} killed: reconnected in {time.monotonic() - killed_at:.1f} s")
    assert page.request.get(two_workers.url + "/_stcore/health").headers["x-upstream"] != served_by
    return port, killed_at, before, view, restarts


def text_box(page):
    return page.locator('[data-testid="stTextArea"] textarea').first


def panels(page):
    return page.frame_locator("iframe").first.locator(".tl-box")


def wait_for_restart(two_workers, port: int, restarts: int) -> None:
    worker = two_workers.worker_on(port)
    deadline = time.monotonic() + 120
    while not healthy(worker.url) and time.monotonic() < deadline:
        time.sleep(1)
    assert worker.restarts == restarts and healthy(worker.url), "the supervisor starts a dead worker again"


def test_a_killed_workers_students_see_the_same_view_again(two_workers, artifacts):
    require_chromium()
    for repo in TOKENIZERS:
        require_hub(repo)
    with chromium_page((1280, 800)) as page:
        port, killed_at, before, view, restarts = _open_then_lose_the_worker(page, two_workers)
        # The new worker has no session for this browser: a rerun (the R key) makes it draw the page
        # from the URL and the browser's widget values: the same text, tokenizers and tokens.
        page.locator("body").press("r")
        page.wait_for_function(f"() => {SCRIPT_STATE} === 'running'", timeout=30_000)
        wait_for_app(page, RECONNECT_LIMIT_S * 1000)
        panels(page).nth(len(TOKENIZERS) - 1).wait_for(timeout=RECONNECT_LIMIT_S * 1000)
        redrawn_after = time.monotonic() - killed_at
        print(f"the page drawn again by the live worker {redrawn_after:.1f} s after the kill")
        page.screenshot(path=str(artifacts / "serve-class-after-failover.png"))
        assert text_box(page).input_value() == TEXT
        assert query(page) == view
        assert panels(page).all_inner_texts() == before  # the same tokenizers cut the same text
        assert redrawn_after < RECONNECT_LIMIT_S
        # A live session on the new worker: the next edit is cut at once.
        text_box(page).fill(TEXT + " again")
        text_box(page).press("Control+Enter")
        settle(page, 120_000)
        assert all("again" in panel for panel in panels(page).all_inner_texts())
        assert query(page)["text"] == [TEXT + " again"]
    wait_for_restart(two_workers, port, restarts)


def test_an_edit_made_as_the_first_thing_after_a_failover_is_kept(two_workers):
    """The new worker's first run of the page carries the browser's widget values, this edit
    included: they win over the link (which still holds the view from before the edit)."""
    require_chromium()
    for repo in TOKENIZERS:
        require_hub(repo)
    with chromium_page((1280, 800)) as page:
        port, killed_at, _, view, restarts = _open_then_lose_the_worker(page, two_workers)
        edited = TEXT + " typed right after the failover"
        text_box(page).fill(edited)
        text_box(page).press("Control+Enter")
        panels(page).filter(has_text="after the failover").first.wait_for(timeout=RECONNECT_LIMIT_S * 1000)
        settle(page, 120_000)
        print(f"the edit drawn by the live worker {time.monotonic() - killed_at:.1f} s after the kill")
        assert text_box(page).input_value() == edited
        assert all("typed right after the" in panel for panel in panels(page).all_inner_texts())
        assert query(page)["text"] == [edited] and query(page)["tok"] == view["tok"]
    wait_for_restart(two_workers, port, restarts)


# --- Two workers writing the shared cache at once -------------------------------------------------

TINY = {"vector_size": 8, "window": 5, "negative": 5, "epochs": 1, "workers": 1}


def _convert_and_train(cache: str, barrier, results) -> None:
    os.environ["TOKENLENS_CACHE"] = cache
    from tokenlens.songs.data import load_dataset
    from tokenlens.songs.model import TrainSettings, load_or_train
    from tokenlens.tokenization.loading import load_tokenizer

    data = load_dataset(SHARED / "datasets" / "yes_complete")
    barrier.wait(120)  # both start converting at the same moment
    tokenizer = load_tokenizer("bert-base-cased")  # no tokenizer.json: transformers converts it
    barrier.wait(120)
    vectors = load_or_train(data, TrainSettings(**TINY))
    results.put((os.getpid(), tokenizer.tokenizer.encode("Hello naïve world").ids, len(vectors)))


def test_two_workers_converting_and_training_at_once_leave_whole_files(tmp_path):
    require_hub("bert-base-cased")
    if not (SHARED and (SHARED / "datasets" / "yes_complete" / "train.txt").is_file()):
        pytest.skip("../shared/datasets/yes_complete is absent")
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_convert_and_train, args=(str(tmp_path), barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert answers[0][1:] == answers[1][1:]
    leftovers = [p for p in tmp_path.rglob("*") if p.suffix == ".part" or ".damaged" in p.name]
    assert leftovers == []

    # What the two left on disk is whole: read back by a third process's code path, it is the same.
    os.environ["TOKENLENS_CACHE"], saved = str(tmp_path), os.environ["TOKENLENS_CACHE"]
    try:
        from tokenlens.songs.data import load_dataset
        from tokenlens.songs.model import TrainSettings, load_cached
        from tokenlens.tokenization.loading import load_tokenizer

        converted = list(tmp_path.rglob("tokenizer.json"))
        assert len(converted) == 1
        assert load_tokenizer("bert-base-cased").tokenizer.encode("Hello naïve world").ids == answers[0][1]
        cached = load_cached(load_dataset(SHARED / "datasets" / "yes_complete"), TrainSettings(**TINY))
        assert cached is not None and len(cached) == answers[0][2] and len(list(tmp_path.rglob("*.npz"))) == 1
    finally:
        os.environ["TOKENLENS_CACHE"] = saved
    assert Path(converted[0]).stat().st_size > 100_000
