"""How tokenizers work, part "train": train BPE, WordPiece or Unigram in class, see what it learned
first and how it cuts a sample beside GPT-2."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import resources
from components.model_status import escape_markdown, unavailable
from components.page_state import PageState
from components.progress import tokenizers_with_progress
from components.token_view import token_legend, token_panels
from tokenlens.tokenization.presets import prepare_text
from tokenlens.tokenization.tokens import TokenizerResult, tokenize_with
from tokenlens.tokenization.training import (ALGORITHM_DETAILS, ALGORITHM_NAMES, ALGORITHMS, CORPORA,
                                             MAX_PASTED_BYTES, VOCAB_MAX, VOCAB_MIN, VOCAB_STEP, Corpus,
                                             TrainedTokenizer, TrainingFailed, learned_rows, pasted_corpus)

COMPARED_WITH = "gpt2"
PASTED_KEY = "how.train_pasted"  # the pasted corpus stays out of the link: it can be megabytes
SAMPLE_MAX_CHARS = 2_000
_LEARNED_TITLES = {
    "bpe": ("First merges, in the order learned",
            "The trained model's merge list: each line joins two entries into a new one. Ġ is a space, "
            "Ċ a newline (byte-level spelling)."),
    "wordpiece": ("First pieces, in the order learned",
                  "The library's WordPiece trainer merges the most frequent pair, as BPE does, and numbers the "
                  "new pieces in that order. ## marks a piece inside a word; pairs seen equally often may "
                  "swap places between runs."),
    "unigram": ("Most probable pieces",
                "Unigram starts from many candidate pieces and prunes the least useful, so nothing is learned "
                "'first': these are the longer pieces with the highest log-probability. ▁ is a space."),
}


def _corpus_label(key: str) -> str:
    if key == "pasted":
        return f"Your own text (paste up to {MAX_PASTED_BYTES / 1e6:.0f} MB)"
    corpus = resources.training_corpus(key)
    what = "Python's help texts" if key == "docs" else "Python standard-library code"
    return f"{what} ({corpus.utf8_bytes() / 1e6:.1f} MB)"


def _chosen_corpus(state: PageState) -> Corpus | None:
    key = state["train_corpus"]
    if key != "pasted":
        return resources.training_corpus(key)
    pasted = st.text_area("Text to train on", key=PASTED_KEY, persist_state="session", height=110,
                          placeholder="Paste a text: a book chapter, code, another language… (not kept in the link)")
    corpus = pasted_corpus(pasted or "")
    if corpus.notice:
        st.caption(f"✂️ {corpus.notice}")
    return corpus if corpus.documents else None


def _train(corpus: Corpus, algorithm: str, vocab_size: int) -> TrainedTokenizer | None:
    """Trained once per server and choice; a bar shows the corpus being read while it trains."""
    bar = None

    def show(fraction: float, message: str) -> None:
        nonlocal bar
        bar = bar or st.progress(0.0)
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    try:
        return resources.trained_tokenizer(corpus, algorithm, vocab_size, on_progress=show)
    except TrainingFailed as err:
        st.warning(escape_markdown(str(err)), icon="⚠️")  # it may quote the pasted text
        return None
    finally:
        if bar is not None:
            bar.empty()


def _summary(corpus: Corpus, trained: TrainedTokenizer) -> str:
    rest = trained.entries - trained.alphabet_size
    if trained.algorithm == "unigram":
        parts = (f"{trained.alphabet_size:,} single characters and {rest:,} longer pieces, kept from many more "
                 "candidates")
    else:
        units = "bytes" if trained.algorithm == "bpe" else "characters and special tokens"
        parts = f"{trained.alphabet_size:,} {units} to start from and {rest:,} learned"
    if trained.entries < trained.vocab_size:
        parts += f" (fewer than the {trained.vocab_size:,} asked for: this text had nothing more to learn)"
    return (f"Trained on {escape_markdown(corpus.name)}, {trained.trained_chars:,} characters, in "
            f"{_seconds(trained.seconds)}. **{trained.entries:,} entries**: {parts}. "
            f"{_sentence(ALGORITHM_DETAILS[trained.algorithm])}.")


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _learned_table(trained: TrainedTokenizer) -> None:
    title, caption = _LEARNED_TITLES[trained.algorithm]
    st.markdown(f"**{title}**")
    if not trained.learned:
        st.caption("Nothing longer than one character: paste a longer text.")
        return
    table = pd.DataFrame(learned_rows(trained))
    st.dataframe(table, hide_index=True, width="stretch", height=min(360, 38 + 35 * len(table)),
                 column_config={"#": st.column_config.NumberColumn("#", width="small"),
                                "id": st.column_config.NumberColumn("id", width="small")})
    st.caption(caption)


def _cut_beside_gpt2(trained: TrainedTokenizer, state: PageState) -> None:
    st.text_input("Sample text", **state.bind("train_text"), max_chars=SAMPLE_MAX_CHARS,
                  placeholder="Type a sentence to cut with both tokenizers")
    prepared = prepare_text(state["train_text"], max_chars=SAMPLE_MAX_CHARS)
    for notice in prepared.notices:
        st.caption(f"ℹ️ {notice}")
    if not prepared.text:
        st.info("Type a sample text to see how each tokenizer cuts it.", icon="✍️")
        return
    loaded = trained.loaded
    results = [TokenizerResult(loaded.hub_id, resources.tokenized(loaded, prepared.text), None, loaded.source)]
    tokenizers_with_progress([COMPARED_WITH])
    results += tokenize_with([COMPARED_WITH], prepared.text, load=resources.tokenizer, cut=resources.tokenized)
    token_panels([result for result in results if result.tokenized is not None])
    for result in results:
        if result.error:
            unavailable("GPT-2", result.error, result.error_kind)
    token_legend()


def training_section(state: PageState) -> None:
    st.caption("A tokenizer's vocabulary is learned from text. Pick an algorithm, a corpus and a size, and the "
               "`tokenizers` library's own trainer learns one here, in seconds.")
    algorithm_column, corpus_column, size_column = st.columns([4, 4, 4])
    algorithm_column.segmented_control("Algorithm", ALGORITHMS, **state.bind("train_algo"), required=True,
                                       format_func=ALGORITHM_NAMES.get)
    corpus_column.selectbox("Corpus", CORPORA, **state.bind("train_corpus"), format_func=_corpus_label)
    size_column.slider("Vocabulary size", VOCAB_MIN, VOCAB_MAX, step=VOCAB_STEP, **state.bind("train_size"))

    corpus = _chosen_corpus(state)
    if corpus is None:
        st.info("Paste a text to train on, or pick a bundled corpus.", icon="📋")
        return
    trained = _train(corpus, state["train_algo"], state["train_size"])
    if trained is None:
        return
    st.caption(_summary(corpus, trained))
    if trained.notice:
        st.caption(f"ℹ️ {trained.notice}")
    learned_column, cut_column = st.columns([2, 3], gap="medium")
    with learned_column:
        _learned_table(trained)
    with cut_column:
        _cut_beside_gpt2(trained, state)
