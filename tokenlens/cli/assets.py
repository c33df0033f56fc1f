"""`python -m tokenlens assets`: the catalog, what is available where, and the classroom download."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import print_json


def register(subparsers) -> None:
    parser = subparsers.add_parser("assets", help="list the catalog; fill or check a classroom folder")
    parser.add_argument("action", nargs="?", choices=["list", "download"], default="list")
    parser.add_argument("--dir", type=Path, default=None,
                        help="classroom folder (default: $TOKENLENS_ASSETS); use it with TOKENLENS_ASSETS=DIR")
    parser.add_argument("--check", action="store_true", help="report what the folder holds; download nothing")
    parser.add_argument("--with-models", action="store_true", help="also model weights (hundreds of MB)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def _folder(args) -> Path | None:
    folder = args.dir or (Path(os.environ["TOKENLENS_ASSETS"]) if os.environ.get("TOKENLENS_ASSETS") else None)
    return folder.expanduser().resolve() if folder else None


def run(args) -> int:
    from .. import classroom

    folder = _folder(args)
    files = classroom.plan(with_models=args.with_models)
    if args.check or args.action == "download":
        if folder is None:
            print("error: give --dir DIR (or set TOKENLENS_ASSETS)", file=sys.stderr)
            return 2
        if args.check:
            report = classroom.check(folder, files)
            if args.json:
                print_json(report)
            else:
                for repo, states in report.items():
                    missing = [name for name, state in states.items() if state == "absent"]
                    print(f"{'ok ' if not missing else '-- '} {repo}" + (f"  missing: {', '.join(missing)}" if missing else ""))
            return 0 if all(s != "absent" for states in report.values() for s in states.values()) else 1

        def show(number, total, item, outcome):
            width = 30
            filled = int(width * number / total)
            print(f"[{'#' * filled}{'.' * (width - filled)}] {number}/{total} {item.repo_id}/{item.filename}: {outcome}",
                  flush=True)

        folder.mkdir(parents=True, exist_ok=True)
        outcomes = classroom.download(folder, files, progress=None if args.json else show)
        if args.json:
            print_json(outcomes)
        failed = [key for key, outcome in outcomes.items() if outcome.startswith(("failed", "gated", "repository"))]
        if not args.json:
            print(f"{len(outcomes) - len(failed)} of {len(outcomes)} done. Use it with: TOKENLENS_ASSETS={folder}")
        return 1 if failed else 0
    return _list(args)


def _list(args) -> int:
    from ..catalog import TOKENIZERS
    from ..assets import AssetUnavailable
    from ..tokenization.loading import load_tokenizer

    rows = []
    for hub_id, spec in TOKENIZERS.items():
        try:
            source = load_tokenizer(hub_id).source
            where, detail = source.kind, source.label
        except AssetUnavailable as err:
            where, detail = "unavailable", err.reason
        rows.append({"id": hub_id, "name": spec.name, "algorithm": spec.algorithm, "vocab_size": spec.vocab_size,
                     "available_from": where, "detail": detail,
                     "packaged": spec.packaged.pip_name if spec.packaged else None})
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['id']:<36} {row['algorithm']:<34} {row['available_from']:<12} {row['detail']}")
    return 0
