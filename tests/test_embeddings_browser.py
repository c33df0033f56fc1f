"""The Embeddings page in a real browser: the projection is drawn and HTML in labels stays text."""

from __future__ import annotations

from browser import wait_for_app


def plot_texts(page) -> str:
    return page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot text')].map(t => t.textContent).join('|')")


def test_word_set_projection_is_drawn(app_server, browser_page, artifacts):
    page = browser_page
    page.goto(app_server + "/embeddings?section=words")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot", timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=90_000)
    texts = plot_texts(page)
    assert "queen" in texts and "princess" in texts  # the royalty preset's labels on the scatter
    page.get_by_text("A word set, projected").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "embeddings-words.png"), full_page=True)


def test_html_in_a_label_is_drawn_as_text(app_server, browser_page, artifacts):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server + "/embeddings?section=sentences")
    wait_for_app(page)
    area = page.locator("textarea").first
    area.fill("<b>bold?</b> a film I loved\n<img src=x onerror=alert(1)> the stock market\nA quiet cat sleeps")
    area.press("Control+Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot text')].some(t => t.textContent.includes('<b>bold?</b>'))",
        timeout=90_000)
    wait_for_app(page)
    assert not dialogs
    assert page.locator(".js-plotly-plot b").count() == 0  # no bold element made from typed tags
    page.screenshot(path=str(artifacts / "embeddings-sentences.png"), full_page=True)
