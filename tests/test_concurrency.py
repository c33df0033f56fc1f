"""Eight sessions at once go through the server's caches: one shared tokenizer object per hub id,
and each session gets its own answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import streamlit as st
from conftest import require_hub

from components import resources
from tokenlens import tokenize_with
from tokenlens.tokenization.html import render_tokens

HUB_IDS = ["gpt2", "Xenova/gpt-4", "bert-base-uncased", "Qwen/Qwen2.5-1.5B"]


def test_eight_sessions_share_tokenizers_and_get_unmixed_results():
    for hub_id in HUB_IDS:
        require_hub(hub_id)
    st.cache_resource.clear()  # every session below races to load each tokenizer first
    texts = [f"Session {n}: " + ("naïve café 🎵 " * (n + 1)) + "x" * (n * 37) for n in range(8)]
    expected = [[(r.hub_id, r.tokenized.ids) for r in tokenize_with(HUB_IDS, t)] for t in texts]

    def session(n: int):
        answers, tokenizers = [], []
        for _ in range(5):
            results = tokenize_with(HUB_IDS, texts[n], load=resources.tokenizer, cut=resources.tokenized)
            for result in results:
                render_tokens(result.tokenized)
            answers.append([(r.hub_id, r.tokenized.ids) for r in results])
            tokenizers.append([resources.tokenizer(hub_id) for hub_id in HUB_IDS])
        return answers, tokenizers

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(session, range(8)))
    for n, (answers, _) in enumerate(outcomes):
        assert all(answer == expected[n] for answer in answers)
    for position in range(len(HUB_IDS)):
        assert len({id(tokenizers[position]) for _, runs in outcomes for tokenizers in runs}) == 1
    st.cache_resource.clear()
