"""Song recommendations: word2vec trained on radio playlists, where a playlist is a sentence of songs."""

import time
from pathlib import Path

import streamlit as st

from components.songs_loaders import (cached_map_points, dataset_from_folder, dataset_from_uploads,
                                      fetch_default_dataset, saved_vectors)
from components.songs_views import evaluation_view, recommendation_table, song_map_chart
from tokenlens.hub import AssetUnavailable
from tokenlens.songs.data import BOOK_SONG_ID, OPTIONAL_FILES, REQUIRED_FILES, SongDataError
from tokenlens.songs.evaluate import evaluate, stored_evaluation
from tokenlens.songs.model import TrainSettings, load_or_train
from tokenlens.songs.recommend import label, recommend, search

st.title("🎵 Song recommendations")
st.caption("word2vec learns from radio playlists the way it learns from sentences: songs played near "
           "each other get nearby vectors. 11,088 real Yes.com playlists, the book's settings.")

# --- data ---------------------------------------------------------------------------------------
with st.expander("Playlist data", expanded=False):
    source = st.radio("Where from", ["download", "folder", "upload"], horizontal=True,
                      format_func={"download": "The book's dataset (downloaded once, then cached)",
                                   "folder": "A folder on this computer", "upload": "Upload files"}.get)
    folder_text, uploads = "", []
    if source == "folder":
        folder_text = st.text_input("Folder with train.txt and song_hash.txt", key="songs_folder_path")
    elif source == "upload":
        uploads = st.file_uploader("train.txt, song_hash.txt (tags.txt, tag_hash.txt optional)", type=["txt"],
                                   accept_multiple_files=True)
try:
    if source == "folder":
        if not folder_text.strip():
            st.info("Type the path of a folder holding train.txt and song_hash.txt.", icon="📁")
            st.stop()
        data = dataset_from_folder(str(Path(folder_text.strip()).expanduser()))
        st.caption(f"📁 Data from {folder_text.strip()}")
    elif source == "upload":
        files = {upload.name: upload.getvalue() for upload in uploads or []}
        if not files:
            st.info(f"Upload {' and '.join(REQUIRED_FILES)} (and {', '.join(OPTIONAL_FILES)} for genres).", icon="📤")
            st.stop()
        data = dataset_from_uploads(files)
        st.caption(f"📤 Data from {len(files)} uploaded file(s)")
    else:
        folder = fetch_default_dataset()
        if folder.note:
            st.warning(folder.note, icon="📦")
        data = dataset_from_folder(str(folder.path))
        st.caption(f"📦 Yes.com playlists ({folder.origin}: {folder.path})")
except (SongDataError, AssetUnavailable, OSError) as err:
    st.error(f"The playlist data could not be used: {getattr(err, 'reason', err)}", icon="🚫")
    st.stop()

tagged = sum(1 for tags in data.tags if tags)
st.caption(f"{len(data.playlists):,} playlists · {data.song_count:,} songs · "
           + (f"{tagged:,} songs with Last.fm tags" if data.tags else "no tags file, so no genres"))

# --- model --------------------------------------------------------------------------------------
with st.expander("word2vec settings (the book's by default)"):
    cols = st.columns(5)
    book = TrainSettings()
    settings = TrainSettings(
        vector_size=cols[0].number_input("vector size", 2, 1024, book.vector_size),
        window=cols[1].number_input("window", 1, 200, book.window),
        negative=cols[2].number_input("negative samples", 0, 200, book.negative),
        min_count=cols[3].number_input("min count", 1, 1000, book.min_count),
        epochs=cols[4].number_input("epochs", 1, 200, book.epochs, key="songs_epochs"),
    )
    st.code(f"Word2Vec(playlists, vector_size={settings.vector_size}, window={settings.window}, "
            f"negative={settings.negative}, min_count={settings.min_count}, workers={settings.workers}, "
            f"epochs={settings.epochs})", language="python")


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
        if st.button("Run the evaluation (trains a held-out model once)", key="songs_evaluate"):
            bar, update = epoch_bar("Training the held-out model")
            result = evaluate(data, settings, progress=update)
            bar.empty()
    if result is not None:
        st.success(result.verdict(), icon="📏")
        evaluation_view(result)


vectors = saved_vectors(data, settings)
if vectors is None:
    st.info("No model is trained yet for this data and these settings. Training reads every playlist "
            f"{settings.epochs} times and takes about a minute on a laptop; it is then saved, so "
            "it happens once.", icon="🏋️")
    if st.button("Train word2vec", type="primary", key="songs_train"):
        bar, update = epoch_bar("Training word2vec")
        load_or_train(data, settings, progress=update)
        bar.empty()
        st.rerun()
    with st.expander("How good would a model with these settings be?"):
        quality_section()
    st.stop()
st.caption(f"🧠 {len(vectors):,} song vectors of {vectors.vectors.shape[1]} numbers, loaded from the disk cache "
           f"(trained in {vectors.train_seconds:.0f} s).")

# --- songs --------------------------------------------------------------------------------------
mode_column, count_column = st.columns([2, 3])
mode = mode_column.radio("Recommend for", ["one", "playlist"], horizontal=True,
                         format_func={"one": "One song", "playlist": "A little playlist"}.get)
search_column, pick_column = st.columns([2, 3])
query = search_column.text_input("Find a song by title, artist or id", value="Metallica", key="songs_query",
                                 help="Every word must appear in the title or the artist, "
                                      "e.g. 'fade black' or 'beyonce'.")
matches = search(data, query, limit=60, vectors=vectors)
if query.strip() and not matches:
    st.warning(f"No song matches {query.strip()[:80]!r}. Try fewer words, or an id from 0 to "
               f"{data.song_count - 1:,}.", icon="🔎")
if mode == "one":
    options = matches or [BOOK_SONG_ID]
    if query.strip() == "Metallica" and BOOK_SONG_ID not in options:  # the page's opening example
        options = [BOOK_SONG_ID, *options]
    seeds = [pick_column.selectbox("Song", options, index=options.index(BOOK_SONG_ID) if BOOK_SONG_ID in options else 0,
                                   format_func=lambda song: label(data, song),
                                   help=f"The book's example is #{BOOK_SONG_ID}, Fade To Black by Metallica.")]
else:
    kept = st.session_state.get("songs_playlist", [BOOK_SONG_ID])
    options = list(dict.fromkeys([*kept, *matches]))
    seeds = pick_column.multiselect("Your little playlist (search to add more)", options, default=kept,
                                    format_func=lambda song: label(data, song), key="songs_playlist_widget")
    st.session_state["songs_playlist"] = seeds
topn = count_column.slider("How many recommendations", 1, 50, 10)

try:
    started = time.perf_counter()
    rows = recommend(data, vectors, seeds, topn)
    query_ms = (time.perf_counter() - started) * 1000
except (SongDataError, ValueError) as err:
    st.warning(str(err), icon="🎧")
    st.stop()

tab_list, tab_map, tab_quality = st.tabs(["Recommendations", "Map of the songs", "How good is it?"])
with tab_list:
    chosen_text = "; ".join(f"**{data.titles[s]}** by {data.artists[s]}" for s in seeds)
    st.markdown(f"Songs most often played around {chosen_text}:")
    recommendation_table(rows)
    target = "the song's vector" if len(seeds) == 1 else "the mean of the songs' vectors"
    st.caption(f"Cosine similarity to {target}; "
               f"found among {len(vectors):,} songs in {query_ms:.1f} ms.")

with tab_map:
    method = st.radio("Projection", ["pca", "umap"], horizontal=True, key="songs_projection",
                      format_func={"pca": "PCA (instant)", "umap": "UMAP (about half a minute)"}.get)
    with st.spinner("Projecting 32 dimensions onto 2…"):
        points = cached_map_points(data.playlists_hash, settings, tuple(seeds), tuple(row["id"] for row in rows),
                                   method, data, vectors)
    song_map_chart(points)
    st.caption("2,500 often-played songs plus yours, squashed from the vector space onto a plane; the colour "
               "is the genre most of the song's Last.fm tags point to. The red star is your song, yellow diamonds "
               "its recommendations.")

with tab_quality:
    quality_section()
