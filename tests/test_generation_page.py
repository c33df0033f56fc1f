"""The generation page: AppTest with the real tiny GPT-2, and a real browser streaming SmolLM2's text."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import require_hub

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "book_chapter2.json").read_text())


def _page() -> AppTest:
    return AppTest.from_file(str(ROOT / "app_pages" / "text_generation.py"), default_timeout=180)


def test_apptest_book_prompt_ids_and_tiny_model_generation():
    require_hub("sshleifer/tiny-gpt2")
    app = _page().run()
    assert not app.exception
    assert app.text_area[0].value == GOLDEN["phi3_prompt"]
    app.selectbox[0].select("sshleifer/tiny-gpt2").run()
    app.number_input[0].set_value(6).run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    codes = [c.value for c in app.code]
    assert "input_ids = [16594, 281, 3053" in codes[0]  # GPT-2's ids for "Write an email"
    generated = [c for c in codes if c.startswith("generated_ids = ")]
    assert generated and len(json.loads(generated[0].split(" = ")[1])) == 6
    assert app.metric[0].value == "6"
    assert app.slider  # the top-k stepper


def test_apptest_bad_input_stays_usable():
    require_hub("sshleifer/tiny-gpt2")
    app = _page().run()
    app.selectbox[0].select("sshleifer/tiny-gpt2").run()
    app.text_area[0].set_value("   ").run()
    app.button[0].click().run()
    assert not app.exception and "empty" in app.error[0].value
    app.text_input[-1].set_value("3323 abc").run()  # the decode box
    assert not app.exception and any("not a token id" in e.value for e in app.error)
    app.selectbox[0].select("other").run()
    app.text_input[0].set_value("bert-base-uncased").run()
    app.text_area[0].set_value("Hello").run()
    app.button[0].click().run()
    assert not app.exception
    assert any("not a causal language model" in w.value for w in app.warning)


def test_apptest_phi3_tokenizer_decodes_the_book_ids():
    require_hub("microsoft/Phi-3-mini-4k-instruct")
    app = _page().run()
    app.selectbox[0].select("other").run()
    app.text_input[0].set_value("microsoft/Phi-3-mini-4k-instruct").run()
    assert not app.exception
    assert app.code[0].value == f"input_ids = {GOLDEN['phi3_input_ids'][1:]}"
    assert "decode([3323, 622]) = 'Subject'" in [t.value for t in app.text]


def _open_page(page, app_server) -> None:
    from browser import wait_for_app

    page.goto(app_server + "/generation")
    wait_for_app(page)
    assert page.locator('[role="dialog"]').count() == 0  # the link opens the page, no "Page not found"


def test_browser_streams_text_into_the_page(browser_page, app_server, artifacts):
    from browser import wait_for_app

    page = browser_page
    _open_page(page, app_server)
    page.get_by_role("button", name="Generate", exact=True).click()
    snapshots: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        body = page.evaluate("() => document.body.innerText")
        if "Output" in body:
            snapshots.append(body.split("Output", 1)[1].split("New tokens", 1)[0].strip())
        if "generated_ids = [" in body:
            break
        time.sleep(0.15)
    else:
        pytest.fail("no generated ids appeared within 4 minutes")
    wait_for_app(page)
    growing = [s for s in dict.fromkeys(snapshots) if s]
    assert len(growing) >= 3, "the text should appear piece by piece"
    final = page.evaluate("() => document.body.innerText")
    assert "Time to first token" in final and "Step through the model's choices" in final
    page.set_viewport_size({"width": 1400, "height": 2600})
    time.sleep(1)
    page.screenshot(path=str(artifacts / "generation.png"), full_page=True)


def test_browser_stop_button_keeps_what_was_written(browser_page, app_server):
    from browser import wait_for_app

    page = browser_page
    _open_page(page, app_server)
    tokens = page.get_by_label("Max new tokens")
    tokens.fill("400")
    tokens.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('Dear')", timeout=180_000)
    page.get_by_role("button", name="Stop").click()
    page.wait_for_function("() => document.body.innerText.includes('generated_ids = [')", timeout=60_000)
    wait_for_app(page)
    body = page.evaluate("() => document.body.innerText")
    assert "stopped" in body.split("Ended by", 1)[1][:40]
    count = int(body.split("Generated ids (", 1)[1].split(" tokens", 1)[0])
    assert 0 < count < 400
    # The stopped run gave back its turn in the model's queue: a new run goes straight through.
    tokens.fill("3")
    tokens.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('Generated ids (3 tokens)')", timeout=60_000)
