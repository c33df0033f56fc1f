"""The tokenizer page in a real browser: Debian's Chromium driven by Playwright against `streamlit run`."""

from __future__ import annotations

from urllib.parse import quote

from browser import (button_checked, chromium_page, group_button, choose_select, pause_like_a_person, query, select_value, settle, wait_for_app,
                     wait_for_url, widget)
from conftest import require_hub

FEW = "/?tok=gpt2&tok=Xenova/gpt-4&tok=bert-base-uncased"  # three tokenizers: quick reruns, same behaviour


def views(page):
    """The token views live in one iframe document (see tokenlens.tokenization.html.panels_document)."""
    return page.frame_locator("iframe").first


def token_boxes(page):
    views(page).locator(".tl-box > span").first.wait_for(timeout=90_000)
    return views(page).locator(".tl-box")


def test_default_page_shows_coloured_tokens(app_server, browser_page, artifacts):
    require_hub("gpt2")
    browser_page.goto(app_server + "/")
    wait_for_app(browser_page)
    # A cold server loads the tokenizers one after another: wait for all the views, then count.
    views(browser_page).locator(".tl-box").nth(8).wait_for(timeout=120_000)
    wait_for_app(browser_page)
    boxes = token_boxes(browser_page)
    assert boxes.count() == 9
    first = views(browser_page).locator(".tl-box > span").first
    colour = first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    assert views(browser_page).locator(".tl-box > span").count() > 300
    browser_page.screenshot(path=str(artifacts / "tokenizers-default.png"), full_page=True)


def test_typed_html_and_script_stay_inert_text(app_server, browser_page, artifacts):
    require_hub("gpt2")
    dialogs = []
    browser_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_page.goto(app_server + "/?tok=gpt2&tok=Xenova/gpt-4")
    wait_for_app(browser_page)
    token_boxes(browser_page)
    evil = "<img src=x onerror=alert(1)> and <script>alert(2)</script>"
    area = browser_page.locator("textarea").first
    area.fill(evil)
    area.press("Control+Enter")
    views(browser_page).locator(".tl-box", has_text="onerror").first.wait_for(timeout=60_000)
    wait_for_app(browser_page)
    texts = views(browser_page).locator(".tl-box").all_text_contents()
    assert any(evil in t.replace("\u200b", "") for t in texts)
    assert views(browser_page).locator(".tl-box img, .tl-box script").count() == 0
    assert dialogs == []
    browser_page.screenshot(path=str(artifacts / "tokenizers-html-inert.png"), full_page=True)


def test_shared_url_opens_the_same_view(app_server, browser_page, artifacts):
    require_hub("gpt2")
    browser_page.goto(app_server + "/?preset=custom&text=" + quote("Hello world") + "&tok=gpt2&view=both&big=1")
    wait_for_app(browser_page)
    boxes = token_boxes(browser_page)
    assert boxes.count() == 1
    assert boxes.first.locator(":scope > span").count() == 2
    assert "15496" in boxes.first.text_content() and "995" in boxes.first.text_content()
    font = views(browser_page).locator(".tl-box").first.evaluate("el => getComputedStyle(el).fontSize")
    assert font == "22px"  # projector mode from the link
    browser_page.screenshot(path=str(artifacts / "tokenizers-shared-url.png"))


def test_every_page_link_opens_inside_the_frame(app_server, browser_page):
    """A shared link to any page keeps the navigation and the projector toggle (app.py ran)."""
    for path, title in (("/", "Compare tokenizers"), ("/embeddings", "Embeddings"),
                        ("/songs", "Song"), ("/generation", "Generat")):
        browser_page.goto(app_server + path)
        wait_for_app(browser_page)
        browser_page.wait_for_function(
            """() => (document.querySelector('[data-testid="stSidebarNav"]') || {}).innerText?.includes('Generation')""",
            timeout=30_000)
        navigation = browser_page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Compare tokenizers" in navigation and "Generation" in navigation, path
        browser_page.get_by_text("Projector mode").wait_for(timeout=30_000)
        assert browser_page.get_by_text("Projector mode").count() == 1, path
        assert title in browser_page.locator("h1").first.inner_text(), path
        assert browser_page.locator('[role="dialog"]').count() == 0, path  # no "Page not found"


def open_views(page, url: str, count: int = 1) -> None:
    page.goto(url)
    wait_for_app(page)
    views(page).locator(".tl-box").nth(count - 1).wait_for(timeout=120_000)
    wait_for_app(page)


def click_view(page, label: str) -> None:
    group_button(page, "Show", label).click()
    settle(page)
    assert button_checked(page, "Show", label), f"the click on {label!r} did not take"


def panel_count(page) -> int:
    return views(page).locator(".tl-panel").count()


def text_box(page):
    return page.locator('[data-testid="stTextArea"] textarea').first


def test_view_and_whitespace_clicks_each_take_effect(app_server, artifacts):
    """Issue 8: "Ids", wait, "Tokens + ids" stayed on Ids. Every click must take, a few seconds apart."""
    require_hub("gpt2")
    expected = {"Ids": "ids", "Tokens + ids": "both", "Tokens": None}
    with chromium_page((1280, 800)) as page:
        open_views(page, app_server + FEW, 3)
        for label in ["Ids", "Tokens + ids", "Tokens", "Ids", "Tokens"]:
            click_view(page, label)
            wanted = expected[label]
            wait_for_url(page, lambda q: q.get("view") == ([wanted] if wanted else None))
            first_box = views(page).locator(".tl-box").first
            if label == "Ids":
                assert "ids" in first_box.get_attribute("class")
                assert first_box.inner_text().split()[:2] == ["15496", "995"] or first_box.inner_text()[0].isdigit()
            elif label == "Tokens + ids":
                assert first_box.locator("sub").count() > 10
            else:
                assert first_box.locator("sub").count() == 0 and "ids" not in first_box.get_attribute("class")
            pause_like_a_person(page, 2.5)
        for turn_on in (True, False, True):
            widget(page, "stCheckbox", "Show whitespace").locator("label").first.click()
            settle(page)
            marks = views(page).locator(".tl-box b").count()
            assert (marks > 0) is turn_on
            assert (query(page).get("ws") == ["1"]) is turn_on
            pause_like_a_person(page, 2.5)
        page.screenshot(path=str(artifacts / "tokenizers-after-clicks.png"))


def test_text_presets_edits_and_custom_keep_the_text(app_server, artifacts):
    """Issue 8: an edited preset kept ?preset=book; picking "Custom text" emptied the box."""
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        open_views(page, app_server + FEW, 3)
        choose_select(page, "Text", "Python code")
        settle(page)
        assert text_box(page).input_value().startswith("def fibonacci")
        wait_for_url(page, lambda q: q.get("preset") == ["code"] and "text" not in q)
        assert "fibonacci" in views(page).locator(".tl-box").first.inner_text()
        pause_like_a_person(page, 2.5)
        text_box(page).fill("Students type their own sentence here.")
        text_box(page).press("Control+Enter")
        settle(page)
        assert select_value(page, "Text") == "Custom text"
        wait_for_url(page, lambda q: q.get("preset") == ["custom"]
                     and q.get("text") == ["Students type their own sentence here."])
        assert "Students" in views(page).locator(".tl-box").first.inner_text()
        pause_like_a_person(page, 2.5)
        choose_select(page, "Text", "The book's Chinese prompt")
        settle(page)
        assert text_box(page).input_value().startswith("帮我写")
        pause_like_a_person(page, 2.5)
        choose_select(page, "Text", "Custom text")
        settle(page)
        assert text_box(page).input_value().startswith("帮我写")  # kept, to edit
        assert "帮" in views(page).locator(".tl-box").first.inner_text()


def test_tokenizer_chips_and_hub_box_take_every_click(app_server, artifacts):
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        open_views(page, app_server + FEW, 3)
        for name, after, in_link in (("GPT-2", 2, False), ("BERT (uncased)", 1, False), ("GPT-2", 2, True),
                                     ("Qwen2.5", 3, True)):
            group_button(page, "Tokenizers", name).click()
            settle(page)
            views(page).locator(".tl-panel").nth(after - 1).wait_for(timeout=60_000)
            assert panel_count(page) == after, name
            assert ("gpt2" in query(page).get("tok", [])) is in_link
            pause_like_a_person(page, 2.5)
        page.get_by_text("Any tokenizer from the hub").click()
        box = widget(page, "stTextInput", "Hub ids").locator("input")
        for typed in ("gpt2-medium", "gpt2-large"):
            box.fill(typed)
            box.press("Enter")
            settle(page)
            page.get_by_text(f"{typed}: not available offline").first.wait_for(timeout=30_000)
            pause_like_a_person(page, 2.5)
            assert box.input_value() == typed  # it did not revert to the previous id
            assert query(page).get("hub") == [typed]
        assert page.locator('[data-testid="stAlert"]').count() == 0  # quiet lines, no warning boxes
        page.screenshot(path=str(artifacts / "tokenizers-unavailable-line.png"))


def test_a_copied_link_opens_the_same_view_in_a_fresh_browser(app_server, artifacts):
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        open_views(page, app_server + FEW, 3)
        text_box(page).fill("Links carry the view 12345")
        text_box(page).press("Control+Enter")
        settle(page)
        click_view(page, "Tokens + ids")
        widget(page, "stCheckbox", "Show whitespace").locator("label").first.click()
        settle(page)
        group_button(page, "Tokenizers", "BERT (uncased)").click()
        settle(page)
        link = page.url
        before = views(page).locator(".tl-box").all_inner_texts()
    assert "text=Links" in link and "view=both" in link and "ws=1" in link
    with chromium_page((1280, 800)) as fresh:
        open_views(fresh, link, 2)
        assert text_box(fresh).input_value() == "Links carry the view 12345"
        assert panel_count(fresh) == 2
        assert views(fresh).locator(".tl-box").all_inner_texts() == before
        fresh.screenshot(path=str(artifacts / "tokenizers-link-opened.png"))


def first_token_top(page) -> float:
    frame_top = page.locator("iframe").first.bounding_box()["y"]
    return frame_top + views(page).locator(".tl-box").first.evaluate("el => el.getBoundingClientRect().top")


def test_tokens_on_the_first_screen_in_light_dark_and_projector(app_server, artifacts):
    """At 1280x800 the first tokens sit on the first screen; screenshots are looked at by a person."""
    require_hub("gpt2")
    for name, path, scheme in (("light", "/", "light"), ("dark", "/", "dark"), ("projector", "/?big=1", "light"),
                               ("projector-dark", "/?big=1&theme=dark", "light")):
        with chromium_page((1280, 800), color_scheme=scheme) as page:
            open_views(page, app_server + path, 5)
            page.wait_for_timeout(1500)  # the panels pick up the theme within a second
            top = first_token_top(page)
            assert top < 800 - 120, f"{name}: the first tokens start at {top:.0f}px"
            app_background = page.locator('[data-testid="stApp"]').evaluate(
                "el => getComputedStyle(el).backgroundColor")
            panel_background = views(page).locator(".tl-panel").first.evaluate(
                "el => getComputedStyle(el).backgroundColor")
            dark = "dark" in name
            assert (app_background in ("rgb(255, 255, 255)",)) is not dark, (name, app_background)
            assert (panel_background == "rgb(255, 255, 255)") is not dark, (name, panel_background)
            if name.startswith("projector"):
                assert views(page).locator(".tl-box").first.evaluate("el => getComputedStyle(el).fontSize") == "22px"
                sidebar = page.locator('[data-testid="stSidebar"]')
                assert sidebar.get_attribute("data-collapsed") == "true"  # folded for the class
            page.screenshot(path=str(artifacts / f"tokenizers-first-screen-{name}.png"))


def test_theme_switch_and_our_own_tooltip(app_server, artifacts):
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        open_views(page, app_server + FEW + "&view=both", 3)
        widget(page, "stButtonGroup", "Theme").locator("button").filter(has_text="Dark").click()
        # The rerun writes the link first, then the switch reloads the page once, keeping it.
        page.wait_for_function("() => location.search.includes('theme=dark')", timeout=60_000)
        page.wait_for_timeout(1500)
        open_views(page, page.url, 3)
        assert query(page).get("theme") == ["dark"] and query(page).get("view") == ["both"]
        background = page.locator('[data-testid="stApp"]').evaluate("el => getComputedStyle(el).backgroundColor")
        assert background != "rgb(255, 255, 255)"
        chip = views(page).locator(".tl-box > span").nth(1)
        chip.hover()
        tip = views(page).locator("#tl-tip")
        tip.wait_for(state="visible", timeout=5_000)
        assert tip.inner_text().startswith("id ")
        page.screenshot(path=str(artifacts / "tokenizers-dark-tooltip.png"))
        group_button(page, "Theme", "Auto").click()
        page.wait_for_function("() => !location.search.includes('theme=')", timeout=60_000)
        page.wait_for_timeout(1500)
        open_views(page, page.url, 3)
        assert "theme" not in query(page)


def test_two_users_at_once_see_their_own_text(app_server):
    """Two browsers type different texts into the same server at the same moment."""
    require_hub("gpt2")
    from browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            pages = [browser.new_context(viewport={"width": 1200, "height": 900}).new_page() for _ in range(2)]
            for page in pages:
                page.goto(app_server + "/?tok=gpt2&tok=bert-base-uncased")
                wait_for_app(page)
            texts = ["apples and oranges " * 40, "rivers flow into seas " * 40]
            for page, text in zip(pages, texts):
                page.locator("textarea").first.fill(text)
            for page in pages:  # both reruns start before either finishes
                page.locator("textarea").first.press("Control+Enter")
            for page, text, other in zip(pages, texts, reversed(texts)):
                views(page).locator(".tl-box", has_text=text.split()[0]).first.wait_for(timeout=60_000)
                wait_for_app(page)
                shown = " ".join(views(page).locator(".tl-box").all_text_contents())
                assert text.split()[0] in shown and other.split()[0] not in shown
        finally:
            browser.close()


def test_projector_switch_enlarges_and_folds_the_sidebar(app_server, artifacts):
    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        open_views(page, app_server + FEW, 3)
        widget(page, "stCheckbox", "Projector mode").locator("label").first.click()
        settle(page)
        wait_for_url(page, lambda q: q.get("big") == ["1"])
        page.locator('[data-testid="stSidebar"][data-collapsed="true"]').wait_for(state="attached", timeout=10_000)
        views(page).locator(".tl-box").first.wait_for(timeout=30_000)
        page.wait_for_function("() => getComputedStyle(document.documentElement).fontSize === '21px'")
        assert views(page).locator(".tl-box").first.evaluate("el => getComputedStyle(el).fontSize") == "22px"
        page.screenshot(path=str(artifacts / "tokenizers-projector-switched-on.png"))


def test_csv_downloads_are_written_on_the_click_and_hold_the_real_ids(app_server, browser_page):
    """Both CSVs are made only when clicked (Streamlit runs the callable then); the every-token table
    is drawn only once its section is opened. The files hold the tokenizers' own counts and ids."""
    import csv

    from transformers import PreTrainedTokenizerFast

    require_hub("gpt2")
    text = 'Commas, "quotes" and 🎵'
    browser_page.goto(app_server + "/?preset=custom&tok=gpt2&tok=bert-base-uncased&text=" + quote(text))
    wait_for_app(browser_page)
    token_boxes(browser_page)
    with browser_page.expect_download(timeout=60_000) as download:
        browser_page.get_by_role("button", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as stats_file:
        counts = {row["tokenizer"]: int(row["tokens"]) for row in csv.DictReader(stats_file)}
    references = {hub_id: PreTrainedTokenizerFast.from_pretrained(hub_id)(text)["input_ids"]
                  for hub_id in ("gpt2", "bert-base-uncased")}
    assert counts == {hub_id: len(ids) for hub_id, ids in references.items()}

    assert browser_page.get_by_role("button", name="Download tokens (CSV)").count() == 0
    browser_page.get_by_text("Every token, one row each").click()
    tokens_button = browser_page.get_by_role("button", name="Download tokens (CSV)")
    tokens_button.wait_for(timeout=60_000)
    with browser_page.expect_download(timeout=60_000) as download:
        tokens_button.click()
    with open(download.value.path(), encoding="utf-8", newline="") as tokens_file:
        ids = [int(row["id"]) for row in csv.DictReader(tokens_file)]
    assert ids == references["gpt2"]
