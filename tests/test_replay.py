"""The replay explains a cut only if it reaches the same ids as the tokenizer itself, everywhere."""

import json
from functools import cache
from pathlib import Path

import pytest

from tokenlens.assets import AssetUnavailable
from tokenlens.catalog import EXTRA_TOKENIZERS, TOKENIZERS
from tokenlens.tokenization.loading import load_packaged, load_tokenizer
from tokenlens.tokenization.replay import ReplayTables, replay

GOLDEN = Path(__file__).parent / "golden"
EDGE = json.loads((GOLDEN / "edge_strings.json").read_text())["strings"]
BOOK = json.loads((GOLDEN / "book_chapter2.json").read_text())
TEXTS = {**EDGE, "book mixed": BOOK["mixed_text"], "book chinese": BOOK["chinese_text"],
         "book phi3": BOOK["phi3_prompt"],
         "unassigned and tag characters": "a\u0378b \U0001F9FF\U000E0001 x",
         "a word longer than WordPiece allows": "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
         "ideographic space": "a    b\u3000c"}
REPLAYED = [hub_id for hub_id in (*TOKENIZERS, *EXTRA_TOKENIZERS) if hub_id != "sshleifer/tiny-gpt2"]


@cache
def _loaded(hub_id: str, packaged: bool = False):
    try:
        return load_packaged(hub_id) if packaged else load_tokenizer(hub_id)
    except AssetUnavailable as err:
        pytest.skip(f"{hub_id} cannot be loaded here: {err.reason}")


def _check_every_text(tokenizer) -> None:
    tables = ReplayTables(tokenizer)
    for name, text in TEXTS.items():
        expected = tokenizer.encode(text, add_special_tokens=False).ids
        assert list(replay(tokenizer, text, tables=tables).ids) == expected, name


@pytest.mark.parametrize("hub_id", REPLAYED)
def test_replay_reaches_the_tokenizers_own_ids_on_every_golden_and_book_text(hub_id):
    _check_every_text(_loaded(hub_id).tokenizer)


@pytest.mark.parametrize("hub_id", [hub_id for hub_id, spec in TOKENIZERS.items() if spec.packaged])
def test_replay_reaches_the_packaged_stand_ins_ids_too(hub_id):
    _check_every_text(_loaded(hub_id, packaged=True).tokenizer)


def test_gpt2_merges_tokens_in_rank_order():
    steps = replay(_loaded("gpt2").tokenizer, " tokenization").steps
    merges = [step.detail for step in steps if step.stage == "merge"]
    ranks = [merge["rank"] for merge in merges]
    assert merges[-1]["symbols"] == ["Ġtoken", "ization"]
    # each merge is the lowest-ranked pair present at that moment: never a lower one left behind
    assert merges[0]["rank"] == min(ranks)


def test_wordpiece_tries_the_longest_candidate_first_and_marks_continuations():
    result = replay(_loaded("bert-base-uncased").tokenizer, "Tokenization")
    assert result.pieces == ("token", "##ization")
    tried = [step.detail["candidate"] for step in result.steps if step.stage == "candidate"]
    assert tried[0] == "tokenization" and tried[-1] == "##ization"
    assert [step.detail for step in result.steps if step.stage == "normalize"][0]["after"] == "tokenization"


def test_unigram_shows_the_chosen_segmentation_beating_the_runners_up():
    result = replay(_loaded("google/flan-t5-small").tokenizer, "tokenization")
    ranked = [step.detail["best"] for step in result.steps if step.stage == "segmentations"][0]
    assert ranked[0]["pieces"] == list(result.pieces)
    assert len(ranked) > 1 and all(ranked[0]["score"] >= other["score"] for other in ranked[1:])


def test_sentencepiece_byte_fallback_is_a_step_of_its_own():
    result = replay(_loaded("microsoft/Phi-3-mini-4k-instruct").tokenizer, "a \U0001F9FF")
    fallbacks = [step.detail for step in result.steps if step.stage == "byte fallback"]
    assert fallbacks and fallbacks[0]["pieces"] == ["<0xF0>", "<0x9F>", "<0xA7>", "<0xBF>"]


def test_a_text_beyond_the_explain_limit_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="2,000 characters"):
        replay(_loaded("gpt2").tokenizer, "a" * 2_001)


def test_the_explain_command_prints_the_replays_steps_and_ids_as_json():
    import os
    import subprocess
    import sys

    text = "Hello 🎵 world"
    done = subprocess.run([sys.executable, "-m", "tokenlens", "explain", "--tokenizer", "gpt2", "--json", "-"],
                          input=text, capture_output=True, text=True, env=os.environ.copy(),
                          cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["tokenizer"] == "gpt2"
    assert document["ids"] == _loaded("gpt2").tokenizer.encode(text).ids
    assert [step["stage"] for step in document["steps"]].count("merge") > 3
