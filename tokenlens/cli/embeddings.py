"""`python -m tokenlens neighbors|analogy|sentence|contextual`: the Embeddings page's answers."""

from __future__ import annotations

from . import clean_argument, print_json, read_text_argument, whole_number


def register(subparsers) -> None:
    from ..catalog import WORD_VECTORS

    neighbors = subparsers.add_parser("neighbors", help="a word's nearest neighbours in a word-vector set")
    neighbors.add_argument("word")
    neighbors.add_argument("--topn", type=whole_number(1), default=11, help="how many (the word itself comes first)")
    neighbors.add_argument("--vectors", default="glove-wiki-gigaword-50", choices=list(WORD_VECTORS))
    neighbors.add_argument("--json", action="store_true")
    neighbors.set_defaults(handler=run_neighbors)

    analogy = subparsers.add_parser("analogy", help="A - B + C, e.g. king man woman → queen")
    analogy.add_argument("a")
    analogy.add_argument("b")
    analogy.add_argument("c")
    analogy.add_argument("--topn", type=whole_number(1), default=5)
    analogy.add_argument("--vectors", default="glove-wiki-gigaword-50", choices=list(WORD_VECTORS))
    analogy.add_argument("--json", action="store_true")
    analogy.set_defaults(handler=run_analogy)

    sentence = subparsers.add_parser("sentence", help="sentence embeddings: shape and pairwise similarities")
    sentence.add_argument("sentences", nargs="+", metavar="SENTENCE", help="one or more sentences, or - for "
                          "standard input (one per line)")
    sentence.add_argument("--model", default="sentence-transformers/all-mpnet-base-v2")
    sentence.add_argument("--json", action="store_true")
    sentence.set_defaults(handler=run_sentence)

    contextual = subparsers.add_parser("contextual", help="contextual token vectors of a text: tokens and shape")
    contextual.add_argument("text", help="the text, or - to read standard input")
    contextual.add_argument("--model", default="microsoft/deberta-v3-xsmall")
    contextual.add_argument("--layer", type=int, default=None, help="0 = embedding layer; default: last")
    contextual.add_argument("--json", action="store_true")
    contextual.set_defaults(handler=run_contextual)


def _vectors(vectors_id: str):
    from ..embeddings.word_vectors import load_word_vectors

    return load_word_vectors(vectors_id)


def run_neighbors(args) -> int:
    from ..embeddings.words import neighbours

    loaded = _vectors(args.vectors)
    word = clean_argument(args.word)
    found = neighbours(loaded.vectors, word, args.topn)
    if args.json:
        print_json({"vectors": loaded.id, "source": loaded.source.label, "word": word,
                    "neighbors": [{"word": n.word, "similarity": n.similarity} for n in found]})
    else:
        print(f"source: {loaded.source.words}")
        for n in found:
            print(f"{n.similarity:8.4f}  {n.word}")
    return 0


def run_analogy(args) -> int:
    from ..embeddings.words import analogy

    loaded = _vectors(args.vectors)
    a, b, c = (clean_argument(w) for w in (args.a, args.b, args.c))
    found = analogy(loaded.vectors, a, b, c, args.topn)
    if args.json:
        print_json({"vectors": loaded.id, "source": loaded.source.label,
                    "query": f"{a} - {b} + {c}",
                    "answers": [{"word": n.word, "similarity": n.similarity} for n in found]})
    else:
        print(f"{a} - {b} + {c} ≈")
        for n in found:
            print(f"{n.similarity:8.4f}  {n.word}")
    return 0


def run_sentence(args) -> int:
    from ..embeddings.sentences import encode, load_sentence_model, prepare_sentences
    from ..embeddings.similarity import cosine_matrix

    raw = read_text_argument("-") if args.sentences == ["-"] else [clean_argument(s) for s in args.sentences]
    prepared = prepare_sentences(raw)
    if not prepared.sentences:
        raise ValueError("give at least one non-empty sentence")
    loaded = load_sentence_model(args.model)
    embeddings = encode(loaded, prepared.sentences)
    similarities = cosine_matrix(embeddings)
    document = {
        "requested_model": loaded.requested_id, "model": loaded.id, "source": loaded.source.label,
        "fallback_reason": loaded.fallback_reason, "notices": prepared.notices,
        "sentences": prepared.sentences, "shape": list(embeddings.shape[1:]),
        "similarities": [[round(float(v), 6) for v in row] for row in similarities],
    }
    if args.json:
        print_json(document)
    else:
        if loaded.fallback_reason:
            print(f"note: {loaded.requested_id} unavailable ({loaded.fallback_reason}); using {loaded.id}")
        print(f"model: {loaded.id} · each sentence → shape {tuple(embeddings.shape[1:])}")
        for i, sentence in enumerate(prepared.sentences):
            print(f"[{i}] {sentence}")
        for i, row in enumerate(similarities):
            print(f"[{i}] " + " ".join(f"{v:6.3f}" for v in row))
    return 0


def run_contextual(args) -> int:
    from ..embeddings.contextual import load_contextual_model, token_vectors

    loaded = load_contextual_model(args.model)
    result = token_vectors(loaded, read_text_argument(args.text), args.layer)
    document = {
        "requested_model": loaded.requested_id, "model": loaded.id, "source": loaded.source.label,
        "fallback_reason": loaded.fallback_reason, "layer": result.layer, "layers": loaded.layers,
        "tokens": result.tokens, "ids": result.ids, "shape": list(result.shape),
        "preview": [{"first3": [round(float(v), 4) for v in row[:3]],
                     "last3": [round(float(v), 4) for v in row[-3:]]} for row in result.vectors],
    }
    if args.json:
        print_json(document)
    else:
        if loaded.fallback_reason:
            print(f"note: {loaded.requested_id} unavailable ({loaded.fallback_reason}); using {loaded.id}")
        print(f"model: {loaded.id} · layer {result.layer}/{loaded.layers} · output shape {list(result.shape)}")
        for token, row in zip(result.tokens, document["preview"]):
            print(f"{token!r:>14}  {row['first3']} … {row['last3']}")
    return 0
