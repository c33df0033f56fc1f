"""How tokenizers work, part "step": one word or short text cut step by step, as a class watches it."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from components import resources
from components.model_status import escape_markdown, unavailable
from components.page_state import PageState
from components.token_view import id_chips
from tokenlens.assets import AssetUnavailable
from tokenlens.catalog import TOKENIZERS
from tokenlens.hub import is_valid_repo_id
from tokenlens.tokenization.regex_guard import TokenizerFailed
from tokenlens.tokenization.walkthrough import (MAX_STEP_CHARS, Walkthrough, WordWalk, cap_step_text,
                                                quoted)

# Widgets of this part that stay out of the link: which word, which step (both depend on the text).
WORD_PILLS_KEY, WORD_SELECT_KEY = "how.step-word", "how.step-word-list"
FRAME_KEY, FRAME_OF_KEY = "how.step-frame", "how.step-frame-of"
PILLS_UP_TO = 12  # more words than this are picked from a list
SHOWN_LINES = 16  # the step list shows the last lines up to the current step
IDS_SHOWN = 40


def step_section(state: PageState) -> None:
    pick, typed = st.columns([2, 3])
    chosen = state["tok"]
    options = [*TOKENIZERS, *([chosen] if chosen not in TOKENIZERS else [])]
    pick.selectbox("Tokenizer", options, **state.bind("tok"), format_func=_tokenizer_name, accept_new_options=True,
                   help="A tokenizer of the book, or type any hub id (e.g. Qwen/Qwen2.5-1.5B).")
    typed.text_input("Word or short text", **state.bind("text"), placeholder="e.g. tokenization",
                     help=f"Up to {MAX_STEP_CHARS} characters: every step is listed.")
    text, notice = cap_step_text(state["text"])
    if notice:
        st.caption(f"ℹ️ {notice}")
    if not text:
        st.info("Type a word to see how it is cut.", icon="✍️")
        return
    hub_id = state["tok"].strip()
    if hub_id not in TOKENIZERS and not is_valid_repo_id(hub_id):
        st.caption(f"⚠️ **{escape_markdown(hub_id)}**: not a valid hub id")
        return
    try:
        with st.spinner("Loading the tokenizer and replaying its steps…"):
            walk = resources.walkthrough(resources.tokenizer(hub_id), text)
    except AssetUnavailable as err:
        unavailable(_tokenizer_name(hub_id), err.reason, err.kind)
        return
    except TokenizerFailed as err:  # a panic or a runaway regex in a typed tokenizer: said, page kept
        st.warning(escape_markdown(err.reason), icon="⚠️")
        return
    except ValueError as err:  # a model with no replay (WordLevel, ...): said as typed
        st.info(escape_markdown(str(err)), icon="ℹ️")
        return
    st.caption(walk.explainer)
    # Two columns, so the whole walkthrough fits the first screen: the tokens, the word and the step
    # control on the left; the steps themselves on the right, growing as the class steps through.
    left, right = st.columns([5, 7], gap="large")
    with left:
        _final_tokens(walk)
    if walk.words:
        _one_word(walk, left, right)


def _tokenizer_name(hub_id: str) -> str:
    spec = TOKENIZERS.get(hub_id)
    return f"{spec.name} · {hub_id}" if spec else hub_id


def _ids(ids: tuple[int, ...]) -> str:
    shown = " ".join(map(str, ids[:IDS_SHOWN]))
    return shown + (f" … ({len(ids)} ids)" if len(ids) > IDS_SHOWN else "")


def _final_tokens(walk: Walkthrough) -> None:
    count = len(walk.own_ids)
    st.markdown(f"**{count} token{'s' if count != 1 else ''}**, from the tokenizer itself")
    id_chips(list(zip(walk.own_ids, walk.own_pieces)))
    # The replay below is only worth watching if it reaches the tokenizer's own ids: say so, both shown.
    verdict = "✅ same ids:" if walk.matches else "❌ the replay differs:"
    equal = "=" if walk.matches else "≠"
    st.markdown(f"{verdict} tokenizer `{_ids(walk.own_ids)}` {equal} replay `{_ids(walk.replay_ids)}`")
    st.code("\n".join(walk.text_lines) or "the text goes to the model as it is", language=None, wrap_lines=True)


def _one_word(walk: Walkthrough, left, right) -> None:
    with left:
        index = _picked_word(walk)
    word = walk.words[index]
    if word.segmentations:
        _unigram_word(word, left, right)
    else:
        _steps(walk, index, word, left, right)


def _word_label(walk: Walkthrough, index: int) -> str:
    """The word as typed (quoted when a space or control character would not show)."""
    typed = walk.words[index].typed.strip()
    return typed if typed and typed.isprintable() else quoted(typed or walk.words[index].typed)


def _word_heading(word: WordWalk) -> str:
    """The word as the model sees it, and as typed where the two differ (byte-level BPE's Ġ alphabet)."""
    shown = escape_markdown(quoted(word.word))
    return shown if word.typed == word.word else f"{shown} (typed {escape_markdown(quoted(word.typed))})"


def _picked_word(walk: Walkthrough) -> int:
    count = len(walk.words)
    if count == 1:
        return 0
    key = WORD_PILLS_KEY if count <= PILLS_UP_TO else WORD_SELECT_KEY
    if st.session_state.get(key) not in range(count):  # a new text: its first word
        st.session_state[key] = 0
    if key == WORD_PILLS_KEY:  # pills read their labels as Markdown: a visitor's word is escaped
        st.pills("Word", range(count), key=key, required=True,
                 format_func=lambda i: escape_markdown(_word_label(walk, i)))
    else:
        st.selectbox("Word", range(count), key=key, format_func=lambda i: f"{i + 1}. {_word_label(walk, i)}")
    return st.session_state[key]


def _move_frame(delta: int, last: int) -> None:
    st.session_state[FRAME_KEY] = min(max(st.session_state.get(FRAME_KEY, 0) + delta, 0), last)


def _steps(walk: Walkthrough, index: int, word: WordWalk, left, right) -> None:
    """Back / next buttons and a slider over the word's steps; its pieces after the step shown."""
    frames = word.frames
    last = len(frames) - 1
    # A new word starts on its last step, so the whole list shows; Back (or the slider) replays it.
    signature = (walk.hub_id, walk.text, index)
    if st.session_state.get(FRAME_OF_KEY) != signature or st.session_state.get(FRAME_KEY, 0) > last:
        st.session_state[FRAME_KEY] = last
        st.session_state[FRAME_OF_KEY] = signature
    with left:
        at = st.session_state[FRAME_KEY]
        if last > 0:
            back, forward, heading = st.columns([1, 1, 1], vertical_alignment="center")
            back.button("Back", key="how.step-back", icon=":material/arrow_back:", on_click=_move_frame,
                        args=(-1, last), disabled=at == 0, width="stretch")
            forward.button("Next", key="how.step-next", icon=":material/arrow_forward:", icon_position="right",
                           on_click=_move_frame, args=(1, last), disabled=at == last, width="stretch")
            heading.markdown(f"**After step {at}**")
            st.slider("Step", 0, last, key=FRAME_KEY, label_visibility="collapsed")
        else:
            st.markdown("**The word**")
        current = frames[at]
        if current.symbols:
            id_chips(list(current.symbols))
        if current.rest:
            st.caption(f"Not cut yet: {escape_markdown(quoted(current.rest))}")
    with right:
        done = frames[:at + 1]
        lines = [*word.notes, *(f"  {frame.line}" for frame in done[:-1]), f"▶ {done[-1].line}"]
        hidden = len(lines) - SHOWN_LINES
        if hidden > 0:
            lines = [f"… {hidden} earlier steps", *lines[-SHOWN_LINES:]]
        st.markdown(f"**Steps in {_word_heading(word)}**: {at} of {last}")
        st.code("\n".join(lines), language=None, wrap_lines=True)


def _unigram_word(word: WordWalk, left, right) -> None:
    """Unigram has no steps: every cut is scored at once. The best against the next best few."""
    with right:
        st.markdown(f"**Best cuts of {_word_heading(word)}**")
        best = pd.DataFrame([{"cut": " | ".join(s.pieces), "score (log prob)": s.score,
                              "behind the best": s.behind_best,
                              "as likely as the best": f"1 in {math.exp(s.behind_best):,.0f}"
                              if s.behind_best else "best"}
                             for s in word.segmentations])
        st.dataframe(best, hide_index=True, width="stretch")
        if word.notes:
            st.code("\n".join(word.notes), language=None, wrap_lines=True)
    with left:
        st.markdown("**Vocabulary pieces inside the word**")
        st.code(" ".join(word.considered) or "none", language=None, wrap_lines=True)
