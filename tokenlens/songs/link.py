"""The song page's view in its link: data source, songs, view and the word2vec settings.

Pure data (no streamlit), so what a link may carry is tested directly.
"""

from __future__ import annotations

from ..catalog import BOOK_SONG_ID, BOOK_SONG_SEARCH
from ..url_state import Field
from .model import TrainSettings

SOURCES = {"download": "The book's dataset", "folder": "A folder on this server", "upload": "Upload files"}
MODES = {"one": "One song", "playlist": "A little playlist"}
VIEWS = {"list": "📋 Recommendations", "map": "🗺️ Map of the songs", "quality": "📏 How good is it?"}
# Measured for the map's 2,500 songs on the 2-core development server: PCA 0.2 s (6 s the first time,
# importing scikit-learn); UMAP 23–40 s while others were using the machine (9 s in issue 8's report),
# plus numba's one-off compilation (warmed in the background). The map's caption says what it took.
PROJECTIONS = {"pca": "PCA (fast)", "umap": "UMAP (slower: 10–40 s)"}
BOOK = TrainSettings()
SETTINGS = {  # URL parameter: (TrainSettings field, label, low, high)
    "dim": ("vector_size", "vector size", 2, 1024), "window": ("window", "window", 1, 200),
    "neg": ("negative", "negative samples", 0, 200), "min_count": ("min_count", "min count", 1, 1000),
    "epochs": ("epochs", "epochs", 1, 200)}
FIELDS = (
    Field("source", "download", choices=tuple(SOURCES)),
    Field("folder", "", max_chars=500),
    Field("mode", "one", choices=tuple(MODES)),
    Field("q", BOOK_SONG_SEARCH, max_chars=200),
    Field("song", BOOK_SONG_ID, "int", low=0, high=10_000_000),
    Field("playlist", [str(BOOK_SONG_ID)], "list", max_items=20, check=lambda ids: all(i.isdigit() for i in ids)),
    Field("n", 10, "int", low=1, high=50),
    Field("view", "list", choices=tuple(VIEWS)),
    Field("proj", "pca", choices=tuple(PROJECTIONS)),
    *(Field(param, getattr(BOOK, name), "int", low=low, high=high) for param, (name, _, low, high) in SETTINGS.items()),
)


def train_settings(view) -> TrainSettings:
    """The word2vec settings a view asks for (`view[param]` for each of SETTINGS)."""
    return TrainSettings(**{name: int(view[param]) for param, (name, *_) in SETTINGS.items()})


def changes_from_book(settings: TrainSettings) -> str:
    """'epochs 1, window 5': the settings that differ from the book's, as the page labels them."""
    return ", ".join(f"{text} {getattr(settings, name)}" for name, text, *_ in SETTINGS.values()
                     if getattr(settings, name) != getattr(BOOK, name))


def gensim_call(settings: TrainSettings) -> str:
    """The book's line of Python with these settings."""
    return (f"Word2Vec(playlists, vector_size={settings.vector_size}, window={settings.window}, "
            f"negative={settings.negative}, min_count={settings.min_count}, workers={settings.workers}, "
            f"epochs={settings.epochs})")
