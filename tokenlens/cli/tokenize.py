"""`python -m tokenlens tokenize`: the tokenizer page's answers as text or JSON."""

from __future__ import annotations

import sys

from . import cap_text, print_json, read_text_argument, whole_number
from ..tokenization.presets import MAX_CHARS


def register(subparsers) -> None:
    parser = subparsers.add_parser("tokenize", help="tokenize a text with one or more tokenizers")
    parser.add_argument("--tokenizer", "-t", action="append", required=True, metavar="ID",
                        help="hub id (repeatable), e.g. gpt2, Xenova/gpt-4")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    parser.add_argument("--max-chars", type=whole_number(0), default=MAX_CHARS, metavar="N",
                        help=f"use the first N characters, as the page does (default {MAX_CHARS:,}; 0: all); "
                             'a cut is said on standard error and as "truncated" in the JSON')
    parser.add_argument("text", metavar="TEXT", help="the text, or - to read standard input")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..tokenization.presets import prepare_text
    from ..tokenization.tokens import result_to_json, tokenize_with

    text, truncated = cap_text(read_text_argument(args.text), args.max_chars)
    prepared = prepare_text(text, max_chars=len(text))  # already cut above; this names what is unusual
    for notice in prepared.notices:
        print(f"note: {notice}", file=sys.stderr)
    results = tokenize_with(args.tokenizer, prepared.text)
    if args.json:
        print_json([{**result_to_json(r), "truncated": truncated} for r in results])
    else:
        for result in results:
            print(f"== {result.hub_id}")
            if result.error:
                print(f"   unavailable: {result.error}")
                continue
            print(f"   source: {result.source.label}")
            for token in result.tokenized.tokens:
                print(f"   {token.id:>7}  {token.piece!r:<24} [{token.start}, {token.end})")
    return 1 if any(r.error for r in results) else 0
