"""The tokenizer page in a real browser: Debian's Chromium driven by Playwright against `streamlit run`."""

from __future__ import annotations

from urllib.parse import quote

from browser import wait_for_app
from conftest import require_hub


def views(page):
    """The token views live in one iframe document (see tokenlens.token_html.panels_document)."""
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
