"""`python -m tokenlens tokenize`: the tokenizer page's answers as text or JSON."""

from __future__ import annotations

from . import print_json, read_text_argument


def register(subparsers) -> None:
    parser = subparsers.add_parser("tokenize", help="tokenize a text with one or more tokenizers")
    parser.add_argument("--tokenizer", "-t", action="append", required=True, metavar="ID",
                        help="hub id (repeatable), e.g. gpt2, Xenova/gpt-4")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    parser.add_argument("text", metavar="TEXT", help="the text, or - to read standard input")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..tokenization.presets import prepare_text
    from ..tokenization.tokens import result_to_json, tokenize_with

    prepared = prepare_text(read_text_argument(args.text))
    results = tokenize_with(args.tokenizer, prepared.text)
    if args.json:
        print_json([result_to_json(r) for r in results])
    else:
        for notice in prepared.notices:
            print(f"note: {notice}")
        for result in results:
            print(f"== {result.hub_id}")
            if result.error:
                print(f"   unavailable: {result.error}")
                continue
            print(f"   source: {result.source.label}")
            for token in result.tokenized.tokens:
                print(f"   {token.id:>7}  {token.piece!r:<24} [{token.start}, {token.end})")
    return 1 if any(r.error for r in results) else 0
