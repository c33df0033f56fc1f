"""`python -m tokenlens explain`: why a tokenizer cuts a text the way it does, step by step."""

from __future__ import annotations

import sys

from . import cap_text, print_json, read_text_argument, whole_number
from ..tokenization.presets import MAX_CHARS


def register(subparsers) -> None:
    parser = subparsers.add_parser("explain", help="replay a tokenizer's merges / candidates / scores on a text")
    parser.add_argument("--tokenizer", "-t", required=True, metavar="ID", help="hub id, e.g. gpt2")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    parser.add_argument("--max-chars", type=whole_number(0), default=MAX_CHARS, metavar="N",
                        help=f"replay the first N characters (default {MAX_CHARS:,}; 0: all); "
                             'a cut is said on standard error and as "truncated" in the JSON')
    parser.add_argument("text", metavar="TEXT", help="the text, or - to read standard input")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..tokenization.loading import load_tokenizer
    from ..tokenization.presets import prepare_text
    from ..tokenization.replay import explain

    text, truncated = cap_text(read_text_argument(args.text), args.max_chars)
    prepared = prepare_text(text, max_chars=len(text))  # already cut above; this names what is unusual
    for notice in prepared.notices:
        print(f"note: {notice}", file=sys.stderr)
    result = explain(load_tokenizer(args.tokenizer), prepared.text)
    if args.json:
        print_json({**result.to_json(), "truncated": truncated})
        return 0
    print(f"== {result.tokenizer} ({result.algorithm})")
    for step in result.steps:
        where = f"word {step.word}" if step.word >= 0 else "text"
        print(f"   {step.stage:<18} {where:<8} {step.detail}")
    print(f"   ids: {list(result.ids)}")
    print(f"   pieces: {list(result.pieces)}")
    return 0
