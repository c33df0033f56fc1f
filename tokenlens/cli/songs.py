"""`python -m tokenlens songs`: recommendations, search and the held-out evaluation on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from . import clean_argument, print_json, whole_number


def register(subparsers) -> None:
    parser = subparsers.add_parser("songs", help="word2vec song recommendations from radio playlists")
    commands = parser.add_subparsers(dest="songs_command", required=True)

    def common(sub):
        sub.add_argument("--data", type=Path, metavar="DIR",
                         help="folder with train.txt and song_hash.txt (default: the cache, downloaded on first use)")
        sub.add_argument("--epochs", type=whole_number(1), default=5, help="training epochs (the book: 5)")
        sub.add_argument("--json", action="store_true", help="one JSON document on standard output")
        sub.set_defaults(handler=run)

    recommend = commands.add_parser("recommend", help="songs played with the given song(s)")
    recommend.add_argument("song_ids", nargs="+", metavar="SONG_ID", help="one id, or several for a playlist")
    recommend.add_argument("--topn", type=whole_number(1), default=10)
    common(recommend)

    search = commands.add_parser("search", help="find song ids by title or artist")
    search.add_argument("query", help="words of the title or artist")
    search.add_argument("--limit", type=whole_number(1), default=20, help="at most this many songs")
    common(search)

    evaluate = commands.add_parser("evaluate", help="Hit@10 and MRR: word2vec vs popularity vs random")
    evaluate.add_argument("--sample", type=whole_number(1), default=1000, help="playlists whose last song is hidden")
    evaluate.add_argument("--seed", type=int, default=0)
    common(evaluate)


def _progress(done: int, total: int, seconds: float) -> None:
    print(f"training: epoch {done}/{total} ({seconds:.0f} s)", file=sys.stderr)


def _load(args):
    from ..songs.data import load_dataset
    from ..songs.download import ensure_dataset

    if args.data:
        return load_dataset(args.data)

    def report(name, done, total):
        if total and done == total:
            print(f"downloaded {name} ({total:,} bytes)", file=sys.stderr)

    folder = ensure_dataset(progress=report)
    if folder.note:
        print(f"note: {folder.note}", file=sys.stderr)
    return load_dataset(folder.path)


def run(args) -> int:
    from ..songs.model import TrainSettings, load_or_train
    from ..songs.recommend import recommend, search

    data = _load(args)
    settings = TrainSettings(epochs=args.epochs)
    if args.songs_command == "search":
        rows = [data.song(song) for song in search(data, clean_argument(args.query), args.limit)]
        if args.json:
            print_json(rows)
        for row in [] if args.json else rows:
            print(f"{row['id']:>6}  {row['title']} — {row['artist']}")
        return 0 if rows else 1
    if args.songs_command == "evaluate":
        from ..songs.evaluate import evaluate

        result = evaluate(data, settings, sample=args.sample, seed=args.seed, progress=_progress)
        if args.json:
            print_json(result.to_json())
            return 0
        print(f"{result.cases:,} held-out playlists, {result.songs_ranked:,} songs ranked each")
        for score in result.scores:
            print(f"  {score.method:<11} Hit@10 {score.hit_at_10:6.1%}   MRR {score.mrr:.4f}   "
                  f"median rank {score.median_rank:,.0f}")
        print(result.verdict())
        return 0
    vectors = load_or_train(data, settings, progress=_progress)
    rows = recommend(data, vectors, args.song_ids, args.topn)
    seeds = [data.song(int(song)) for song in args.song_ids]
    if args.json:
        print_json({"seeds": seeds, "recommendations": rows, "vectors": vectors.origin})
        return 0
    print("for: " + "; ".join(f"{s['title']} — {s['artist']} (#{s['id']})" for s in seeds))
    for row in rows:
        print(f"{row['rank']:>3}. {row['similarity']:.4f}  {row['title']} — {row['artist']} (#{row['id']})")
    return 0
