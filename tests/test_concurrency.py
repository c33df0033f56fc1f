"""Eight sessions at once share one tokenizer object (as st.cache_resource does) and get their own answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import require_hub

from tokenlens import BOOK_TOKENIZERS, tokenize_with
from tokenlens.tokenization.html import render_tokens


def test_eight_sessions_get_unmixed_results():
    for hub_id in ("gpt2", "Xenova/gpt-4", "bert-base-uncased"):
        require_hub(hub_id)
    hub_ids = [h for h in BOOK_TOKENIZERS if h != "facebook/galactica-1.3b"]
    texts = [f"Session {n}: " + ("naïve café 🎵 " * (n + 1)) + "x" * (n * 37) for n in range(8)]
    expected = [[(r.hub_id, r.tokenized.ids if r.tokenized else r.error) for r in tokenize_with(hub_ids, t)]
                for t in texts]

    def session(n: int):
        answers = []
        for _ in range(5):
            results = tokenize_with(hub_ids, texts[n])
            for result in results:
                if result.tokenized:
                    render_tokens(result.tokenized)
            answers.append([(r.hub_id, r.tokenized.ids if r.tokenized else r.error) for r in results])
        return answers

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(session, range(8)))
    for n, answers in enumerate(outcomes):
        assert all(answer == expected[n] for answer in answers)
