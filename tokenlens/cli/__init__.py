"""`python -m tokenlens ...`: the library's answers on the command line.

Each domain module in this package defines `register(subparsers)`; adding a module to
COMMAND_MODULES is all it takes to add its subcommands.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from .text_input import cap_text, clean_argument, read_text_argument  # noqa: F401 (every command's one reader)

COMMAND_MODULES = ("tokenize", "explain", "assets", "embeddings", "songs", "generate")


def print_json(document) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def whole_number(minimum: int):
    """An argparse type: a whole number of at least `minimum`, refused with a clear message otherwise."""
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {value}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tokenlens", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"{__name__}.{name}":  # a domain not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ..assets import AssetUnavailable

    try:
        return int(args.handler(args) or 0)
    except AssetUnavailable as err:
        print(f"error: {err.reason}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0
