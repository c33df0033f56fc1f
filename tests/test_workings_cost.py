"""The cost of a language: the shipped parallel sentences, and token counts that are the real tokenizers'."""

from __future__ import annotations

import json
import tomllib
import unicodedata
from functools import cache

import numpy as np
import pytest
from conftest import ROOT, hub_has, require_hub
from streamlit.testing.v1 import AppTest
from tokenizers import Tokenizer

from tokenlens import url_state
from tokenlens.assets import AssetUnavailable
from tokenlens.catalog import EXTRA_TOKENIZERS, TOKENIZERS
from tokenlens.tokenization import languages
from tokenlens.tokenization.loading import load_tokenizer, unknown_id

DATA = ROOT / "tokenlens" / "data" / "parallel_sentences.json"
NON_LATIN = [s.code for s in languages.SENTENCES if s.script != "Latin"]
IN_HUB = [hub_id for hub_id in (*TOKENIZERS, *EXTRA_TOKENIZERS) if hub_has(hub_id)]


@cache
def _loaded(hub_id: str):
    try:
        return load_tokenizer(hub_id)
    except AssetUnavailable as err:
        pytest.skip(f"{hub_id} cannot be loaded here: {err.reason}")


@cache
def _book_costs() -> languages.LanguageCosts:
    present = [hub_id for hub_id in TOKENIZERS if hub_has(hub_id)]
    if len(present) < 5:
        pytest.skip("fewer than five book tokenizers in the hub cache")
    return languages.language_costs([_loaded(hub_id) for hub_id in present])


# --- The data file ------------------------------------------------------------------------------

def test_the_parallel_sentences_are_well_formed():
    entries = json.loads(DATA.read_text(encoding="utf-8"))["sentences"]
    codes = [entry["code"] for entry in entries]
    assert len(entries) >= 20 and len(set(codes)) == len(codes)
    scripts = {entry["script"] for entry in entries}
    assert len(scripts) >= 10
    assert {"Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Han", "Hangul"} <= scripts
    for entry in entries:
        assert entry["language"] and entry["text"].strip() == entry["text"] and len(entry["text"]) > 20, entry
        assert entry["source"]["title"] and entry["source"]["url"].startswith("https://"), entry["code"]
        assert entry["note"], entry["code"]  # how the text was transcribed is said for each
        assert unicodedata.normalize("NFC", entry["text"]) == entry["text"], entry["code"]
    assert languages.LANGUAGE_CODES == tuple(codes) and codes[0] == languages.BASE_LANGUAGE == "en"


def test_each_text_is_written_in_its_script():
    """A sentence pasted under the wrong language would make its row a lie: check the letters."""
    letter_names = {"Cyrillic": "CYRILLIC", "Greek": "GREEK", "Arabic": "ARABIC", "Hebrew": "HEBREW",
                    "Devanagari": "DEVANAGARI", "Bengali": "BENGALI", "Tamil": "TAMIL", "Thai": "THAI",
                    "Georgian": "GEORGIAN", "Armenian": "ARMENIAN", "Ethiopic (Ge'ez)": "ETHIOPIC",
                    "Han": "CJK UNIFIED", "Hangul": "HANGUL", "Latin": "LATIN"}
    for found in languages.SENTENCES:
        letters = [unicodedata.name(ch, "") for ch in found.text if ch.isalpha()]
        if found.script in letter_names:
            share = sum(letter_names[found.script] in name for name in letters) / len(letters)
            assert share > 0.95, (found.code, share)
    japanese = languages.sentence("ja").text
    assert any("HIRAGANA" in unicodedata.name(ch, "") for ch in japanese)
    assert any("CJK UNIFIED" in unicodedata.name(ch, "") for ch in japanese)


def test_the_data_file_ships_with_the_package():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "data/*.json" in package_data["tokenlens"]
    assert DATA.match("tokenlens/data/*.json")


def test_bytes_and_characters_are_the_texts_own():
    english, hindi, chinese = (languages.sentence(code) for code in ("en", "hi", "zh"))
    assert english.utf8_bytes == english.characters == len(english.text)  # ASCII: one byte a character
    assert chinese.utf8_bytes == 3 * chinese.characters  # every Han character and CJK mark is 3 bytes
    assert hindi.utf8_bytes > 2.5 * hindi.characters  # Devanagari 3 bytes, the spaces 1


# --- Counts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("hub_id", IN_HUB)
def test_counts_are_the_tokenizers_own(hub_id):
    """Every count equals the tokenizer's encode(...).ids, without special tokens; the tokenizer.json
    is read again here, straight from the hub cache, where the repo has one."""
    from huggingface_hub import try_to_load_from_cache

    loaded = _loaded(hub_id)
    path = try_to_load_from_cache(hub_id, "tokenizer.json")
    reference = Tokenizer.from_file(path) if isinstance(path, str) else loaded.tokenizer
    costs = languages.language_costs([loaded])
    assert costs.hub_ids == (hub_id,) and costs.tokens.shape == (len(languages.SENTENCES), 1)
    for row, found in enumerate(costs.sentences):
        ids = reference.encode(found.text, add_special_tokens=False).ids
        assert costs.tokens[row, 0] == len(ids), found.code
    with_specials = reference.encode("All human beings", add_special_tokens=True).ids
    alone = reference.encode("All human beings", add_special_tokens=False).ids
    assert languages.count_tokens(reference, "All human beings")[0] == len(alone) <= len(with_specials)


def test_the_base_language_is_exactly_one():
    costs = _book_costs()
    assert np.array_equal(costs.ratios()[costs.row("en")], np.ones(len(costs.hub_ids)))
    for base in ("zh", "am"):
        ratios = costs.ratios(base)
        assert np.all(ratios[costs.row(base)] == 1.0)
        assert ratios[costs.row("en")][0] == costs.tokens[costs.row("en"), 0] / costs.tokens[costs.row(base), 0]
    chars, raw = costs.size_ratios("en")
    assert chars[costs.row("en")] == raw[costs.row("en")] == 1.0


def test_gpt2_pays_several_times_more_outside_the_latin_script():
    require_hub("gpt2")
    costs = languages.language_costs([_loaded("gpt2")])
    ratios = {found.code: costs.ratios()[i, 0] for i, found in enumerate(costs.sentences)}
    assert all(ratios[code] > 2.5 for code in NON_LATIN), ratios
    assert min(ratios[code] for code in ("ka", "ta", "bn")) > 8  # Georgian, Tamil, Bengali: 8× English or more
    assert ratios["fr"] < 2.5 and ratios["de"] < 2.5  # Latin-script neighbours stay close
    assert not costs.unknown.any()  # byte-level BPE never loses a character: all of it is real cost


def test_a_tokenizer_trained_on_chinese_reads_chinese_cheaply():
    require_hub("Qwen/Qwen2.5-1.5B")
    require_hub("gpt2")
    costs = languages.language_costs([_loaded("gpt2"), _loaded("Qwen/Qwen2.5-1.5B")])
    zh = costs.ratios()[costs.row("zh")]
    assert zh[1] < 1 < zh[0]  # Qwen2.5: fewer tokens than English; GPT-2: more


def test_unknown_tokens_mark_a_sentence_lost_not_cheap():
    """Flan-T5's Unigram and BERT read scripts they never saw as <unk>/[UNK]: a low count, text gone."""
    require_hub("google/flan-t5-small")
    require_hub("bert-base-uncased")
    costs = languages.language_costs([_loaded("google/flan-t5-small"), _loaded("bert-base-uncased")])
    assert unknown_id(_loaded("google/flan-t5-small").tokenizer) == 2  # Unigram: from its state
    amharic = costs.row("am")
    assert costs.unknown[amharic].min() > languages.LOST_SHARE * costs.tokens[amharic].max()
    assert costs.lost()[amharic].all() and not costs.lost()[costs.row("en")].any()
    assert costs.dearest("bert-base-uncased")[0].code != "am"  # a lost row is never the "dearest"
    assert costs.unknown[costs.row("en")].sum() == 0


def test_table_and_headline_say_what_the_counts_say():
    costs = _book_costs()
    rows = costs.table_rows("en", "tokens")
    assert len(rows) == len(languages.SENTENCES) and {row["code"] for row in rows} == set(languages.LANGUAGE_CODES)
    for row in rows:
        for column, name in enumerate(costs.names):
            assert row[name] == costs.tokens[costs.row(row["code"]), column]
    ratio_rows = costs.table_rows("en", "ratio")
    english = next(row for row in ratio_rows if row["code"] == "en")
    assert all(english[name] == 1.0 for name in costs.names) and english["bytes vs base"] == 1.0
    dearest, ratio = max((costs.dearest(hub_id) for hub_id in costs.hub_ids), key=lambda found: found[1])
    assert f"{ratio:.1f}×" in languages.headline(costs) and dearest.language in languages.headline(costs)
    assert 0 < costs.nbytes < 20_000


# --- The link and the cache ---------------------------------------------------------------------

def test_cost_fields_read_a_link_safely():
    assert all(field.param.startswith("cost_") for field in languages.COST_FIELDS)
    assert languages.cost_fields(["gpt2"])[0].default == ["gpt2"]
    values = url_state.read({"cost_base": ["xx"], "cost_tok": ["gpt2", "evil/<b>"], "cost_show": ["tokens"]},
                            languages.COST_FIELDS)
    assert values["cost_base"] == "en" and values["cost_tok"] == ["gpt2"] and values["cost_show"] == "tokens"
    assert url_state.to_params(url_state.read({}, languages.COST_FIELDS), languages.COST_FIELDS) == {
        field.param: None for field in languages.COST_FIELDS}  # the default view's link stays short


def test_costs_are_kept_once_per_set_of_tokenizers(fresh_caches):
    from components import resources

    require_hub("gpt2")
    gpt2 = resources.tokenizer("gpt2")
    first = resources.language_costs([gpt2])
    assert resources.language_costs([resources.tokenizer("gpt2")]) is first
    stats = next(s for s in resources.cache_stats() if s.name == "language costs")
    assert stats.entries == 1 and 0 < stats.bytes == first.nbytes <= stats.budget


# --- The section, under AppTest -----------------------------------------------------------------

def _section_script():
    from components.page_state import PageState
    from components.progress import book_tokenizers_with_progress
    from components.workings_cost import cost_section
    from tokenlens.tokenization.languages import cost_fields
    from tokenlens.url_state import Field

    fields = cost_fields(book_tokenizers_with_progress())  # as the compare page: those that load
    state = PageState("how", fields + (Field("part", "cost", choices=("step", "train", "vocab", "cost")),))
    cost_section(state)
    state.sync()


@pytest.fixture()
def section():
    require_hub("gpt2")
    return AppTest.from_function(_section_script, default_timeout=240)


def _heatmap(section) -> dict:
    return json.loads(next(e for e in section.get("plotly_chart")).proto.spec)


def test_section_draws_the_real_counts(section):
    costs = _book_costs()
    section.run()
    assert not section.exception
    shown = section.session_state["how.cost_tok"]
    assert shown == [hub_id for hub_id in TOKENIZERS if hub_id in costs.hub_ids]  # every one that loads
    assert languages.headline(costs) in section.markdown[0].value.replace("\\", "")
    table = section.dataframe[0].value
    for name in costs.names:
        english = table[table["code"] == "en"].iloc[0]
        assert english[name] == 1.0
    figure = _heatmap(section)["data"][0]
    assert len(figure["y"]) == len(languages.SENTENCES) and figure["x"][:2] == ["characters", "UTF-8<br>bytes"]
    assert figure["y"][0] in {"English", "Swahili", "Chinese (simplified)"}  # the cheapest rows on top
    assert not section.get("iframe")  # no chips until a language is picked
    assert dict(section.query_params) == {}  # the default view's link is the shortest


def test_section_follows_its_link(section):
    costs = _book_costs()
    section.query_params["cost_base"] = "zh"
    section.query_params["cost_show"] = "tokens"
    section.query_params["cost_tok"] = ["gpt2", "Qwen/Qwen2.5-1.5B"]
    section.query_params["cost_see"] = "th"
    section.run()
    assert not section.exception
    table = section.dataframe[0].value
    assert list(table.columns[-2:]) == ["GPT-2", "Qwen2.5"]
    for code in ("zh", "th", "am"):
        row = table[table["code"] == code].iloc[0]
        assert row["GPT-2"] == costs.tokens[costs.row(code), costs.hub_ids.index("gpt2")]
    assert "Chinese" in section.caption[1].value  # the colours compare with the chosen base
    panels = "".join(e.proto.srcdoc for e in section.get("iframe"))
    assert panels.count('class="tl-panel"') == 2 and "<code>gpt2</code>" in panels
    section.selectbox(key="how.cost_base").set_value("en").run()
    assert "cost_base" not in section.query_params  # the default is left out of the link
    assert section.query_params["cost_show"] == "tokens"


def test_section_with_no_tokenizer_says_so(section):
    section.query_params["cost_tok"] = ["gpt2"]
    section.run()
    section.pills(key="how.cost_tok").set_value([]).run()
    assert not section.exception and "Pick at least one tokenizer." in section.info[0].value
