"""`python -m bench.songs`: training, loading and query speed against plain gensim, in the same run.

Prints ratios (ours / gensim doing the same work), resident memory, and the held-out evaluation.
Options: --epochs N (default 5, the book's), --data DIR, --skip-training.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import median_time, use_shared_assets
from bench.common import rss_mib as rss_mb

use_shared_assets()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.songs", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--skip-training", action="store_true", help="time loading and queries only")
    args = parser.parse_args(argv)

    from gensim.models import KeyedVectors, Word2Vec

    from tokenlens.songs.data import load_dataset
    from tokenlens.songs.download import ensure_dataset
    from tokenlens.songs.evaluate import evaluate
    from tokenlens.songs.model import TrainSettings, load_cached, load_or_train, model_path, train
    from tokenlens.songs.recommend import recommend, similar

    print(f"resident memory at start: {rss_mb():.0f} MB")
    started = time.perf_counter()
    data = load_dataset(args.data or ensure_dataset().path)
    print(f"data: {len(data.playlists):,} playlists, {data.song_count:,} songs, "
          f"parsed in {time.perf_counter() - started:.2f} s; memory {rss_mb():.0f} MB; "
          f"held by the dataset {data.memory_bytes() / 2**20:.1f} MiB (what its cache kind counts)")
    settings = TrainSettings(epochs=args.epochs)

    if not args.skip_training:
        started = time.perf_counter()
        Word2Vec(data.playlists, vector_size=settings.vector_size, window=settings.window, negative=settings.negative,
                 min_count=settings.min_count, workers=settings.workers, epochs=settings.epochs, seed=settings.seed)
        raw = time.perf_counter() - started
        started = time.perf_counter()
        vectors = train(data, settings)
        ours = time.perf_counter() - started
        print(f"training ({settings.epochs} epochs): gensim alone {raw:.1f} s, TokenLens {ours:.1f} s "
              f"(progress callback + unit vectors) -> ratio {ours / raw:.2f}; memory {rss_mb():.0f} MB")
        from tokenlens.paths import atomic_write_bytes

        atomic_write_bytes(model_path(data, settings), vectors.to_bytes())
    vectors = load_or_train(data, settings)
    print(f"held by the trained vectors: {vectors.memory_bytes() / 2**20:.1f} MiB")

    with tempfile.TemporaryDirectory() as folder:
        kv_path = str(Path(folder) / "songs.kv")
        vectors.keyed_vectors().save(kv_path)
        ours_load = median_time(lambda: load_cached(data, settings), 5)
        gensim_load = median_time(lambda: KeyedVectors.load(kv_path), 5)
    print(f"loading saved vectors: TokenLens {ours_load * 1000:.0f} ms, gensim KeyedVectors.load "
          f"{gensim_load * 1000:.0f} ms -> ratio {ours_load / gensim_load:.2f}")

    kv = vectors.keyed_vectors()
    kv.most_similar("2172", topn=10)  # gensim fills its norms cache on first use; time the steady state
    ours_query = median_time(lambda: similar(vectors, [2172], 10), 200)
    gensim_query = median_time(lambda: kv.most_similar("2172", topn=10), 200)
    table_query = median_time(lambda: recommend(data, vectors, [2172], 10), 200)
    playlist_query = median_time(lambda: similar(vectors, [2172, 2849, 3094], 10), 200)
    gensim_playlist = median_time(lambda: kv.most_similar(["2172", "2849", "3094"], topn=10), 200)
    print(f"query, top 10 for 2172: TokenLens {ours_query * 1000:.2f} ms, gensim most_similar "
          f"{gensim_query * 1000:.2f} ms -> ratio {ours_query / gensim_query:.2f}; with title/artist/tags rows "
          f"{table_query * 1000:.2f} ms")
    print(f"query, a 3-song playlist: TokenLens {playlist_query * 1000:.2f} ms, gensim "
          f"{gensim_playlist * 1000:.2f} ms -> ratio {playlist_query / gensim_playlist:.2f}")
    print(f"resident memory: {rss_mb():.0f} MB")

    started = time.perf_counter()
    result = evaluate(data, settings, progress=lambda done, total, s: None)
    print(f"held-out evaluation ({result.cases:,} playlists, last song hidden, {result.songs_ranked:,} songs ranked; "
          f"{time.perf_counter() - started:.0f} s incl. training the held-out model unless cached):")
    for score in result.scores:
        print(f"  {score.method:<11} Hit@10 {score.hit_at_10:6.1%}   MRR {score.mrr:.4f}   "
              f"median rank {score.median_rank:,.0f}")
    print("  " + result.verdict())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
