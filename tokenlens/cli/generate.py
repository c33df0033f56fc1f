"""`python -m tokenlens generate`: the generation page's ids in and out, as text or JSON."""

from __future__ import annotations

from . import print_json, read_text_argument


def register(subparsers) -> None:
    parser = subparsers.add_parser("generate", help="generate text and show the ids going in and out")
    parser.add_argument("--model", "-m", default=None, metavar="ID",
                        help="causal LM hub id (default: Phi-3 with CUDA, else SmolLM2-135M-Instruct)")
    parser.add_argument("--max-new-tokens", "-n", type=int, default=32, metavar="N")
    parser.add_argument("--greedy", action="store_true", help="always take the most likely token")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=0, metavar="K",
                        help="also print each step's K most likely tokens and their probabilities")
    parser.add_argument("--chat", action="store_true", help="wrap the prompt in the model's chat template")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    parser.add_argument("prompt", metavar="PROMPT", help="the prompt, or - to read standard input")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..generation import GenerationSettings, generate, prepare_prompt
    from ..generation.models import default_model_id, load_model
    from ..generation.run import result_to_json

    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, greedy=args.greedy,
                                  temperature=args.temperature, top_p=args.top_p, seed=args.seed,
                                  top_k=args.top_k)
    loaded = load_model(args.model or default_model_id())
    prompt = prepare_prompt(loaded.tokenizer, read_text_argument(args.prompt), chat_template=args.chat,
                            context_length=loaded.context_length, max_new_tokens=settings.max_new_tokens)
    result = generate(loaded, prompt.ids, settings, queue=None)
    document = result_to_json(loaded, prompt, result, top_k=args.top_k)
    if args.json:
        print_json(document)
        return 0
    for notice in prompt.notices:
        print(f"note: {notice}")
    print(f"model: {loaded.hub_id} ({loaded.source.label}, {loaded.device})")
    print("prompt ids:   ", " ".join(map(str, document["prompt_ids"])))
    print("generated ids:", " ".join(map(str, document["generated_ids"])))
    print(f"text: {result.text}")
    for step in document.get("steps", []):
        alternatives = ", ".join(f"{a['piece']!r} {a['probability']:.3f}" for a in step["top"])
        print(f"  {step['id']:>7} {step['piece']!r:<16} {alternatives}")
    return 0
