""""How tokenizers work" page speed, as ratios against the raw `tokenizers` library in the same run.

    python -m bench.tokenizer_workings

(a) training: tokenization.training.train (worker thread, the corpus fed in pieces, progress polled
    every 0.1 s, the learned pieces read back) against a bare trainer fed the same documents whole;
(b) step by step: tokenization.replay.replay (tables built once, as the page keeps them) against
    tokenizer.encode on the same texts, for gpt2 and bert-base-uncased.
"""

from __future__ import annotations

from bench.common import paired, use_shared_assets

use_shared_assets()

TRAIN_SIZE = 1_000


def training_ratios(repeat: int = 3) -> list[tuple[str, str, float, float, float]]:
    from tokenlens.tokenization.training import ALGORITHMS, bundled_corpus, new_tokenizer, train, training_slice

    rows = []
    for corpus_key, algorithms in (("docs", ALGORITHMS), ("code", ("bpe", "wordpiece"))):
        corpus = bundled_corpus(corpus_key)
        for algorithm in algorithms:
            documents, _ = training_slice(corpus, algorithm)  # what both sides train on

            def ours() -> None:
                train(corpus, algorithm, TRAIN_SIZE, on_progress=lambda fraction, message: None)

            def raw() -> None:
                tokenizer, trainer = new_tokenizer(algorithm, TRAIN_SIZE)
                tokenizer.train_from_iterator(documents, trainer)

            rows.append((corpus_key, algorithm, *paired(ours, raw, repeat=repeat)))
    return rows


def replay_ratios(repeat: int = 5) -> list[tuple[str, int, float, float, float]]:
    from tokenlens.tokenization.loading import load_tokenizer
    from tokenlens.tokenization.presets import PRESETS
    from tokenlens.tokenization.replay import MAX_EXPLAIN_CHARS, ReplayTables, replay

    texts = [text[:MAX_EXPLAIN_CHARS] for text in PRESETS.values()]
    rows = []
    for hub_id in ("gpt2", "bert-base-uncased"):
        tokenizer = load_tokenizer(hub_id).tokenizer
        tables = ReplayTables(tokenizer)

        def ours() -> None:
            for text in texts:
                replay(tokenizer, text, tables=tables)

        def raw() -> None:
            for text in texts:
                tokenizer.encode(text, add_special_tokens=False)

        rows.append((hub_id, sum(map(len, texts)), *paired(ours, raw, repeat=repeat)))
    return rows


def main() -> None:
    for corpus, algorithm, ours, raw, ratio in training_ratios():
        print(f"train {algorithm:9} on {corpus:4}, {TRAIN_SIZE:,} entries: tokenlens {ours:.2f} s, "
              f"raw trainer {raw:.2f} s, ratio {ratio:.2f}x (target <= 1.1x)")
    for hub_id, chars, ours, raw, ratio in replay_ratios():
        print(f"replay vs encode, {hub_id}, {chars:,} chars of presets: replay {ours * 1000:.1f} ms, "
              f"encode {raw * 1000:.2f} ms, ratio {ratio:.0f}x (a replay records every step in Python)")


if __name__ == "__main__":
    main()
