"""Song recommendations: word2vec trained on radio playlists, where a playlist is a sentence of songs."""

import time
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from components.layout import is_projector, theme_type
from components.model_status import escape_markdown, shorten_paths, unavailable
from components.page_state import PageState
from components.songs_loaders import (cached_map_points, dataset_from_folder, dataset_from_uploads,
                                      fetch_default_dataset, saved_vectors)
from components.songs_views import evaluation_view, recommendation_table, song_map_chart
from tokenlens.embeddings.projection import warm_umap_in_background
from tokenlens.assets import AssetUnavailable
from tokenlens.songs.coverage import vector_coverage
from tokenlens.catalog import BOOK_SONG_ID, BOOK_SONG_SEARCH
from tokenlens.songs.data import OPTIONAL_FILES, REQUIRED_FILES, SongDataError
from tokenlens.songs.data import SPEC as DATA_SPEC
from tokenlens.songs.evaluate import evaluate, stored_evaluation
from tokenlens.songs.model import TrainSettings, load_or_train
from tokenlens.songs.recommend import label, recommend, search
from tokenlens.url_state import Field

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
FIELDS = [
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
]
state = PageState("songs", FIELDS)


def stop() -> None:
    """End the run here, with the view written into the link first."""
    state.sync()
    st.stop()


st.title("🎵 Song recommendations")
st.caption("word2vec reads radio playlists as sentences of songs: songs played near each other get nearby "
           "vectors, and a song's nearest vectors are its recommendations.")

# --- data and model settings (folded: the book's by default) -------------------------------------
data_column, settings_column = st.columns(2)
with data_column.expander("Playlist data", expanded=False):
    source = st.radio("Where from", list(SOURCES), horizontal=True, **state.bind("source"),
                      format_func=SOURCES.get,
                      help="The book's dataset is downloaded once and cached; without internet the server's "
                           "local copy is used.")
    folder_text, uploads = "", []
    if source == "folder":
        folder_text = st.text_input("Folder with train.txt and song_hash.txt", **state.bind("folder"))
    elif source == "upload":
        uploads = st.file_uploader("train.txt, song_hash.txt (tags.txt, tag_hash.txt optional)", type=["txt"],
                                   accept_multiple_files=True, key="songs.uploads")
        st.caption("Uploaded files stay in this browser session: a copied link cannot carry them.")
    download_note = st.container()  # why the download failed, for whoever runs the server
with settings_column.expander("word2vec settings (the book's by default)", expanded=False):
    cells = st.columns(len(SETTINGS))
    for cell, (param, (_, text, low, high)) in zip(cells, SETTINGS.items()):
        cell.number_input(text, low, high, step=1, **state.bind(param))
    settings = TrainSettings(**{name: int(state[param]) for param, (name, *_) in SETTINGS.items()})
    st.code(f"Word2Vec(playlists, vector_size={settings.vector_size}, window={settings.window}, "
            f"negative={settings.negative}, min_count={settings.min_count}, workers={settings.workers}, "
            f"epochs={settings.epochs})", language="python")

try:
    if source == "folder":
        if not folder_text.strip():
            st.info("Type the path of a folder on this server holding train.txt and song_hash.txt.", icon="📁")
            stop()
        data = dataset_from_folder(str(Path(folder_text.strip()).expanduser()))
        data_origin = "📁 Playlists from the folder you named"
    elif source == "upload":
        files = {upload.name: upload.getvalue() for upload in uploads or []}
        if not files:
            st.info(f"Upload {' and '.join(REQUIRED_FILES)} (and {', '.join(OPTIONAL_FILES)} for genres).", icon="📤")
            stop()
        data = dataset_from_uploads(files)
        data_origin = f"📤 Playlists from {len(files)} uploaded file{'s' if len(files) > 1 else ''}"
    else:
        folder = fetch_default_dataset()
        if folder.failure:  # a quiet line below; the detail for whoever runs the server is in the expander
            download_note.caption("⚠️ The download is not available offline: the server's local copy of the same "
                                  "files is used instead.")
            download_note.text(shorten_paths(f"{folder.failure}\nFor the download, let this server reach "
                                             f"{urlsplit(DATA_SPEC.base_url).hostname}."))
        data = dataset_from_folder(str(folder.path))
        data_origin = {"shared copy": "📦 The book's Yes.com playlists, from the server's local copy (the "
                                      "download is not available offline: see Playlist data)",
                       "downloaded": "📦 The book's Yes.com playlists, downloaded just now",
                       }.get(folder.origin, "📦 The book's Yes.com playlists, downloaded earlier")
except AssetUnavailable as err:
    unavailable("The book's playlist data", err.reason, err.kind)
    st.info("Open **Playlist data** above to use a folder on this server or to upload the files.", icon="📁")
    stop()
except (SongDataError, OSError) as err:  # the message names the file and line; paths cut short
    st.error(f"The playlist data could not be used: {escape_markdown(shorten_paths(str(err)))}", icon="🚫")
    stop()

tagged = sum(1 for tags in data.tags if tags)
data_line = (f"{data_origin} · {len(data.playlists):,} playlists · {data.song_count:,} songs · "
             + (f"{tagged:,} with Last.fm tags" if data.tags else "no tags file, so no genres"))


def epoch_bar(text: str):
    bar = st.progress(0.0, text=text)

    def update(done: int, total: int, seconds: float) -> None:
        bar.progress(done / total, text=f"{text}: epoch {done} of {total} ({seconds:.0f} s)")

    return bar, update


def quality_section() -> None:
    """Hit@10 and MRR of a model trained with these settings, without the hidden songs."""
    st.markdown("Hide the **last song** of 1,000 playlists, train a separate model without them, then rank "
                "all songs from the 20 songs before it. Does the hidden song come up in the top 10 "
                "(**Hit@10**)? How high on average (**MRR**, mean of 1/rank)? Compared with always "
                "suggesting the most played songs (**popularity**) and with **random** picks.")
    result = stored_evaluation(data, settings)
    if result is None:
        # Once run, the stored result takes the button's place.
        if st.button("Run the evaluation (trains a held-out model once: about as long as training)",
                     key="songs.evaluate"):
            bar, update = epoch_bar("Training the held-out model")
            evaluate(data, settings, progress=update)
            bar.empty()
            st.rerun()
        return
    st.success(result.verdict(), icon="📏")
    evaluation_view(result, projector=is_projector())


vectors = saved_vectors(data, settings)
if vectors is None:
    st.caption(data_line)
    changed = ", ".join(f"{text} {state[param]}" for param, (name, text, *_) in SETTINGS.items()
                        if state[param] != getattr(BOOK, name))
    st.info(f"No model is trained yet for this data with these settings"
            + (f" (changed from the book's: {changed})" if changed else "") + ". "
            f"Training reads every playlist {settings.epochs} times; with the book's 5 epochs it took about "
            "two minutes on our 2-core server. It is then saved, so it happens once.", icon="🏋️")
    if st.button("Train word2vec", type="primary", key="songs.train"):
        bar, update = epoch_bar("Training word2vec")
        load_or_train(data, settings, progress=update)
        bar.empty()
        st.rerun()
    with st.expander("How good would a model with these settings be?"):
        quality_section()
    stop()


def about_data_and_model() -> None:
    """Where the playlists came from, and why there are fewer vectors than songs (the true reason)."""
    coverage = vector_coverage(data, vectors)
    why_fewer = coverage.explanation(lambda song: f"{data.titles[song]} by {data.artists[song]}")
    st.caption(f"{data_line}  \n🧠 {len(vectors):,} song vectors of {vectors.vectors.shape[1]} numbers for "
               f"{data.song_count:,} songs, loaded from the disk cache (trained in {vectors.train_seconds:.0f} s)"
               + (f": {escape_markdown(why_fewer)}" if coverage.without_vector else "."))


# --- choosing songs -----------------------------------------------------------------------------
def first_known(found: list[int]) -> int | None:
    return next((song for song in found if vectors.has(song)), found[0] if found else None)


def on_search() -> None:
    """A new search picks its best match (the person searched to change the song)."""
    if state["mode"] == "one":
        best = first_known(search(data, state["q"], limit=20, vectors=vectors))
        if best is not None:
            state.set("song", best)


def on_mode() -> None:
    """A new little playlist starts from the song in view."""
    if state["mode"] == "playlist" and state["playlist"] == [str(BOOK_SONG_ID)]:
        state.set("playlist", [str(state["song"])])


mode_column, search_column, pick_column, count_column = st.columns([1.2, 1.9, 3.2, 1.7])
mode = mode_column.radio("Recommend for", list(MODES), **state.bind("mode"),
                         format_func=MODES.get, on_change=on_mode)
query = search_column.text_input("Find a song", **state.bind("q"), on_change=on_search,
                                 placeholder="title, artist or id",
                                 help="Every word must appear in the title or the artist, e.g. 'fade black' or "
                                      "'beyonce'; or type a song id.")
matches = search(data, query, limit=60, vectors=vectors)
if query.strip() and not matches:
    search_column.caption(f"No song matches. Try fewer words, or an id from 0 to {data.song_count - 1:,}.")
if mode == "one":
    if not data.has_song(state["song"]):  # an id from a link that this data does not have
        state.set("song", first_known(matches) if matches else min(BOOK_SONG_ID, data.song_count - 1))
    seeds = [pick_column.selectbox("Song", list(dict.fromkeys([state["song"], *matches])), **state.bind("song"),
                                   format_func=lambda song: label(data, song),
                                   help=f"The book's example is #{BOOK_SONG_ID}, Fade To Black by Metallica.")]
else:
    kept = [song for song in state["playlist"] if str(song).isdigit() and data.has_song(int(song))]
    if kept != state["playlist"]:
        state.set("playlist", kept)
    chosen = pick_column.multiselect("Your little playlist (search to add more)",
                                     list(dict.fromkeys([*kept, *(str(song) for song in matches)])),
                                     **state.bind("playlist"),
                                     format_func=lambda song: label(data, int(song)))
    seeds = [int(song) for song in chosen]
topn = count_column.slider("How many", 1, 50, **state.bind("n"),
                          help="How many recommendations to show.")

view_column, option_column = st.columns([3, 2], vertical_alignment="bottom")
view = view_column.segmented_control("View", list(VIEWS), **state.bind("view"),
                                     format_func=VIEWS.get, required=True, label_visibility="collapsed")

try:
    started = time.perf_counter()
    rows = recommend(data, vectors, seeds, topn)
    query_ms = (time.perf_counter() - started) * 1000
except (SongDataError, ValueError) as err:
    st.warning(escape_markdown(str(err)), icon="🎧")
    about_data_and_model()
    stop()

if view == "list":
    chosen_text = "; ".join(f"**{escape_markdown(data.titles[s])}** by {escape_markdown(data.artists[s])}"
                            for s in seeds)
    st.markdown(f"Songs most often played around {chosen_text}:")
    recommendation_table(rows, projector=is_projector())
    target = "the song's vector" if len(seeds) == 1 else "the mean of the songs' vectors"
    st.caption(f"Cosine similarity to {target}; found among {len(vectors):,} song vectors in {query_ms:.1f} ms.")
elif view == "map":
    warming = warm_umap_in_background()
    method = option_column.radio("Projection", list(PROJECTIONS), horizontal=True, **state.bind("proj"),
                                 format_func=PROJECTIONS.get)
    if method == "umap" and warming["status"] == "warming":
        st.caption("UMAP is compiling once for this server (13–40 s measured); this first map waits for it.")
    with st.spinner(f"Projecting {vectors.vectors.shape[1]} dimensions onto 2…"):
        points, seconds = cached_map_points(data.playlists_hash, settings, tuple(seeds),
                                            tuple(row["id"] for row in rows), method, data, vectors)
    song_map_chart(points, dark=theme_type() == "dark")
    st.caption(f"{len(points):,} songs (2,500 often-played ones plus yours) squashed from {vectors.vectors.shape[1]} "
               f"dimensions onto a plane; {method.upper()} took {seconds:.1f} s for this map, which is kept for "
               "these songs. The colour is the genre most of the song's Last.fm tags point to; the red star is "
               "your song, the yellow diamonds its recommendations.")
else:
    quality_section()

about_data_and_model()
state.sync()
# UMAP's one-off compilation (13–40 s), once per server, in a thread started after the first screen is
# drawn: by the time someone picks UMAP on the map it is usually done.
warm_umap_in_background()
