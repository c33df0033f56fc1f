"""`python -m tokenlens explain`: why a tokenizer cuts a text the way it does, step by step."""

from __future__ import annotations

from . import print_json, read_text_argument


def register(subparsers) -> None:
    parser = subparsers.add_parser("explain", help="replay a tokenizer's merges / candidates / scores on a text")
    parser.add_argument("--tokenizer", "-t", required=True, metavar="ID", help="hub id, e.g. gpt2")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    parser.add_argument("text", metavar="TEXT", help="the text, or - to read standard input")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..tokenization.loading import load_tokenizer
    from ..tokenization.presets import prepare_text
    from ..tokenization.replay import explain

    prepared = prepare_text(read_text_argument(args.text))
    result = explain(load_tokenizer(args.tokenizer), prepared.text)
    if args.json:
        print_json(result.to_json())
        return 0
    for notice in prepared.notices:
        print(f"note: {notice}")
    print(f"== {result.tokenizer} ({result.algorithm})")
    for step in result.steps:
        where = f"word {step.word}" if step.word >= 0 else "text"
        print(f"   {step.stage:<18} {where:<8} {step.detail}")
    print(f"   ids: {list(result.ids)}")
    print(f"   pieces: {list(result.pieces)}")
    return 0
