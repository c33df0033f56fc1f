"""How tokenizers work in a real browser: links, clicks a few seconds apart, the link from a token chip,
themes and projector mode, hostile text. Debian's Chromium driven by Playwright against `streamlit run`."""

from __future__ import annotations

import importlib.util
from urllib.parse import quote

import pytest
from browser import (button_checked, chromium_page, group_button, pause_like_a_person, query, select_value, settle,
                     type_into, wait_for_app, wait_for_url, widget)
from conftest import require_hub

from tokenlens.tokenization.loading import load_tokenizer


def open_steps(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_text("Steps in").first.wait_for(timeout=120_000)
    wait_for_app(page)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def step_list(page) -> str:
    return page.locator('[data-testid="stCode"]').last.inner_text()


def shown_step(page) -> int:
    heading = page.get_by_text("After step").first.inner_text()
    return int(heading.split()[-1])


def own_ids(hub_id: str, text: str) -> str:
    return " ".join(map(str, load_tokenizer(hub_id).tokenizer.encode(text, add_special_tokens=False).ids))


def test_a_link_opens_the_same_tokenizer_text_and_part_in_a_fresh_browser(app_server, artifacts):
    require_hub("bert-base-uncased")
    with chromium_page((1280, 800)) as page:
        open_steps(page, app_server + "/how?part=step&tok=bert-base-uncased&text=Tokenization")
        assert button_checked(page, "Part", "Step by step")
        assert "BERT (uncased)" in select_value(page, "Tokenizer")
        assert widget(page, "stTextInput", "Word or short text").locator("input").input_value() == "Tokenization"
        assert '✓ "##ization" in the vocabulary: cut here' in step_list(page)
        shown = own_ids("bert-base-uncased", "Tokenization")
        assert f"✅ same ids: tokenizer {shown} = replay {shown}" in main_text(page)
        assert "part" not in query(page)  # the default part is left out of the link


def test_step_clicks_a_few_seconds_apart_each_take_effect(app_server, artifacts):
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        open_steps(page, app_server + "/how?text=tokenization")
        last = shown_step(page)
        assert last >= 10 and step_list(page).splitlines()[-1].startswith("▶ no rule")
        expected = last
        for button, change in (("Back", -1), ("Back", -1), ("Back", -1), ("Next", 1)):
            pause_like_a_person(page)
            page.locator('[data-testid="stButton"] button').filter(has_text=button).first.click()
            settle(page)
            expected += change
            assert shown_step(page) == expected, f"the click on {button} did not take"
            assert step_list(page).splitlines()[-1].startswith(f"▶ merge {expected}:")
        pause_like_a_person(page)
        type_into(page, "stTextInput", "Word or short text", "Hello tokenization")
        settle(page)
        wait_for_url(page, lambda q: q.get("text") == ["Hello tokenization"])
        pause_like_a_person(page)
        group_button(page, "Word", "tokenization").click()
        settle(page)
        page.get_by_text('Steps in "Ġtokenization" (typed " tokenization")').wait_for(timeout=30_000)
        assert step_list(page).splitlines()[-1].startswith("▶ no rule")
        page.screenshot(path=str(artifacts / "how-step-clicks.png"))
        require_hub("microsoft/deberta-v3-xsmall")
        pause_like_a_person(page)
        box = widget(page, "stSelectbox", "Tokenizer").locator('[role="combobox"]')
        box.click()
        box.fill("microsoft/deberta-v3-xsmall")  # a hub id outside the catalog, typed
        box.press("Enter")
        settle(page)
        wait_for_url(page, lambda q: q.get("tok") == ["microsoft/deberta-v3-xsmall"])
        page.get_by_text("Best cuts of").first.wait_for(timeout=60_000)
        assert "✅ same ids" in main_text(page)


def test_clicking_a_token_on_the_tokenizer_page_opens_its_word_step_by_step(app_server, artifacts):
    require_hub("bert-base-uncased")
    with chromium_page((1280, 800)) as page:
        page.goto(app_server + "/?tok=bert-base-uncased&preset=custom&text=" + quote("Hello tokenizers") + "&big=1")
        wait_for_app(page)
        views = page.frame_locator("iframe").first
        chip = views.locator(".tl-box > span", has_text="izer").first
        chip.wait_for(timeout=120_000)
        wait_for_app(page)
        chip.hover()  # the tooltip is still there, and says what a click does
        tip = views.locator("#tl-tip")
        tip.wait_for(state="visible", timeout=10_000)
        assert tip.inner_text().startswith("id ") and "Click: how this word is cut" in tip.inner_text()
        page.screenshot(path=str(artifacts / "tokenizers-chip-tooltip-link.png"))
        with page.context.expect_page(timeout=30_000) as opened:
            chip.click()
        how = opened.value
        how.wait_for_load_state()
        wait_for_app(how)
        how.get_by_text("Steps in").first.wait_for(timeout=120_000)
        wait_for_app(how)
        assert how.url.split("?")[0].endswith("/how")
        assert query(how) == {"tok": ["bert-base-uncased"], "text": ["tokenizers"], "big": ["1"]}
        assert "BERT (uncased)" in select_value(how, "Tokenizer")
        assert '✓ "token" in the vocabulary: cut here' in step_list(how)
        assert f"tokenizer {own_ids('bert-base-uncased', 'tokenizers')} = replay" in main_text(how)
        how.screenshot(path=str(artifacts / "how-from-token-click.png"))
        assert page.url.startswith(app_server + "/?")  # the tokenizer page stays where it was


@pytest.mark.parametrize("scheme, params", [("light", ""), ("dark", ""), ("light", "&big=1")])
def test_first_screen_in_light_dark_and_projector_mode(app_server, artifacts, scheme, params):
    require_hub("gpt2")
    with chromium_page((1280, 800), color_scheme=scheme) as page:
        open_steps(page, app_server + "/how?text=tokenization" + params)
        background = page.locator('[data-testid="stApp"]').evaluate("el => getComputedStyle(el).backgroundColor")
        channels = [int(c) for c in background[background.index("(") + 1:-1].split(",")[:3]]
        assert (sum(channels) < 150) == (scheme == "dark"), background
        font = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
        assert font == ("21px" if params else "16px")
        if not params:  # the whole walkthrough fits the first screen at 1280x800
            listing = page.locator('[data-testid="stCode"]').last.bounding_box()
            assert listing["y"] + listing["height"] <= 800
        name = f"how-first-screen-{scheme}{'-projector' if params else ''}.png"
        page.screenshot(path=str(artifacts / name))


def test_hostile_text_is_shown_as_text(app_server, artifacts):
    require_hub("gpt2")
    dialogs = []
    evil = "<img src=x onerror=alert(1)> 🦙\x07"
    with chromium_page((1280, 800)) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        open_steps(page, app_server + "/how?text=" + quote(evil))
        assert '"<" "img" "Ġsrc" "=" "x" "Ġonerror"' in main_text(page)
        assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
        assert widget(page, "stTextInput", "Word or short text").locator("input").input_value() == evil
        assert "✅ same ids" in main_text(page)
        page.wait_for_timeout(1_000)
        assert dialogs == []
        page.screenshot(path=str(artifacts / "how-hostile-text.png"))


OTHER_PARTS = [("train", "components.workings_training"), ("vocab", "components.workings_vocabulary"),
               ("cost", "components.workings_cost")]


@pytest.mark.parametrize("part, module", OTHER_PARTS)
def test_each_other_part_draws_its_section_from_a_link(app_server, artifacts, part, module):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not written yet")
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        page.goto(app_server + f"/how?part={part}")
        wait_for_app(page, timeout_ms=180_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "not ready yet" not in main_text(page)
        label = {"train": "Train one", "vocab": "Vocabulary", "cost": "Cost per language"}[part]
        assert button_checked(page, "Part", label)
        drawn = page.locator('[data-testid="stMain"]').locator(
            '[data-testid="stDataFrame"], [data-testid="stVegaLiteChart"], [data-testid="stPlotlyChart"], '
            '[data-testid="stIFrame"], iframe, [data-testid="stCode"], [data-testid="stHtml"]')
        assert drawn.count() >= 1, f"{part}: nothing drawn"
        assert {"train": "Trained", "vocab": "entries", "cost": "English"}[part] in main_text(page)
        page.screenshot(path=str(artifacts / f"how-part-{part}.png"))
        pause_like_a_person(page)
        group_button(page, "Part", "Step by step").click()  # and back: the switch takes
        settle(page)
        page.get_by_text("Steps in").first.wait_for(timeout=60_000)
        wait_for_url(page, lambda q: "part" not in q)
