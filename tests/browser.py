"""Real-browser testing: `streamlit run app.py` on localhost, driven by Playwright in Debian's Chromium.

Fixtures `app_server` (base URL) and `browser_page` are registered in conftest.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("TOKENLENS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(health_url: str, process: subprocess.Popen, *, timeout_s: float, log_name: str) -> None:
    """Poll a server's health URL until it answers 200; RuntimeError if it dies or takes too long."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {health_url} did not start; see {log_name}")
        time.sleep(0.3)


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def streamlit_server(script: str = "app.py", env: dict | None = None):
    port = free_port()
    log = open(ROOT / "test-artifacts" / f"streamlit-{port}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/_stcore/health", process, timeout_s=60, log_name=log.name)
        yield url
    finally:
        stop_process(process)
        log.close()


def require_chromium() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")


@contextmanager
def chromium_page(viewport=(1400, 1000), color_scheme: str = "light"):
    """A fresh browser (no cookies, no storage): what a student opening a shared link has."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                          color_scheme=color_scheme)
            yield context.new_page()
        finally:
            browser.close()


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Wait until Streamlit has finished running the script and drawn its elements.

    The app's own flag (`data-test-script-state`), not the status widget: with the minimal toolbar
    there is no status widget, and waiting for it to vanish returned mid-run. Skeletons are
    elements whose code has not arrived yet. The app may be gone for a moment (the theme switch reloads
    the page once), so the check reads it null-safely and waits on."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stElementContainer"] >> visible=true',
                           timeout=timeout_ms)
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')
                 === 'notRunning' && !document.querySelector('[data-testid="stSkeleton"]')""",
        timeout=timeout_ms)


def settle(page, timeout_ms: int = 90_000) -> None:
    """After a click: wait for the rerun to start, then for it to finish. A quick rerun may be over
    before we look: that is fine too."""
    try:
        page.wait_for_function(
            """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')
                     === 'running'""", timeout=1_500)
    except Exception:  # playwright's TimeoutError: the rerun was over before we looked
        pass
    wait_for_app(page, timeout_ms)


def pause_like_a_person(page, seconds: float = 2.0) -> None:
    """Clicks in these tests come a few seconds apart, as a lecturer's do."""
    page.wait_for_timeout(int(seconds * 1000))


def widget(page, testid: str, label: str):
    """The Streamlit widget of a kind (stRadio, stSelectbox, stToggle, ...) whose label is `label`."""
    return page.locator(f'[data-testid="{testid}"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first


def group_button(page, label: str, option: str):
    """One option of a segmented control or of pills (buttons in a stButtonGroup), by its exact text."""
    import re

    return widget(page, "stButtonGroup", label).locator("button").filter(
        has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).first


def button_checked(page, label: str, option: str) -> bool:
    button = group_button(page, label, option)
    return (button.get_attribute("aria-checked") or button.get_attribute("aria-pressed")) == "true"


def choose_radio(page, label: str, option: str) -> None:
    widget(page, "stRadio", label).locator("label").filter(has_text=option).first.click()


def radio_value(page, label: str) -> str:
    return widget(page, "stRadio", label).locator("label:has(input:checked)").inner_text().strip()


def choose_select(page, label: str, option: str) -> None:
    """Open a selectbox (a combobox in Streamlit 1.67) and pick an option by its shown text."""
    widget(page, "stSelectbox", label).locator('[role="combobox"]').click()
    page.locator('[role="option"]').filter(has_text=option).first.click()


def select_value(page, label: str) -> str:
    return widget(page, "stSelectbox", label).locator('[role="combobox"]').input_value().strip()


def toggle_value(page, label: str) -> bool:
    return widget(page, "stCheckbox", label).locator("input").is_checked()


def type_into(page, testid: str, label: str, text: str) -> None:
    """Replace a text box's content and commit it (Enter for inputs, Ctrl+Enter for areas)."""
    box = widget(page, testid, label).locator("textarea, input").first
    box.fill(text)
    box.press("Control+Enter" if testid == "stTextArea" else "Enter")


def query(page) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(page.url).query)


def wait_for_url(page, predicate, timeout_ms: int = 20_000) -> dict[str, list[str]]:
    """Poll the address bar until `predicate(query)` holds; returns the query."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        found = query(page)
        if predicate(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the link never matched; it is {page.url}")
        page.wait_for_timeout(200)
