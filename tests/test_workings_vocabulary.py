"""Part "vocab" of How tokenizers work: every count checked against the raw vocabulary files or by
encoding again with a tokenizer read straight from its tokenizer.json."""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
import random
from functools import cache
from pathlib import Path

import pytest
from conftest import require_hub
from huggingface_hub import try_to_load_from_cache
from streamlit.testing.v1 import AppTest
from tokenizers import Tokenizer

from tokenlens import url_state
from tokenlens.tokenization import vocabulary as vocab
from tokenlens.tokenization.loading import load_tokenizer


@cache
def _analysis(hub_id: str) -> vocab.VocabularyAnalysis:
    require_hub(hub_id)
    return vocab.analyse_vocabulary(load_tokenizer(hub_id))


def _hub_path(hub_id: str, name: str) -> Path:
    require_hub(hub_id)
    found = try_to_load_from_cache(hub_id, name)
    assert isinstance(found, str), f"{hub_id}/{name} is not in the hub cache"
    return Path(found)


def _gpt2_byte_of() -> dict[str, int]:
    """GPT-2's printable stand-in for each byte, rebuilt from its published rule (not the app's table):
    printable latin-1 bytes stand for themselves, the others take the code points from 256 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [byte for byte in range(256) if byte not in printable]
    return {**{chr(byte): byte for byte in printable}, **{chr(256 + n): byte for n, byte in enumerate(others)}}


def _gpt2_vocab_bytes() -> dict[int, bytes]:
    byte_of = _gpt2_byte_of()
    entries = json.loads(_hub_path("gpt2", "vocab.json").read_text("utf-8"))
    return {token_id: bytes(byte_of[char] for char in entry) for entry, token_id in entries.items()
            if entry != "<|endoftext|>"}


def _cl100k_ranks() -> set[bytes]:
    folder = Path(importlib.util.find_spec("bpe_openai").submodule_search_locations[0])
    lines = gzip.decompress((folder / "data" / "cl100k_base.tiktoken.gz").read_bytes()).decode().split()
    return {base64.b64decode(token) for token in lines[0::2]}


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# --- One vocabulary ------------------------------------------------------------------------------

def test_gpt2_entries_are_its_vocab_json():
    analysis = _analysis("gpt2")
    expected = _gpt2_vocab_bytes()
    assert len(analysis) == 50257 == len(expected) + 1
    for token_id, raw in expected.items():
        assert analysis.surface(analysis.row_of(token_id)) == raw
    special = analysis.rows(vocab.SPECIAL)
    assert [analysis.entry(row) for row in special] == ["<|endoftext|>"] and analysis.ids[special[0]] == 50256
    fragments = {int(analysis.ids[row]) for row in analysis.rows(vocab.FRAGMENT)}
    assert fragments == {token_id for token_id, raw in expected.items() if not _utf8(raw)}
    assert len(fragments) == 344
    # Bytes that valid UTF-8 never holds: C0, C1 (overlong leads) and F5-FF.
    never = {analysis.surface(row) for row in range(len(analysis)) if analysis.reached[row] == vocab.IN_NO_TEXT}
    assert never == {bytes([byte]) for byte in (0xC0, 0xC1, *range(0xF5, 0x100))}
    assert analysis.row_of(50256) == 50256 and analysis.shown(analysis.row_of(262)) == "␣the"


def test_fragment_rule_on_hand_made_bytes():
    assert vocab.in_some_text(b"\xe4\xb8")  # the start of 中
    assert vocab.in_some_text(b"\xad\xe6")  # the end of 中, the start of the next character
    assert vocab.in_some_text(b"\x9f\x98")  # the middle of an emoji
    assert not vocab.in_some_text(b"\xc0") and not vocab.in_some_text(b"\xff")
    assert not vocab.in_some_text(b"\xe0\x80")  # an overlong three-byte form
    assert not vocab.in_some_text(b"\x80\x80\x80\x80")  # four continuation bytes belong to no character


def test_lengths_longest_and_search_follow_the_entries():
    analysis = _analysis("gpt2")
    texts = {token_id: raw.decode("utf-8") for token_id, raw in _gpt2_vocab_bytes().items() if _utf8(raw)}
    counts = analysis.length_counts()
    assert sum(counts.values()) == len(texts)
    assert counts[1] == sum(len(text) == 1 for text in texts.values())
    longest = analysis.longest(5)
    assert [int(analysis.lengths[row]) for row in longest] == sorted((len(t) for t in texts.values()), reverse=True)[:5]
    found = vocab.search(analysis, "token")
    assert found.total == sum("token" in text for text in texts.values()) >= 3
    assert all("token" in analysis.text(row) for row in found.rows)
    assert [int(analysis.lengths[row]) for row in found.rows] == sorted(int(analysis.lengths[r]) for r in found.rows)
    assert vocab.search(analysis, "ab").total == sum("ab" in text for text in texts.values())
    assert vocab.search(analysis, "").total == 0


# --- Two vocabularies ----------------------------------------------------------------------------

def test_gpt2_and_cl100k_overlap_as_the_raw_files_say():
    require_hub("Xenova/gpt-4")
    gpt2 = set(_gpt2_vocab_bytes().values())
    cl100k = _cl100k_ranks()
    overlap = vocab.compare_vocabularies(_analysis("gpt2"), _analysis("Xenova/gpt-4"))
    assert (overlap.distinct_a, overlap.distinct_b) == (len(gpt2), len(cl100k)) == (50256, 100256)
    assert overlap.shared == len(gpt2 & cl100k)
    assert overlap.only_a == len(gpt2 - cl100k) > 0
    a, b = _analysis("gpt2"), _analysis("Xenova/gpt-4")
    assert all(a.surface(row) in cl100k for row in overlap.shared_examples)
    assert all(a.surface(row) not in cl100k for row in overlap.only_a_examples)
    assert all(b.surface(row) not in gpt2 for row in overlap.only_b_examples)


def _wordpiece_keys(hub_id: str) -> set[tuple[bool, str]]:
    lines = _hub_path(hub_id, "vocab.txt").read_text("utf-8").splitlines()
    specials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    return {(line.startswith("##") and len(line) > 2, line[2:] if line.startswith("##") and len(line) > 2 else line)
            for line in lines if line not in specials}


def test_wordpiece_continuations_meet_only_continuations():
    uncased, cased = _wordpiece_keys("bert-base-uncased"), _wordpiece_keys("bert-base-cased")
    overlap = vocab.compare_vocabularies(_analysis("bert-base-uncased"), _analysis("bert-base-cased"))
    assert overlap.shared == len(uncased & cased)
    bert = _analysis("bert-base-uncased")
    ids = load_tokenizer("bert-base-uncased").tokenizer.token_to_id
    ing, word_ing = bert.row_of(ids("##ing")), bert.row_of(ids("ing"))
    assert bert.kinds[ing] == vocab.CONTINUATION and bert.shown(ing) == "##ing" and bert.surface(ing) == b"ing"
    assert vocab.overlap_key(bert, ing) == (True, b"ing") != vocab.overlap_key(bert, word_ing) == (False, b"ing")
    # BERT's pieces hold no space: its "the" meets GPT-2's "the", never "␣the".
    gpt2_keys = {vocab.overlap_key(_analysis("gpt2"), row) for row in _analysis("gpt2").regular_rows}
    the = bert.row_of(ids("the"))
    assert vocab.overlap_key(bert, the) == (False, b"the") and (False, b"the") in gpt2_keys


def test_sentencepiece_spaces_and_bytes_become_text():
    phi3 = _analysis("microsoft/Phi-3-mini-4k-instruct")
    tokenizer = load_tokenizer("microsoft/Phi-3-mini-4k-instruct").tokenizer
    the, a_byte, newline = (phi3.row_of(tokenizer.token_to_id(entry)) for entry in ("▁the", "<0x41>", "<0x0A>"))
    assert phi3.surface(the) == b" the" and phi3.kinds[the] == vocab.WHOLE
    assert phi3.surface(a_byte) == b"A" and phi3.kinds[a_byte] == vocab.BYTE
    assert phi3.reached[a_byte] == vocab.NOT_REACHED  # "A" has its own piece: the byte is never used for it
    assert phi3.reached[newline] == vocab.REACHED  # the Llama vocabulary has no "\n" piece
    assert len(phi3.rows(vocab.FRAGMENT)) == 128  # <0x80>..<0xFF>


# --- Not produced from their own text ------------------------------------------------------------

CHECKED = ["gpt2", "bert-base-uncased", "bert-base-chinese", "microsoft/Phi-3-mini-4k-instruct",
           "google/flan-t5-small", "bigcode/starcoder2-15b"]


def _reference(hub_id: str) -> Tokenizer:
    """The tokenizer straight from its file (flan-t5 has none: the loader's conversion stands in)."""
    found = try_to_load_from_cache(hub_id, "tokenizer.json")
    return Tokenizer.from_file(found) if isinstance(found, str) else load_tokenizer(hub_id).tokenizer


@pytest.mark.parametrize("hub_id", CHECKED)
def test_every_unreached_entry_really_encodes_otherwise(hub_id):
    analysis = _analysis(hub_id)
    tokenizer = _reference(hub_id)
    start = analysis.word_start
    if start:  # the premise: no entry holds the word start beside another character
        bare = (entry.removeprefix("##").removeprefix("▁") for entry in tokenizer.get_vocab())
        assert not any(start in entry and entry != start for entry in bare)
    start_ids = tokenizer.encode(start, add_special_tokens=False).ids if start else []
    unreached = analysis.unreached_rows.tolist()
    reached = [row for row in range(len(analysis)) if analysis.reached[row] == vocab.REACHED]
    sample = random.Random(12).sample(reached, min(600, len(reached)))
    for rows, should_match in ((unreached, False), (sample, True)):
        texts = [analysis.probe_text(row) for row in rows]
        for row, text, encoding in zip(rows, texts, tokenizer.encode_batch(texts, add_special_tokens=False)):
            prefix = start_ids if text != analysis.surface(row).decode("utf-8") else []  # after the word start
            matches = encoding.ids == [*prefix, int(analysis.ids[row])]
            assert matches == should_match, (hub_id, analysis.entry(row), text, encoding.tokens)
            if not should_match:
                assert tuple(encoding.ids) == analysis.probe_outputs[int(analysis.ids[row])]
    assert vocab.summary(analysis)["not checked"] == 0


def test_known_entries_that_their_text_never_gives():
    bert = _analysis("bert-base-uncased")
    unused = bert.row_of(1)
    assert bert.entry(unused) == "[unused0]" and bert.reached[unused] == vocab.NOT_REACHED
    chinese = _analysis("bert-base-chinese")
    tokenizer = load_tokenizer("bert-base-chinese").tokenizer
    de = chinese.row_of(tokenizer.token_to_id("##的"))
    assert chinese.reached[de] == vocab.NOT_REACHED  # BERT cuts Chinese into single characters first
    assert chinese.probe_outputs[int(chinese.ids[de])][-1] == tokenizer.token_to_id("的")
    t5 = _analysis("google/flan-t5-small")
    its = t5.row_of(load_tokenizer("google/flan-t5-small").tokenizer.token_to_id("▁Its"))
    assert t5.reached[its] == vocab.NOT_REACHED
    assert load_tokenizer("google/flan-t5-small").tokenizer.encode("Its").tokens[:2] == ["▁It", "s"]
    rows = vocab.unreached_rows(t5, lambda ids: [str(i) for i in ids])
    assert len(rows) == len(t5.unreached_rows) and {"id", "encoded", "gives ids"} <= rows[0].keys()


def test_qwen_151k_vocabulary_takes_seconds():
    import time

    require_hub("Qwen/Qwen2.5-1.5B")
    loaded = load_tokenizer("Qwen/Qwen2.5-1.5B")
    started = time.perf_counter()
    analysis = vocab.analyse_vocabulary(loaded)
    assert time.perf_counter() - started < 40  # ~9 s on the loaded 2-core machine
    assert len(analysis) == 151665 and analysis.nbytes < 8 * 2**20
    full_width_ten = analysis.row_of(loaded.tokenizer.token_to_id("ï¼ĳï¼Ĳ"))  # "１０"
    assert analysis.reached[full_width_ten] == vocab.NOT_REACHED  # Qwen splits digits one by one


# --- The link and the cache ----------------------------------------------------------------------

def test_vocabulary_fields_read_a_link_safely():
    values = url_state.read({"vocab_a": ["not/a-tokenizer"], "vocab_b": ["bert-base-uncased"], "vocab_q": ["x" * 500]},
                            vocab.VOCABULARY_FIELDS)
    assert values == {"vocab_a": "gpt2", "vocab_b": "bert-base-uncased", "vocab_q": ""}
    assert all(field.param.startswith("vocab_") for field in vocab.VOCABULARY_FIELDS)


def test_analyses_are_kept_once(fresh_caches):
    from components import resources

    require_hub("gpt2")
    loaded = resources.tokenizer("gpt2")
    first = resources.vocabulary_analysis(loaded)
    assert resources.vocabulary_analysis(resources.tokenizer("gpt2")) is first
    overlap = resources.vocabulary_overlap(loaded, loaded)
    assert overlap.shared == overlap.distinct_a == 50256 and overlap.only_a == 0
    stats = next(s for s in resources.cache_stats() if s.name == "vocabulary analyses")
    assert stats.entries == 1 and stats.bytes == first.nbytes <= stats.budget


# --- The section, under AppTest ------------------------------------------------------------------

def _section_script():
    from components.page_state import PageState
    from components.workings_vocabulary import vocabulary_section
    from tokenlens.tokenization.vocabulary import VOCABULARY_FIELDS
    from tokenlens.url_state import Field

    state = PageState("how", VOCABULARY_FIELDS + (Field("part", "vocab", choices=("step", "train", "vocab", "cost")),))
    vocabulary_section(state)
    state.sync()


@pytest.fixture()
def section():
    require_hub("gpt2")
    require_hub("Xenova/gpt-4")
    return AppTest.from_function(_section_script, default_timeout=300)


def test_section_shows_the_real_numbers(section):
    section.run()
    assert not section.exception
    metrics = {metric.label: metric.value for metric in section.metric}
    overlap = vocab.compare_vocabularies(_analysis("gpt2"), _analysis("Xenova/gpt-4"))
    assert metrics["GPT-2: entries"] == "50,257" and metrics["GPT-4 (cl100k_base): entries"] == "100,263"
    assert metrics["Same text in both"] == f"{overlap.shared:,}"
    assert "ids reach 100,276" in section.caption[1].value
    longest = section.dataframe[0].value
    assert longest.iloc[0]["characters"] == max(int(n) for n in _analysis("gpt2").lengths)
    assert "vocab_a" not in section.query_params  # defaults stay out of the link


def test_section_follows_its_link_and_shows_a_query_as_text(section):
    query = "**<b>ing"  # Markdown and HTML in a link: shown as typed
    section.query_params["vocab_a"] = "bert-base-uncased"
    section.query_params["vocab_q"] = query
    section.run()
    assert not section.exception
    assert section.selectbox(key="how.vocab_a").value == "bert-base-uncased"
    said = [element.value for element in section.text]
    assert f"BERT (uncased): 0 entries contain {query!r}" in said
    section.text_input(key="how.vocab_q").set_value("ing").run()
    found = vocab.search(_analysis("bert-base-uncased"), "ing")
    assert any(value.startswith(f"BERT (uncased): {found.total:,} entries contain 'ing'") for value in
               (element.value for element in section.text))
    assert section.query_params["vocab_q"] == ["ing"] or section.query_params["vocab_q"] == "ing"
