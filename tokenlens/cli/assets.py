"""`python -m tokenlens assets`: the catalog, what is available where, and the classroom download."""

from __future__ import annotations

import os
import sys
from collections import Counter
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

        folder.mkdir(parents=True, exist_ok=True)
        return _download(folder, files, as_json=args.json)
    return _list(args)


PROBE_TIMEOUT_S = 5.0  # an endpoint silent this long is taken as unreachable, not waited on per file
_FAILED = ("failed", "gated", "repository")


def hub_problem(timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """Why the hub cannot serve downloads now, or "" when it answers HTTP.

    A TCP connect is not enough: a server that accepts and never answers costs huggingface_hub
    ~25 s of retries per file, so one real request is made, with a short timeout."""
    import urllib.error
    import urllib.request

    from ..hub import endpoint, hub_reachable, offline

    if offline():
        return "HF_HUB_OFFLINE is set"
    if not hub_reachable(timeout_s=timeout_s):
        return f"the hub ({endpoint()}) cannot be reached"
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint() + "/api/models?limit=1", method="HEAD"),
                               timeout=timeout_s).close()
    except urllib.error.HTTPError:
        pass  # any status is an answer
    except (OSError, ValueError) as err:
        if isinstance(getattr(err, "reason", err), TimeoutError):
            return f"the hub ({endpoint()}) accepts connections but did not answer within {timeout_s:.0f} s"
        return f"the hub ({endpoint()}) could not be asked ({getattr(err, 'reason', err)})"
    return ""


def _download(folder: Path, files, *, as_json: bool) -> int:
    """Fetch the absent files one by one; give up at once (and at the first failure, if the hub then
    stops answering) instead of paying retries per file. Exit 1 when any file failed."""
    from .. import classroom

    report = classroom.check(folder, files)
    outcomes = {_key(item): report[item.repo_id][item.filename] for item in files}
    problem = hub_problem() if "absent" in outcomes.values() else ""
    for number, item in enumerate(files, start=1):
        key = _key(item)
        if outcomes[key] == "absent":
            if problem:
                outcomes[key] = f"failed: not tried: {problem}"
                continue
            outcomes[key] = classroom.download(folder, [item])[key]
            if outcomes[key].startswith("failed"):
                problem = hub_problem()  # a dead hub ends the run here, not after every file's retries
        if not as_json:
            _show(number, len(files), key, outcomes[key])
    if as_json:
        print_json(outcomes)
    return _summary(folder, outcomes, as_json)


def _key(item) -> str:
    return f"{item.repo_id}/{item.filename}"


def _show(number: int, total: int, key: str, outcome: str) -> None:
    width = 30
    filled = int(width * number / total)
    print(f"[{'#' * filled}{'.' * (width - filled)}] {number}/{total} {key}: {_first_line(outcome)}", flush=True)


def _first_line(outcome: str) -> str:
    return outcome.strip().splitlines()[0] if outcome.strip() else outcome


def _summary(folder: Path, outcomes: dict[str, str], as_json: bool) -> int:
    failed = {key: outcome for key, outcome in outcomes.items() if outcome.startswith(_FAILED)}
    counts = Counter(outcome for outcome in outcomes.values() if not outcome.startswith(_FAILED))
    done = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    if not failed:
        if not as_json:
            print(f"{len(outcomes)} of {len(outcomes)} ready ({done}). Use it with: TOKENLENS_ASSETS={folder}")
        return 0
    print(f"error: {len(failed)} of {len(outcomes)} files failed" + (f" ({done})" if done else "")
          + "; the classroom folder is incomplete:", file=sys.stderr)
    for key, outcome in failed.items():
        print(f"  {key}: {_first_line(outcome)}", file=sys.stderr)
    return 1


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
