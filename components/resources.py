"""Every cached resource of the app, in one place: the one cache layer, bounded by the bytes it holds.

The library memoises nothing; each kind of thing kept has one `SizedCache` here, created once per
server process through st.cache_resource and shared by every visitor. Pages call these functions
with domain objects and never build cache keys.

The budget: a Streamlit Community Cloud app gets 2.7 GB. The process itself (Python, Streamlit,
the libraries imported) takes about 0.5 GB; the caches below add up to memory_budget(), ~1.9 GB,
which leaves ~0.3 GB for the work of the runs under way. Each section's budgets are written for
those 2.7 GB; a server with more memory says so with TOKENLENS_MEMORY_GB (e.g. 16) and every
budget grows in proportion, so larger models and word-vector sets can be kept.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import streamlit as st

from tokenlens.assets import AssetUnavailable, model_bytes
from tokenlens.catalog import BOOK_TOKENIZERS, WORD_VECTORS
from tokenlens.embeddings.contextual import word_in_context as contextual_word_in_context
from tokenlens.embeddings.contextual import LoadedContextualModel, TokenVectors, load_contextual_model
from tokenlens.embeddings.contextual import token_vectors as contextual_token_vectors
from tokenlens.embeddings.projection import Projection, project
from tokenlens.embeddings.sentences import LoadedSentenceModel, encode, load_sentence_model
from tokenlens.embeddings.word_vectors import LoadedWordVectors, load_word_vectors, memory_needed
from tokenlens.embeddings.words import hover_neighbours as words_hover_neighbours
from tokenlens.generation.ids import IdsView, model_prompt_view, typed_prompt_view, view_bytes
from tokenlens.generation.models import (LoadedModel, ModelTokenizer, chat_by_default, load_model,
                                         load_model_tokenizer, tokenizer_bytes)
from tokenlens.generation.progress import LoadProgress, LoadsUnderWay
from tokenlens.generation.run import PreparedPrompt
from tokenlens.malloc import give_back, limit_arenas
from tokenlens.sized_cache import CacheStats, SizedCache
from tokenlens.songs.data import OPTIONAL_FILES, REQUIRED_FILES, SongData, load_dataset, load_dataset_files
from tokenlens.songs.download import DatasetFolder
from tokenlens.songs.model import SongVectors, TrainSettings, load_cached
from tokenlens.songs.song_map import map_points, points_bytes
from tokenlens.tokenization.html import panels_document
from tokenlens.tokenization.loading import LoadedTokenizer, load_tokenizer, tokenizer_nbytes
from tokenlens.tokenization.tokens import Tokenized, TokenizerResult, VocabularyFacts, tokenize, vocabulary_facts

MIB = 1024 * 1024
CLOUD_MEMORY_GB = 2.7  # what Streamlit Community Cloud gives an app
PROCESS_GB = 0.5  # Python, Streamlit and the libraries, before anything is loaded
_KINDS: dict[str, tuple[int, Callable]] = {}  # name -> (budget in bytes, size of one value)
limit_arenas()  # once per process, before most script threads exist: freed memory goes back (tokenlens/malloc.py)


def memory_scale() -> float:
    """How much larger than on Community Cloud the budgets are on this server (TOKENLENS_MEMORY_GB)."""
    try:
        server_gb = float(os.environ.get("TOKENLENS_MEMORY_GB", CLOUD_MEMORY_GB))
    except ValueError:
        server_gb = CLOUD_MEMORY_GB
    return max(server_gb - PROCESS_GB, 0.25) / (CLOUD_MEMORY_GB - PROCESS_GB)


def cache_kind(name: str, budget_bytes: int, size_of: Callable) -> Callable[[], SizedCache]:
    """Declare one kind of thing kept (its budget written for Community Cloud's 2.7 GB); returns
    the getter of its one cache in this process."""
    _KINDS[name] = (int(budget_bytes * memory_scale()), size_of)
    return lambda: _cache(name)


@st.cache_resource(show_spinner=False)
def _cache(name: str) -> SizedCache:
    budget, size_of = _KINDS[name]
    return SizedCache(name, budget, size_of, on_evict=give_back)


def memory_budget() -> int:
    """MEMORY_BUDGET: the sum of every kind's budget."""
    return sum(budget for budget, _ in _KINDS.values())


def cache_stats() -> list[CacheStats]:
    """What each cache holds now (the memory benchmark prints it)."""
    return [_cache(name).stats() for name in _KINDS]


# --- Tokenizers and tokenized texts -------------------------------------------------------------
# Budgets (MiB), from the ~1.9 GB all caches may hold (2.7 GB for the app, 0.5 GB for the process,
# ~0.3 GB for the runs under way: one worst-case run builds ~100 MB that it then drops):
#   tokenizers 256: the nine book tokenizers hold ~145 (tokenizer_nbytes: Qwen2.5 34, cl100k 23,
#     flan-t5 23, gpt2 12, ...), so ~10 more typed hub ids fit beside them.
#   tokenized texts 64: a worst-case 20,000-character text (CJK and emoji) through the nine is ~9.6
#     (Tokenized.nbytes), so six such texts; everyday texts are a few hundred KB.
#   panels 48: that text's panels document is 3 MB of UTF-8 (html.MAX_DRAWN_GROUPS chips a view;
#     kept encoded: as a str with emoji it is 4x that), so the last sixteen such documents are kept.
TOKENIZERS_BUDGET = 256 * MIB
TOKENIZED_BUDGET = 64 * MIB
PANELS_BUDGET = 48 * MIB
_tokenizers = cache_kind("tokenizers", TOKENIZERS_BUDGET, lambda loaded: tokenizer_nbytes(loaded.tokenizer))
_tokenized_texts = cache_kind("tokenized texts", TOKENIZED_BUDGET, lambda found: found.nbytes)
_token_panels = cache_kind("token panels", PANELS_BUDGET, len)
_book_availability = cache_kind("book tokenizers available", 4096, lambda ids: 64 * (len(ids) + 1))
_vocabulary_facts = cache_kind("tokenizer facts", MIB, lambda facts: 64 * (len(facts.special_ids) + 8))
TOKENIZER_KINDS = ("tokenizers", "tokenized texts", "token panels", "book tokenizers available", "tokenizer facts")


def _digest(text: str) -> bytes:
    """A text's key: 16 bytes instead of the text (keys are not counted in a cache's bytes)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def tokenizer(hub_id: str) -> LoadedTokenizer:
    """A tokenizer by hub id, loaded once per server; AssetUnavailable when it cannot be had."""
    hub_id = hub_id.strip()
    return _tokenizers().get(hub_id, lambda: load_tokenizer(hub_id))


def has_tokenizer(hub_id: str) -> bool:
    return hub_id.strip() in _tokenizers()


def tokenized(loaded: LoadedTokenizer, text: str) -> Tokenized:
    """A text's tokens (immutable: one copy serves every rerun and every visitor)."""
    def cut() -> Tokenized:
        facts: VocabularyFacts = _vocabulary_facts().get((loaded.hub_id, loaded.source),
                                                         lambda: vocabulary_facts(loaded.tokenizer))
        return tokenize(loaded, text, facts=facts)

    return _tokenized_texts().get((loaded.hub_id, loaded.source, _digest(text)), cut)


def token_panels(results: list[TokenizerResult], view: str, show_whitespace: bool, font_px: int) -> str:
    """The panels document of these results (see html.panels_document); kept as UTF-8 bytes."""
    shown = tuple((r.hub_id, r.source, _digest(r.tokenized.text)) for r in results if r.tokenized is not None)
    key = (shown, view, show_whitespace, font_px)
    document = _token_panels().get(key, lambda: panels_document(
        results, view=view, show_whitespace=show_whitespace, font_px=font_px).encode("utf-8", "surrogatepass"))
    return document.decode("utf-8", "surrogatepass")


def available_book_tokenizers() -> tuple[str, ...]:
    """The book's tokenizers this server can load (loading those not kept; see progress for a bar)."""
    def find() -> tuple[str, ...]:
        found = []
        for hub_id in BOOK_TOKENIZERS:
            try:
                tokenizer(hub_id)
            except AssetUnavailable:
                continue
            found.append(hub_id)
        return tuple(found)

    return _book_availability().get("book", find)


def knows_book_tokenizers() -> bool:
    return "book" in _book_availability()



# --- Embeddings: word vectors, sentence and contextual models, their results, projections ------
# Budgets (MiB), from the ~2.2 GB all caches may hold (2.7 GB for the app, 0.5 GB for the process;
# tokenizers and texts ~550): the embeddings keep ~760 MiB.
#   word vectors 200: GloVe 6B 50d is 117 (matrix 76, norms 1.5, word index 40), 100d 194; the 300d
#     sets (500+) and word2vec (3,400) load but cannot be kept on this server.
#   models 520: all-mpnet-base-v2 is 418 (parameters), deberta-v3-xsmall 270, MiniLM 87 (once as a
#     sentence model, once as a contextual one): either book model with a MiniLM beside it.
#   results 42: one entry is at most ~1.5 (512 tokens x 768 floats; 200 sentences x 768 floats).
EMBEDDING_MODEL_KINDS = {"sentence": load_sentence_model, "contextual": load_contextual_model}


def _word_vectors_bytes(loaded: LoadedWordVectors) -> int:
    kv = loaded.vectors
    words = kv.index_to_key
    index = sum(map(sys.getsizeof, words)) + sys.getsizeof(words) + sys.getsizeof(kv.key_to_index)
    return kv.vectors.nbytes + (kv.norms.nbytes if kv.norms is not None else 0) + index


def _token_vectors_bytes(result: TokenVectors) -> int:
    return result.vectors.nbytes + sum(len(token) + 64 for token in result.tokens)


def _found_bytes(found: list[tuple[str, np.ndarray]]) -> int:
    return sum(len(sentence) + vector.nbytes for sentence, vector in found)


_word_vectors = cache_kind("word vectors", 200 * MIB, _word_vectors_bytes)
_embedding_models = cache_kind("embedding models", 520 * MIB, model_bytes)  # a tokenizer's few MB uncounted
_sentence_embeddings = cache_kind("sentence embeddings", 16 * MIB, lambda array: array.nbytes)
_token_vectors = cache_kind("token vectors", 8 * MIB, _token_vectors_bytes)
_words_in_context = cache_kind("words in context", 8 * MIB, _found_bytes)
_hover_neighbours = cache_kind("hover neighbours", 2 * MIB, lambda lines: sum(len(line) + 64 for line in lines))
_projections = cache_kind("projections", 8 * MIB, lambda found: found.points.nbytes + len(found.notice))


def word_vectors(vectors_id: str) -> LoadedWordVectors:
    """A word-vector set; fetch_word_vectors first where it may need a download (with progress).

    A set larger than the word-vector budget is refused before it is read: kept it could not be,
    so every rerun would read gigabytes again (word2vec is 3.4 GB in memory)."""
    check_word_vectors_fit(vectors_id)
    return _word_vectors().get(vectors_id, lambda: load_word_vectors(vectors_id))


def kept_word_vectors(vectors_id: str) -> LoadedWordVectors | None:
    return _word_vectors().peek(vectors_id)


def check_word_vectors_fit(vectors_id: str) -> None:
    """AssetUnavailable("too-big") for a set this server could not keep (checked before a download)."""
    budget = _word_vectors().budget
    if vectors_id in WORD_VECTORS and memory_needed(vectors_id) > budget:
        raise AssetUnavailable(
            f"{WORD_VECTORS[vectors_id].name} needs about {memory_needed(vectors_id) / 2**30:.1f} GiB of memory "
            f"and this server keeps word vectors up to {budget / 2**30:.2f} GiB. On a server with more "
            "memory, set TOKENLENS_MEMORY_GB to its size.", kind="too-big")


def embedding_model(kind: str, model_id: str) -> LoadedSentenceModel | LoadedContextualModel:
    """A "sentence" or "contextual" model: the requested one, else the packaged stand-in it names."""
    return _embedding_models().get((kind, model_id), lambda: EMBEDDING_MODEL_KINDS[kind](model_id))


def kept_embedding_model(kind: str, model_id: str) -> LoadedSentenceModel | LoadedContextualModel | None:
    """The model kept for a request, without loading it (selectors name the model in use)."""
    return _embedding_models().peek((kind, model_id))


def sentence_embeddings(model_id: str, sentences: list[str]) -> np.ndarray:
    loaded = embedding_model("sentence", model_id)
    return _sentence_embeddings().get((loaded.id, tuple(sentences)), lambda: encode(loaded, list(sentences)))


def hover_neighbours(vectors_id: str, words: list[str]) -> list[str]:
    """A word set's hover lines: one pass over the vocabulary per word, so kept across reruns."""
    kv = word_vectors(vectors_id).vectors
    return _hover_neighbours().get((vectors_id, tuple(words)), lambda: words_hover_neighbours(kv, list(words)))


def token_vectors(model_id: str, text: str, layer: int) -> TokenVectors:
    """One forward pass, kept: every other widget of the section reruns the page."""
    loaded = embedding_model("contextual", model_id)
    return _token_vectors().get((loaded.id, text, layer), lambda: contextual_token_vectors(loaded, text, layer))


def word_in_context(model_id: str, sentences: list[str], word: str, layer: int) -> list[tuple[str, np.ndarray]]:
    """One forward pass per sentence, kept like token_vectors."""
    loaded = embedding_model("contextual", model_id)
    return _words_in_context().get((loaded.id, tuple(sentences), word, layer),
                                   lambda: contextual_word_in_context(loaded, list(sentences), word, layer))


def projection(matrix: np.ndarray, method: str, dims: int) -> Projection:
    """UMAP and t-SNE are kept per input (its SHA-1); PCA is cheaper than hashing its input."""
    if method == "PCA":
        return project(matrix, method, dims)
    rows = np.ascontiguousarray(matrix, dtype=np.float32)
    key = (hashlib.sha1(rows.data).hexdigest(), rows.shape, method, dims)
    return _projections().get(key, lambda: project(rows, method, dims))


# --- Songs: datasets, trained vectors, the map -------------------------------------------------
# Measured on the book's Yes.com data (memory_bytes, checked against tracemalloc in tests): the
# dataset 47.5 MB, its word2vec vectors 17.4 MB, a 2,500-song map 1.5 MB. Songs keep under 200 MB of
# the 2.2 GB left after the process: the book's data plus one more of its size (a folder or an
# upload), four trained settings, sixteen maps.
_song_datasets = cache_kind("songs.datasets", 100 * MIB, lambda data: data.memory_bytes())
_song_vectors = cache_kind("songs.vectors", 70 * MIB, lambda vectors: vectors.memory_bytes())
_song_maps = cache_kind("songs.maps", 24 * MIB, lambda song_map: points_bytes(song_map[0]))
RETRY_DOWNLOAD_AFTER_S = 600  # an offline server is not asked again for every new visitor


def song_dataset_from_folder(folder: Path) -> SongData:
    """The dataset in a folder; a file changed on disk is read again."""
    folder = Path(folder).expanduser()
    files = [folder / name for name in REQUIRED_FILES + OPTIONAL_FILES]
    versions = tuple((path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in files if path.is_file())
    return _song_datasets().get(("folder", str(folder), versions), lambda: load_dataset(folder))


def song_dataset_from_uploads(files: dict[str, bytes]) -> SongData:
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        digest.update(hashlib.sha256(name.encode()).digest() + hashlib.sha256(content).digest())
    return _song_datasets().get(("uploads", digest.hexdigest()), lambda: load_dataset_files(files))


class _NotTrained(Exception):
    """'No model yet' leaves the cache by raising: SizedCache never keeps a failure."""


def saved_song_vectors(data: SongData, settings: TrainSettings) -> SongVectors | None:
    """Vectors saved on disk for this data and these settings, or None when none are trained yet."""
    def load() -> SongVectors:
        vectors = load_cached(data, settings)
        if vectors is None:
            raise _NotTrained
        return vectors

    try:
        return _song_vectors().get((data.playlists_hash, settings), load)
    except _NotTrained:
        return None


def song_map(data: SongData, vectors: SongVectors, chosen: list[int], recommended: list[int],
             method: str) -> tuple[list[dict], float]:
    """The 2D map of 2,500 often-played songs plus these, and the seconds its projection took."""
    def load() -> tuple[list[dict], float]:
        started = time.perf_counter()
        points = map_points(data, vectors, chosen, recommended, sample=2500, method=method)
        return points, time.perf_counter() - started

    key = (data.playlists_hash, vectors.settings, tuple(chosen), tuple(recommended), method)
    return _song_maps().get(key, load)


@st.cache_resource(ttl=RETRY_DOWNLOAD_AFTER_S, show_spinner=False)
def _song_download_failures() -> dict[str, DatasetFolder]:
    """At most one entry: the shared-copy fallback of the book's download that failed lately."""
    return {}


def recent_song_download_failure() -> DatasetFolder | None:
    return _song_download_failures().get("book")


def remember_song_download_failure(folder: DatasetFolder) -> None:
    _song_download_failures()["book"] = folder


# --- Generation: models and their tokenizers -----------------------------------------------------
# Budgets (MiB), from the ~2.2 GB all caches may hold (2.7 GB for the app, 0.5 GB for the process;
# tokenizers and texts ~550, embeddings ~760, songs ~190): generation keeps ~584 MiB.
#   models 540: one CPU model, SmolLM2-135M in float32 (513 of parameters), with small ones (the
#     0.4 MB tiny GPT-2) beside it; SmolLM2-360M (1,380) loads but cannot be kept on this server.
#   tokenizers 40: a model's tokenizer is 8-12 (tokenizer_nbytes; Qwen2.5's 151k vocabulary 34): the
#     page's Phi-3 beside the chosen models'.
#   prompt views 4: a prompt's ids, each decoded alone: ~0.35 MB for a 2,000-token prompt.
_language_models = cache_kind("language models", 540 * MIB, model_bytes)
_model_tokenizers = cache_kind("model tokenizers", 40 * MIB, tokenizer_bytes)


def _prompt_view_bytes(found: tuple[PreparedPrompt | None, IdsView]) -> int:
    prompt, view = found
    return view_bytes(view) + (len(prompt.text) if prompt else 0)


_prompt_views = cache_kind("prompt views", 4 * MIB, _prompt_view_bytes)


@st.cache_resource(show_spinner=False)
def _model_loads() -> LoadsUnderWay:
    return LoadsUnderWay()


def model_tokenizer(hub_id: str) -> ModelTokenizer:
    """A causal LM's own tokenizer, without its weights; AssetUnavailable when it cannot be had."""
    hub_id = hub_id.strip()
    return _model_tokenizers().get(hub_id, lambda: load_model_tokenizer(hub_id))


def has_model_tokenizer(hub_id: str) -> bool:
    return hub_id.strip() in _model_tokenizers()


def chat_on_by_default(hub_id: str) -> bool:
    """Whether the chat-template switch starts on for a model (its tokenizer decides; see chat_by_default)."""
    try:
        tokenizer = model_tokenizer(hub_id) if hub_id.strip() else None
    except AssetUnavailable:
        tokenizer = None
    return chat_by_default(hub_id, tokenizer)


def language_model(hub_id: str, *, device: str | None = None, progress: LoadProgress | None = None) -> LoadedModel:
    """A causal LM, loaded once per server and device for every visitor, with the tokenizer the page
    shows. Whoever asks while it loads waits for that load and, with `progress`, watches its stages."""
    key = (hub_id.strip(), device or "")
    loads = _model_loads()
    running = progress or LoadProgress()

    def load() -> LoadedModel:
        with loads.running(key, running):
            return load_model(hub_id, device=device, progress=running, read_tokenizer=model_tokenizer)

    loaded = _language_models().get(key, load, on_wait=lambda: loads.relay(key, progress))
    if progress is not None and progress.fraction < 1.0:  # it waited for another visitor's load
        progress.done(loaded.ready_message)
    return loaded


def has_language_model(hub_id: str, *, device: str | None = None) -> bool:
    return (hub_id.strip(), device or "") in _language_models()


def model_prompt(tokenizer: ModelTokenizer, text: str, *, chat_template: bool,
                 max_new_tokens: int) -> tuple[PreparedPrompt, IdsView]:
    """What the model will read when Generate is pressed, and its ids as chips (model_prompt_view);
    ValueError for a prompt it cannot read."""
    key = ("model", tokenizer.hub_id, tokenizer.view.source, text, chat_template, max_new_tokens)
    return _prompt_views().get(key, lambda: model_prompt_view(tokenizer, text, chat_template=chat_template,
                                                              max_new_tokens=max_new_tokens))


def typed_prompt(loaded: LoadedTokenizer, text: str) -> IdsView:
    """A prompt as typed, read by a tokenizer alone (the book's Phi-3 beside the chosen model)."""
    key = ("typed", loaded.hub_id, loaded.source, text)
    return _prompt_views().get(key, lambda: (None, typed_prompt_view(loaded, text)))[1]


# --- How tokenizers work, part "cost": tokens per language ---------------------------------------
# One table is 29 languages x the tokenizers shown, two int64 arrays: ~5 KB for the nine book
# tokenizers (LanguageCosts.nbytes), so 1 MiB keeps every choice a class makes in an hour.
_language_costs = cache_kind("language costs", 1 * MIB, lambda costs: costs.nbytes)


def language_costs(loaded: list[LoadedTokenizer]):
    """Tokens per language for these tokenizers (tokenization.languages.LanguageCosts)."""
    from tokenlens.tokenization import languages  # reads the packaged sentences once

    key = tuple((one.hub_id, one.source) for one in loaded)
    return _language_costs().get(key, lambda: languages.language_costs(loaded))


# --- How tokenizers work, part "step": one text replayed step by step ---------------------------
# A walkthrough of 200 characters (walkthrough.MAX_STEP_CHARS) is 0.02-0.5 MB (Walkthrough.nbytes),
# so 8 MiB keeps the words of a lesson: a slider or word click reruns the page from here. The
# replay's tables (23-45 MiB for gpt2 and cl100k) are rebuilt for a new text instead of kept.
_walkthroughs = cache_kind("step walkthroughs", 8 * MIB, lambda walk: walk.nbytes)


def walkthrough(loaded: LoadedTokenizer, text: str):
    """`text` replayed by `loaded`, worded step by step (tokenization.walkthrough.Walkthrough)."""
    from tokenlens.tokenization.walkthrough import walkthrough as build

    return _walkthroughs().get((loaded.hub_id, loaded.source, _digest(text)), lambda: build(loaded, text))


# --- How tokenizers work, part "vocab": vocabularies side by side -------------------------------
# An analysis is a few numpy columns and two byte blobs (VocabularyAnalysis.nbytes): gpt2 1.9 MiB,
# cl100k 3.8, Qwen2.5 6.3, so 24 MiB keeps the nine book tokenizers' (~20). An overlap is a few
# hundred bytes. Qwen2.5's analysis takes seconds (151k entries encoded): it is worth keeping.
_vocabulary_analyses = cache_kind("vocabulary analyses", 24 * MIB, lambda analysis: analysis.nbytes)
_vocabulary_overlaps = cache_kind("vocabulary overlaps", 256 * 1024, lambda overlap: overlap.nbytes)


def vocabulary_analysis(loaded: LoadedTokenizer):
    """One tokenizer's vocabulary analysed (tokenization.vocabulary.VocabularyAnalysis)."""
    from tokenlens.tokenization.vocabulary import analyse_vocabulary

    return _vocabulary_analyses().get((loaded.hub_id, loaded.source), lambda: analyse_vocabulary(loaded))


def vocabulary_overlap(first: LoadedTokenizer, second: LoadedTokenizer):
    """The distinct surface strings two vocabularies share (tokenization.vocabulary.VocabularyOverlap)."""
    from tokenlens.tokenization.vocabulary import compare_vocabularies

    key = (first.hub_id, first.source, second.hub_id, second.source)
    return _vocabulary_overlaps().get(key, lambda: compare_vocabularies(vocabulary_analysis(first),
                                                                        vocabulary_analysis(second)))


# --- How tokenizers work, part "train": train a tokenizer in class ------------------------------
# A bundled corpus is kept as its strings: the help texts 0.5 MB, the standard library's code 4.9 MB
# (Corpus.nbytes), so 8 MiB keeps both. A trained tokenizer is ~1.3 MiB at 1,000 entries and 3.3 at
# 10,000 (TrainedTokenizer.nbytes, from tokenizer_nbytes), so 24 MiB keeps a lesson's dozen tries.
_training_corpora = cache_kind("training corpora", 8 * MIB, lambda corpus: corpus.nbytes)
_trained_tokenizers = cache_kind("trained tokenizers", 24 * MIB, lambda trained: trained.nbytes)


def training_corpus(key: str):
    """A bundled corpus (tokenization.training.bundled_corpus), read once per server."""
    from tokenlens.tokenization.training import bundled_corpus

    return _training_corpora().get(key, lambda: bundled_corpus(key))


def trained_tokenizer(corpus, algorithm: str, vocab_size: int, on_progress=None):
    """A tokenizer trained on a corpus (tokenization.training.train); `on_progress` is called only
    when it is trained in this run."""
    from tokenlens.tokenization.training import train

    return _trained_tokenizers().get((corpus.digest, algorithm, vocab_size),
                                     lambda: train(corpus, algorithm, vocab_size, on_progress=on_progress))


def has_trained_tokenizer(corpus, algorithm: str, vocab_size: int) -> bool:
    return (corpus.digest, algorithm, vocab_size) in _trained_tokenizers()
