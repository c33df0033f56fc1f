"""The generation page in Chromium at 1280×800, used as a lecturer would: clicks a few seconds apart,
each one checked on screen and in the link; Generate and Stop with the real tiny GPT-2; a copied link
opened in a fresh browser; the first screen in light, dark and projector mode.
"""

from __future__ import annotations

import json
import re

import pytest

from browser import (chromium_page, choose_radio, choose_select, pause_like_a_person, query, radio_value, settle,
                     select_value, toggle_value, type_into, wait_for_app, wait_for_url, widget)
from conftest import require_hub

SCREEN = (1280, 800)
TINY = "sshleifer/tiny-gpt2"
PHI3 = "microsoft/Phi-3-mini-4k-instruct"
BOOK_IDS = [14350, 385, 4876, 27746, 5281, 304, 19235, 363, 278, 25305, 293, 16423, 292, 286, 728, 481, 29889,
            12027, 7420, 920, 372, 9559, 29889, 32001]


@pytest.fixture(autouse=True)
def _assets():
    require_hub(PHI3)
    require_hub(TINY)


def open_page(page, base: str, query_string: str = "") -> None:
    open_link(page, f"{base}/generation{query_string}")


def open_link(page, link: str) -> None:
    page.goto(link)
    wait_for_app(page)
    # The model's own view comes last in the right column: the page is complete when it is there.
    page.wait_for_function("() => document.body.innerText.includes('what the model reads')", timeout=120_000)
    wait_for_app(page)
    # Element code arrives in chunks: until it has, widgets and code blocks are grey skeletons.
    page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]')""", timeout=60_000)


def codes(page) -> list[str]:
    return [text.strip() for text in page.locator('[data-testid="stCode"]').all_inner_texts()]


def ids_in(page, name: str = "input_ids") -> list[list[int]]:
    """Every `name = [...]` list on the page, in page order."""
    found = []
    for text in codes(page):
        if text.startswith(f"{name} = ["):
            found.append(json.loads(" ".join(text.split(" = ", 1)[1].split())))
    return found


def page_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def open_settings(page) -> None:
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="Length and decoding").first
    if expander.locator("details").get_attribute("open") is None:
        expander.locator("summary").click()
        page.wait_for_timeout(300)


def set_number(page, label: str, value: int) -> None:
    type_into(page, "stNumberInput", label, str(value))


def number_value(page, label: str) -> str:
    return widget(page, "stNumberInput", label).locator("input").input_value()


def slider_value(page, label: str) -> str:
    """The value the slider shows on its thumb."""
    return widget(page, "stSlider", label).locator('[data-testid="stSliderThumbValue"]').inner_text().strip()


def nudge_slider(page, label: str, key: str) -> None:
    """One step with the keyboard, as a person does for a fine setting."""
    thumb = widget(page, "stSlider", label).locator('input[type="range"]')
    thumb.focus()
    thumb.press(key)


def first_chip_box(page) -> dict:
    return page.locator(".tl-box > span").first.bounding_box()


def test_first_screen_shows_the_books_ids_in_light_dark_and_projector(app_server, artifacts):
    for name, query_string, scheme in (("light", "", "light"), ("dark", "", "dark"),
                                       ("projector", "?big=1", "light")):
        with chromium_page(SCREEN, scheme) as page:
            open_page(page, app_server, query_string)
            # Phi-3 has no weights here and nobody pressed Generate: its tokenizer alone gives the book's ids.
            assert ids_in(page)[:1] == [BOOK_IDS], name
            assert "tokenizer.decode([3323, 622]) = 'Subject'" in codes(page)
            body = page_text(page)
            assert "Generate once" not in body and "Generated ids" not in body
            sub = page.locator(".tl-box > span", has_text=re.compile(r"^Sub\s*3323$")).first
            ject = page.locator(".tl-box > span", has_text=re.compile(r"^ject\s*622$")).first
            assert sub.is_visible() and ject.is_visible()
            special = page.locator(".tl-box > span.s", has_text="<|assistant|>").first
            light_on_dark = special.evaluate("e => getComputedStyle(e).backgroundColor")
            assert light_on_dark in ("rgb(59, 59, 59)", "rgb(232, 232, 232)")  # the theme's special chip
            chip = first_chip_box(page)
            assert chip["y"] + chip["height"] < SCREEN[1], f"{name}: the first token is below the first screen"
            # Long id lists wrap inside their box instead of running off the right edge.
            for block in page.locator('[data-testid="stCode"] pre').all():
                assert block.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), f"{name}: an id list is cut"
            page.screenshot(path=str(artifacts / f"generation-first-screen-{name}.png"))
            if name == "projector":
                assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0


def test_every_control_takes_effect_on_the_first_click_and_the_link_carries_it(app_server, artifacts):
    with chromium_page(SCREEN) as page:
        open_page(page, app_server)
        assert select_value(page, "Model") == "SmolLM2 135M Instruct" and toggle_value(page, "chat template")
        smol_ids = ids_in(page)[1]

        choose_select(page, "Model", "tiny GPT-2 (test model)")
        settle(page)
        assert select_value(page, "Model") == "tiny GPT-2 (test model)"
        assert ids_in(page)[1][:3] == [16594, 281, 3053]  # GPT-2's "Write an email"
        assert not toggle_value(page, "chat template")  # GPT-2 has no chat template: the model decides
        wait_for_url(page, lambda q: q.get("model") == [TINY] and q.get("chat") == ["0"])

        pause_like_a_person(page)
        widget(page, "stCheckbox", "chat template").locator("label").click()
        settle(page)
        assert toggle_value(page, "chat template") and "no chat template" in page_text(page)
        wait_for_url(page, lambda q: q.get("chat") == ["1"])

        pause_like_a_person(page, 2.5)
        widget(page, "stCheckbox", "chat template").locator("label").click()
        settle(page)
        assert not toggle_value(page, "chat template") and "no chat template" not in page_text(page)
        wait_for_url(page, lambda q: q.get("chat") == ["0"])

        pause_like_a_person(page)
        type_into(page, "stTextArea", "Prompt", "Hello world")
        settle(page)
        assert widget(page, "stTextArea", "Prompt").locator("textarea").input_value() == "Hello world"
        assert ids_in(page)[1] == [15496, 995]  # GPT-2's reference ids
        assert ids_in(page)[0] == [15043, 3186]  # Phi-3's, beside them
        wait_for_url(page, lambda q: q.get("prompt") == ["Hello world"])

        pause_like_a_person(page, 2.5)
        open_settings(page)
        set_number(page, "Max new tokens", 12)
        settle(page)
        assert number_value(page, "Max new tokens") == "12"
        wait_for_url(page, lambda q: q.get("max_new") == ["12"])

        pause_like_a_person(page)
        set_number(page, "Top-k to show per step", 3)
        settle(page)
        assert number_value(page, "Top-k to show per step") == "3"
        wait_for_url(page, lambda q: q.get("top_k") == ["3"])

        pause_like_a_person(page, 2.5)
        choose_radio(page, "Decoding", "sampling")
        settle(page)
        assert radio_value(page, "Decoding") == "sampling"
        assert widget(page, "stSlider", "Temperature").is_visible()  # sampling's own settings appear
        wait_for_url(page, lambda q: q.get("mode") == ["sampling"])

        pause_like_a_person(page)
        nudge_slider(page, "Temperature", "ArrowRight")
        settle(page)
        assert slider_value(page, "Temperature") == "0.85"
        wait_for_url(page, lambda q: q.get("temp") == ["0.85"])

        pause_like_a_person(page, 2.5)
        nudge_slider(page, "Top-p", "ArrowLeft")
        settle(page)
        assert slider_value(page, "Top-p") == "0.90"
        wait_for_url(page, lambda q: q.get("top_p") == ["0.9"])

        pause_like_a_person(page)
        set_number(page, "Seed", 7)
        settle(page)
        assert number_value(page, "Seed") == "7"
        wait_for_url(page, lambda q: q.get("seed") == ["7"])

        pause_like_a_person(page, 2.5)
        type_into(page, "stTextInput", "Ids to decode", "15496 995")
        settle(page)
        assert "tokenizer.decode([15496, 995]) = 'Hello world'" in codes(page)  # GPT-2 reads its own ids
        wait_for_url(page, lambda q: q.get("ids") == ["15496 995"])

        # The link, opened in a fresh browser, gives the same view.
        link, view = page.url, (ids_in(page), codes(page))
    with chromium_page(SCREEN) as page:
        open_link(page, link)
        assert (ids_in(page), codes(page)) == view
        assert select_value(page, "Model") == "tiny GPT-2 (test model)"
        assert not toggle_value(page, "chat template")
        open_settings(page)
        assert radio_value(page, "Decoding") == "sampling"
        assert [number_value(page, n) for n in ("Max new tokens", "Top-k to show per step", "Seed")] == \
            ["12", "3", "7"]
        assert [slider_value(page, n) for n in ("Temperature", "Top-p")] == ["0.85", "0.90"]
        page.screenshot(path=str(artifacts / "generation-link-round-trip.png"))

        # ...and the clicking goes on there.
        pause_like_a_person(page)
        choose_radio(page, "Decoding", "greedy")
        settle(page)
        assert radio_value(page, "Decoding") == "greedy" and widget(page, "stSlider", "Temperature").count() == 0
        wait_for_url(page, lambda q: "mode" not in q)

        pause_like_a_person(page, 2.5)
        choose_select(page, "Model", "Another hub id")
        settle(page)
        type_into(page, "stTextInput", "Hub id of a causal language model", "gpt2")
        settle(page)
        page.wait_for_function("() => document.body.innerText.includes('gpt2: what the model reads')",
                               timeout=60_000)
        assert ids_in(page)[1] == [15496, 995]  # gpt2's tokenizer, without its weights
        wait_for_url(page, lambda q: q.get("model") == ["other"] and q.get("hub") == ["gpt2"])

        pause_like_a_person(page)
        choose_select(page, "Model", "SmolLM2 135M Instruct")
        settle(page)
        assert select_value(page, "Model") == "SmolLM2 135M Instruct" and toggle_value(page, "chat template")
        wait_for_url(page, lambda q: "model" not in q and "hub" not in q and q.get("chat") == ["1"])
        assert ids_in(page)[1] != smol_ids  # the same model, now on "Hello world"

        pause_like_a_person(page, 2.5)
        endpoint = page.locator('[data-testid="stExpander"]').filter(has_text="OpenAI-compatible").first
        endpoint.locator("summary").click()
        widget(page, "stCheckbox", "Send prompts to an endpoint").locator("label").click()
        settle(page)
        assert toggle_value(page, "Send prompts to an endpoint")
        type_into(page, "stTextInput", "Endpoint URL", "http://127.0.0.1:9/v1")
        settle(page)
        assert widget(page, "stTextInput", "Endpoint URL").locator("input").input_value() == "http://127.0.0.1:9/v1"
        assert not any("endpoint" in name or "9/v1" in " ".join(values) for name, values in query(page).items())


def generated_heading(page) -> str:
    return page.locator('[data-testid="stMarkdown"]', has_text="Generated ids").first.inner_text()


def test_generate_then_stop_and_the_counts_stay_put(app_server, artifacts):
    with chromium_page(SCREEN) as page:
        open_page(page, app_server, f"?model={TINY}&max_new=1000&top_k=3")
        page.get_by_role("button", name="Generate", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('stairs')", timeout=90_000)
        lengths = set()
        for _ in range(6):  # the text arrives piece by piece
            lengths.add(page.locator('[data-testid="stText"]').first.inner_text().count("stairs"))
            page.wait_for_timeout(150)
        assert len(lengths) >= 3, lengths
        page.get_by_role("button", name="Stop").click()
        page.wait_for_function("() => document.body.innerText.includes('generated_ids = [')", timeout=60_000)
        settle(page)
        heading, listed = generated_heading(page), ids_in(page, "generated_ids")[0]
        count = int(re.search(r"· (\d+) tokens", heading).group(1))
        assert 0 < count < 1000 and len(listed) == count
        assert "ended by stopped" in page_text(page)
        assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == str(count)

        pause_like_a_person(page, 3)  # the stopped run had ample time to add a token, if it could
        type_into(page, "stTextInput", "Ids to decode", str(listed[0]))  # any click reruns the page
        settle(page)
        assert generated_heading(page) == heading and ids_in(page, "generated_ids")[0] == listed
        assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == str(count)

        # The stopped run gave back its turn in the model's queue: a new run goes straight through.
        pause_like_a_person(page)
        open_settings(page)
        set_number(page, "Max new tokens", 20)
        settle(page)
        page.get_by_role("button", name="Generate", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('20 new tokens · ended by token limit')",
                               timeout=60_000)
        settle(page)
        finished = ids_in(page, "generated_ids")[0]
        assert len(finished) == 20 and "Generated ids, each decoded alone · 20 tokens" in generated_heading(page)
        page.set_viewport_size({"width": 1280, "height": 2400})
        page.wait_for_timeout(800)
        page.screenshot(path=str(artifacts / "generation-after-generate.png"))
        page.set_viewport_size({"width": SCREEN[0], "height": SCREEN[1]})
        pause_like_a_person(page)
        page.reload()
        wait_for_app(page)  # a reload is a new session: the generation is this session's, not the link's
        page.wait_for_function("() => document.body.innerText.includes('what the model reads')", timeout=60_000)
        assert "generated_ids" not in page_text(page)
