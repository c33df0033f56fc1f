"""The generation page in AppTest: the book's ids on first open, state from the link, the tiny GPT-2 writing.

Browser behaviour (clicks, streaming, Stop, screenshots) is in test_generation_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from conftest import require_hub
from tokenlens.generation.models import CPU_DEFAULT_ID, PHI3_ID

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "book_chapter2.json").read_text())
BOOK_IDS = GOLDEN["phi3_input_ids"][1:]  # the book's printout without <s>: 14350 … 32001
TINY = "sshleifer/tiny-gpt2"


def _page(**params) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app_pages" / "text_generation.py"), default_timeout=240)
    for name, value in params.items():
        app.query_params[name] = value
    return app


def _codes(app) -> list[str]:
    return [c.value for c in app.code]


def _html(app) -> str:
    return "".join(h.value for h in app.get("html"))


def _shown(app) -> list[str]:
    """Markdown and captions as a person reads them (escape backslashes removed)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in [*app.markdown, *app.caption]]


def _chip(piece: str, token_id: int) -> str:
    return f">{piece}<sub>{token_id}</sub></span>"


def test_first_open_shows_the_books_phi3_ids_and_decode_without_any_weights():
    require_hub(PHI3_ID)
    app = _page().run()
    assert not app.exception
    codes = _codes(app)
    # Nobody pressed Generate, and Phi-3 has no weights here: the tokenizer alone gives the book's ids.
    assert f"input_ids = {BOOK_IDS}" in codes
    assert BOOK_IDS[0] == 14350 and BOOK_IDS[-1] == 32001 and len(BOOK_IDS) == 24
    assert "tokenizer.decode([3323, 622]) = 'Subject'" in codes
    html = _html(app)
    assert _chip("Sub", 3323) in html and _chip("ject", 622) in html  # decode(3323) = "Sub", decode(622) = "ject"
    assert re.search(r'class="h\d+ s"[^>]*>&lt;\|assistant\|&gt;<sub>32001</sub>', html)  # special: dark chip
    everything = " ".join([*codes, *(c.value for c in app.caption), *(m.value for m in app.markdown)])
    assert "Generate once" not in everything
    assert not app.get("metric")  # no generation ran


def test_first_open_shows_the_default_models_own_ids_before_generating():
    """Offline, SmolLM2's tokenizer comes from its packaged GGUF, read alone (no weights)."""
    require_hub(PHI3_ID)
    app = _page().run()
    assert not app.exception
    assert app.selectbox[0].value == CPU_DEFAULT_ID and app.toggle[0].value is True  # an instruct model: chat on
    reads = [c for c in _codes(app) if c.startswith("input_ids = ") and c != f"input_ids = {BOOK_IDS}"]
    assert reads, "the default model's own view of the prompt is missing"
    ids = json.loads(reads[0].split(" = ", 1)[1])
    assert ids[0] == 1 and ids[-1] == 198  # <|im_start|> … "assistant\n": SmolLM2's chat format
    assert any("SmolLM2 135M Instruct: what the model reads, with its chat template" in line
               for line in _shown(app))
    decoded = [c for c in _codes(app) if c.startswith("tokenizer.decode([3323, 622]) = ")]
    assert len(decoded) == 2  # Phi-3's reading and SmolLM2's own, side by side


def test_phi3_as_the_model_shows_one_view_of_the_book_prompt():
    """What a GPU server shows by default (here typed as a hub id: this machine has no GPU)."""
    require_hub(PHI3_ID)
    app = _page(model="other", hub=PHI3_ID).run()
    assert not app.exception
    assert app.toggle[0].value is False  # the book typed Phi-3's prompt raw
    assert [c for c in _codes(app) if c.startswith("input_ids")] == [f"input_ids = {BOOK_IDS}"]
    assert any("Phi-3 mini 4k instruct: what the model reads, as typed" in line for line in _shown(app))
    assert [c for c in _codes(app) if c.startswith("tokenizer.decode")] == [
        "tokenizer.decode([3323, 622]) = 'Subject'"]


def test_link_seeds_every_setting_and_bad_values_fall_back():
    require_hub(TINY)
    app = _page(model=TINY, prompt="Hello world", chat="1", max_new="12", mode="sampling", seed="7", top_k="3",
                temp="1.25", top_p="0.9", ids="15496 995").run()
    assert not app.exception
    assert app.selectbox[0].value == TINY and app.text_area[0].value == "Hello world"
    assert app.toggle[0].value is True
    assert [n.value for n in app.number_input] == [12, 3, 7]  # max new, top-k, seed
    assert app.radio[0].value == "sampling" and [s.value for s in app.slider] == [1.25, 0.9]
    assert app.text_input[0].value == "15496 995"
    assert "tokenizer.decode([15496, 995]) = 'Hello world'" in _codes(app)  # GPT-2's ids, read by GPT-2
    assert "input_ids = [15496, 995]" in _codes(app)
    assert app.query_params["max_new"] == "12" and app.query_params["temp"] == "1.25"

    bad = _page(model="evil/model", max_new="99999", temp="0.83", mode="beam", seed="-1", top_k="x").run()
    assert not bad.exception
    assert bad.selectbox[0].value == CPU_DEFAULT_ID and bad.radio[0].value == "greedy"
    assert [n.value for n in bad.number_input] == [40, 5]  # seed is only drawn for sampling
    assert "max_new" not in bad.query_params and "model" not in bad.query_params


def test_the_chat_switch_follows_the_model_until_someone_sets_it():
    require_hub(TINY)
    app = _page().run()
    assert app.toggle[0].value is True  # SmolLM2 Instruct has a chat template
    app.selectbox[0].select(TINY).run()
    assert app.toggle[0].value is False and app.query_params["chat"] == "0"  # GPT-2 has none
    app.toggle[0].set_value(True).run()
    assert app.toggle[0].value is True
    assert any("no chat template" in c.value for c in app.caption)
    linked = _page(chat="0").run()  # a link that says "off" for SmolLM2 is obeyed
    assert linked.toggle[0].value is False
    assert any("SmolLM2 135M Instruct: what the model reads, as typed" in line for line in _shown(linked))


def test_tiny_model_generates_and_its_counts_stay_the_same_on_rerun():
    require_hub(TINY)
    app = _page(model=TINY, max_new="6").run()
    app.button[0].click().run()
    assert not app.exception
    generated = [c for c in _codes(app) if c.startswith("generated_ids = ")]
    assert generated and len(json.loads(generated[0].split(" = ")[1])) == 6
    assert app.metric[0].value == "6"
    assert "input_ids = [16594, 281, 3053" in "".join(_codes(app))  # GPT-2's ids for "Write an email"
    assert any(c.value.startswith("6 new tokens · ended by token limit") for c in app.caption)
    app.text_input[0].set_value("16594 281").run()  # any later click reruns the page
    assert [c for c in _codes(app) if c.startswith("generated_ids = ")] == generated
    assert app.metric[0].value == "6"
    assert "tokenizer.decode([16594, 281]) = 'Write an'" in _codes(app)


def test_bad_input_stays_usable_and_says_so_quietly():
    require_hub(TINY)
    app = _page(model=TINY).run()
    app.text_area[0].set_value("   ").run()
    assert not app.exception and any("The prompt is empty" in c.value for c in app.caption)
    app.button[0].click().run()
    assert not app.exception and not app.get("metric")
    app.text_input[0].set_value("3323 abc").run()  # the decode box
    assert not app.exception and any("not a token id" in c.value for c in app.caption)
    app.text_input[0].set_value("99999999").run()
    assert any("not in" in c.value and "vocabulary" in c.value for c in app.caption)

    other = _page(model="other", hub="bert-base-uncased", prompt="Hello").run()
    assert other.text_input[0].value == "bert-base-uncased"
    other.button[0].click().run()
    assert not other.exception and not other.error and not other.warning
    assert any("bert-base-uncased" in line and "not a text-generation model" in line for line in _shown(other))
    detail = " ".join(t.value for t in other.text)
    assert "not a causal language model" in detail and "/work/" not in detail  # the why, paths shortened


def test_text_from_the_link_is_shown_as_text_never_markup():
    require_hub(TINY)
    app = _page(model=TINY, prompt="**bold** <b>x</b>", ids="**12**").run()
    assert not app.exception
    assert app.text_area[0].value == "**bold** <b>x</b>"
    assert app.query_params["prompt"] == "**bold** <b>x</b>"  # the link carries a prompt that is not the book's
    assert "<b>x</b>" not in _html(app)  # chips escape their pieces
    complaint = [c.value for c in app.caption if "not a token id" in c.value]
    assert complaint and "\\*\\*12\\*\\*" in complaint[0]  # Markdown signs escaped, shown as typed
    assert "prompt" not in _page().run().query_params  # the book's prompt is the default: not in the link
