"""Quiet honesty: short reasons, no server paths, text from links never read as Markdown."""

from __future__ import annotations

from components.model_status import SHORT_REASONS, escape_markdown, short_reason, shorten_paths


def test_server_paths_shortened_but_urls_kept():
    text = ("Not in /root/.cache/huggingface/hub/models--x/config.json nor ~/assets/x/tokenizer.json; "
            "see https://huggingface.co/facebook/galactica-1.3b")
    shown = shorten_paths(text)
    assert "/root" not in shown and "~/assets" not in shown
    assert "…/config.json" in shown and "…/tokenizer.json" in shown
    assert "https://huggingface.co/facebook/galactica-1.3b" in shown


def test_every_error_kind_has_a_short_plain_line():
    assert short_reason("offline") == "not available offline"
    assert short_reason("something new") == "not available here"
    assert all(len(line) < 50 and "HF_" not in line for line in SHORT_REASONS.values())


def test_markdown_from_a_link_is_escaped():
    import markdown_it

    hostile = "[click me](https://evil.example) ![x](https://evil.example/i.png) **bold** <b>x</b>"
    rendered = markdown_it.MarkdownIt().render(escape_markdown(hostile))
    assert "<a " not in rendered and "<img" not in rendered and "<strong>" not in rendered and "<b>" not in rendered
    assert "click me" in rendered
