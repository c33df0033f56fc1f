"""How tokenizers work, part "step": the walkthrough's words, steps and ids, and the link from a token.

Every number is checked against the real tokenizer: its own encode, its tokenizer.json's merge
ranks and Unigram scores, its UTF-8 bytes."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from conftest import require_hub

from tokenlens import url_state
from tokenlens.tokenization.loading import load_tokenizer
from tokenlens.tokenization.replay import STEP_FIELDS
from tokenlens.tokenization.walkthrough import (LINK_WORD_CHARS, MAX_STEP_CHARS, WordFinder, cap_step_text,
                                                quoted, step_link, walkthrough, word_around)
from tokenlens.tokenization.workings_link import PART_FIELD, PARTS, workings_fields

FOUR = ("gpt2", "bert-base-uncased", "google/flan-t5-small", "microsoft/Phi-3-mini-4k-instruct")
WORDS = ("tokenization", "Naïve", "strawberry", " 🦙 llama", "<img src=x onerror=alert(1)>", "a\x07b\tc")


class _Link(dict):
    def get_all(self, param):
        return self.get(param, [])


@cache
def _loaded(hub_id: str):
    require_hub(hub_id)
    return load_tokenizer(hub_id)


def _own_ids(hub_id: str, text: str) -> list[int]:
    return _loaded(hub_id).tokenizer.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize("hub_id", FOUR)
def test_the_walkthrough_reaches_the_tokenizers_own_ids(hub_id):
    for text in WORDS:
        walk = walkthrough(_loaded(hub_id), text)
        assert list(walk.own_ids) == _own_ids(hub_id, text), text
        assert list(walk.replay_ids) == list(walk.own_ids) and walk.matches, text
        tokenizer = _loaded(hub_id).tokenizer
        assert list(walk.own_pieces) == [tokenizer.id_to_token(i) for i in walk.own_ids]


def _merge_ranks(hub_id: str) -> dict[tuple[str, str], int]:
    model = json.loads(_loaded(hub_id).tokenizer.to_str())["model"]
    pairs = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return {pair: rank for rank, pair in enumerate(pairs)}


@pytest.mark.parametrize("hub_id", ["gpt2", "microsoft/Phi-3-mini-4k-instruct"])
def test_bpe_steps_name_each_merge_with_its_rank_in_the_merge_table(hub_id):
    walk = walkthrough(_loaded(hub_id), "tokenization")
    [word] = walk.words
    ranks = _merge_ranks(hub_id)
    merges = [frame for frame in word.frames if frame.line.startswith("merge")]
    assert len(merges) >= 5
    for number, frame in enumerate(merges, 1):
        left, right, rank = re.fullmatch(r'merge (\d+): (".*?") \+ (".*?") → ".*?"   rank ([\d,]+)',
                                         frame.line).group(2, 3, 4)
        assert frame.line.startswith(f"merge {number}:")
        assert ranks[(json.loads(left), json.loads(right))] == int(rank.replace(",", ""))
    assert word.frames[0].line.startswith("start: ") and word.frames[-1].line.endswith("done")
    # The last step's pieces are the tokenizer's own tokens, with their own ids.
    assert word.frames[-1].symbols == tuple(zip(walk.own_ids, walk.own_pieces))
    if hub_id == "gpt2":  # the book's example: the last merge makes "token"
        assert merges[-1].line.endswith('→ "token"   rank 29,745')


def test_wordpiece_tries_the_longest_candidate_first_and_keeps_what_is_left():
    walk = walkthrough(_loaded("bert-base-uncased"), "Tokenization")
    assert walk.text_lines[0] == 'normalise: "Tokenization" → "tokenization"'
    [word] = walk.words
    tried = [frame for frame in word.frames if frame.line[0] in "✓✗"]
    candidates = [json.loads(re.match(r'[✓✗] (".*?") ', frame.line).group(1)) for frame in tried]
    assert tried[0].line == '✗ "tokenization" not in the vocabulary'
    assert candidates[:8] == ["tokenization"[:end] for end in range(12, 4, -1)]  # one character shorter each time
    hits = [candidate for frame, candidate in zip(tried, candidates) if frame.line.startswith("✓")]
    assert hits == list(walk.own_pieces) == ["token", "##ization"]
    hits = [frame for frame in tried if frame.line.startswith("✓")]
    assert hits[0].rest == "ization" and hits[-1].rest == ""
    assert word.frames[-1].symbols == tuple(zip(walk.own_ids, walk.own_pieces))


def test_unigram_best_cut_is_the_tokenizers_and_its_score_is_the_sum_of_its_pieces():
    walk = walkthrough(_loaded("google/flan-t5-small"), "tokenization")
    [word] = walk.words
    vocab = dict((piece, score) for piece, score in json.loads(_loaded("google/flan-t5-small").tokenizer.to_str())
                 ["model"]["vocab"])
    best, *others = word.segmentations
    assert best.pieces == walk.own_pieces and best.behind_best == 0
    assert best.score == pytest.approx(sum(vocab[piece] for piece in best.pieces), abs=1e-3)
    assert others and all(o.score <= best.score and o.behind_best == pytest.approx(best.score - o.score, abs=1e-3)
                          for o in others)
    assert set(best.pieces) <= set(word.considered)


def test_byte_fallback_and_unknown_characters_are_said_where_they_happen():
    phi3 = walkthrough(_loaded("microsoft/Phi-3-mini-4k-instruct"), "naïve 🦙")
    [note] = phi3.words[0].notes
    assert note.startswith('byte fallback: "🦙"')
    assert " ".join(f"<0x{b:02X}>" for b in "🦙".encode()) in note
    assert [p for p in phi3.own_pieces if p.startswith("<0x")] == [f"<0x{b:02X}>" for b in "🦙".encode()]
    t5 = walkthrough(_loaded("google/flan-t5-small"), "🦙")
    assert any(n.startswith('unknown: "🦙"') for w in t5.words for n in w.notes)
    assert any("🦙 (unknown)" in s.pieces for w in t5.words for s in w.segmentations)


def test_text_is_capped_with_a_notice_and_quoted_visibly():
    text, notice = cap_step_text("ab" * 150)
    assert len(text) == MAX_STEP_CHARS and "first 200 of 300 characters" in notice
    assert cap_step_text("short") == ("short", None)
    with pytest.raises(ValueError):
        walkthrough(_loaded("gpt2"), "x" * (MAX_STEP_CHARS + 1))
    assert quoted("a\x07b\n") == '"a\\u0007b\\n"'
    walk = walkthrough(_loaded("gpt2"), "<img src=x onerror=alert(1)>")
    assert walk.text_lines[0].startswith('pre-tokenize: ') and '"<"' in walk.text_lines[0]
    assert walk.nbytes > 1_000


def test_a_tokens_word_is_the_run_of_non_space_characters_around_it():
    text = "Hello tokenization world\n鸟" + "鸟" * 60
    assert word_around(text, 5, 11) == "tokenization"  # " token": the space is not part of the word
    assert word_around(text, 11, 18) == "tokenization"
    assert word_around(text, 18, 24) == "world" and word_around(text, 5, 6) == ""
    assert word_around(text, 30, 31) == "鸟"  # a run longer than LINK_WORD_CHARS: the token alone
    finder = WordFinder("x " * 3 + "end")
    assert [finder(i, i + 1) for i in range(0, 6, 2)] == ["x", "x", "x"] and finder(6, 9) == "end"
    assert LINK_WORD_CHARS < MAX_STEP_CHARS
    assert step_link("google/flan-t5-small", "naïve <b>") == "how?tok=google%2Fflan-t5-small&text=na%C3%AFve+%3Cb%3E"


def test_tokenizer_panels_carry_each_chips_word_and_the_link_escaped():
    require_hub("gpt2")
    from tokenlens.tokenization.html import panels_document
    from tokenlens.tokenization.tokens import tokenize_with

    document = panels_document(tokenize_with(["gpt2"], 'Hello tokenization <b x="1">'))
    assert 'data-how="how?tok=gpt2"' in document
    assert document.count('data-w="tokenization"') == 2  # " token" + "ization"
    assert 'data-w="&lt;b"' in document and 'data-w="x=&quot;1&quot;&gt;"' in document
    assert "<b x" not in document and document.count("<script>") == 1


def test_step_fields_read_a_link_safely():
    defaults = url_state.read(_Link(), STEP_FIELDS)
    assert defaults == {"tok": "gpt2", "text": "tokenization"}
    typed = url_state.read(_Link(tok=["Qwen/Qwen2.5-0.5B"], text=["naïve 🦙"]), STEP_FIELDS)
    assert typed == {"tok": "Qwen/Qwen2.5-0.5B", "text": "naïve 🦙"}
    assert url_state.read(_Link(tok=["<b>bad</b>"], text=["x" * 5_000]), STEP_FIELDS) == defaults


def test_the_pages_fields_put_the_part_first_and_never_clash():
    fields = workings_fields()
    params = [field.param for field in fields]
    assert fields[0] == PART_FIELD and PART_FIELD.choices == PARTS == ("step", "train", "vocab", "cost")
    assert len(params) == len(set(params)) and {"tok", "text"} <= set(params)
    prefixes = {"train_", "vocab_", "cost_"}
    assert all(p in ("part", "tok", "text") or any(p.startswith(x) for x in prefixes) for p in params)
    assert url_state.read(_Link(part=["vocab"]), fields)["part"] == "vocab"
    assert url_state.read(_Link(part=["nonsense"]), fields)["part"] == "step"
