"""Embeddings bench: `python -m bench.embeddings`. Ratios against the raw libraries in the same run.

Reports: nearest neighbours vs gensim's most_similar, PCA vs scikit-learn (1k/5k/20k words),
UMAP's one-off compilation (separately), sentence encoding vs sentence-transformers' encode,
and resident memory with GloVe, the models and the tokenizer page's tokenizers loaded.
"""

from __future__ import annotations

import time

from bench.common import paired, use_shared_assets
from bench.common import rss_mib as rss_mb

use_shared_assets()


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def line(name: str, ours: float, raw: float, ratio: float, limit: str) -> None:
    print(f"{name:<44} ours {ours * 1000:9.2f} ms   raw {raw * 1000:9.2f} ms   ratio {ratio:5.2f}x  (target {limit})")


def main() -> None:
    from sklearn.decomposition import PCA

    from tokenlens.embeddings import projection, sentences, words
    from tokenlens.embeddings.contextual import load_contextual_model
    from tokenlens.embeddings.word_vectors import load_word_vectors

    print(f"start: RSS {rss_mb():.0f} MB")
    start = time.perf_counter()
    glove = load_word_vectors()
    kv = glove.vectors
    print(f"GloVe loaded in {time.perf_counter() - start:.2f} s ({glove.source.words}); RSS {rss_mb():.0f} MB")

    print("\n== nearest neighbours over 400k words")
    probe = ["king", "pig", "paris", "computer", "music"]
    ours, raw, ratio = paired(lambda: [words.neighbours(kv, w, 11) for w in probe],
                              lambda: [kv.most_similar([kv[w]], topn=11) for w in probe])
    line("neighbours(word, 11) x5 vs most_similar", ours, raw, ratio, "<= 1.2x")

    print("\n== projections (one BLAS thread for both)")
    from threadpoolctl import threadpool_limits

    limit = threadpool_limits(1)
    for n in (1_000, 5_000, 20_000):
        matrix = words.matrix_of(kv, kv.index_to_key[:n])

        ours, raw, ratio = paired(lambda m=matrix: projection.project(m, "PCA", 2),
                                  lambda m=matrix: PCA(n_components=2, random_state=0).fit_transform(m))
        line(f"PCA 2D of {n:,} words vs scikit-learn", ours, raw, ratio, "<= 1.2x")

    limit.restore_original_limits()
    warm = projection.warm_umap()
    print(f"\nUMAP one-off warm-up (import + numba compile, done in a background thread by the page): {warm:.1f} s")
    thousand = words.matrix_of(kv, kv.index_to_key[:1_000])
    from components import resources  # the page's cache of slow projections

    umap_s = best_of(lambda: resources.projection(thousand, "UMAP", 2), 1)
    print(f"UMAP 2D of 1,000 words after warm-up: {umap_s:.2f} s")
    hit = best_of(lambda: resources.projection(thousand, "UMAP", 2))
    print(f"UMAP 2D of the same 1,000 words again (cache hit): {hit * 1000:.2f} ms")

    print("\n== sentence encoding")
    model = sentences.load_sentence_model()
    print(f"model: {model.id} ({model.dims}-d){' — fallback: ' + model.fallback_reason[:80] if model.fallback_reason else ''}")
    batch = [f"{s} (variant {i})" for i in range(32) for s in sentences.EXAMPLE_SENTENCES]  # 256 sentences
    sentences.encode(model, batch[:8])  # first-call setup outside the timings
    ours, raw, ratio = paired(lambda: sentences.encode(model, batch),
                              lambda: model.model.encode(batch, batch_size=32, show_progress_bar=False), repeat=5)
    print(f"{'256 sentences':<44} ours {len(batch) / ours:7.1f}/s   raw {len(batch) / raw:7.1f}/s   "
          f"throughput ratio {raw / ours:5.2f}x  (target >= 0.9x)")
    print(f"RSS with GloVe + sentence model: {rss_mb():.0f} MB")

    contextual = load_contextual_model()
    print(f"RSS + contextual model ({contextual.id}): {rss_mb():.0f} MB")

    from tokenlens.catalog import BOOK_TOKENIZERS
    from tokenlens.tokenization.loading import load_tokenizer

    loaded = 0
    for hub_id in BOOK_TOKENIZERS:
        try:
            load_tokenizer(hub_id)
            loaded += 1
        except Exception:  # an absent tokenizer does not change the memory picture
            pass
    print(f"RSS + the tokenizer page's {loaded} tokenizers: {rss_mb():.0f} MB "
          f"(Streamlit Community Cloud limit: 2,700 MB; add ~150 MB for Streamlit itself)")


if __name__ == "__main__":
    main()
