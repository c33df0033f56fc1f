"""The song page's sections: training, choosing songs, the three views and the line about the model."""

from __future__ import annotations

import streamlit as st

from components import progress
from components.layout import is_projector, theme_type
from components.model_status import escape_markdown
from components.page_state import PageState
from components.songs_views import evaluation_view, recommendation_table, song_map_chart
from tokenlens.catalog import BOOK_SONG_ID
from tokenlens.embeddings.projection import warm_umap_in_background
from tokenlens.songs.coverage import vector_coverage
from tokenlens.songs.data import SongData
from tokenlens.songs.evaluate import evaluate, stored_evaluation
from tokenlens.songs.link import MODES, PROJECTIONS, changes_from_book
from tokenlens.songs.model import SongVectors, TrainSettings, load_or_train
from tokenlens.songs.recommend import best_match, label, search, song_in_data, songs_in_data


def train_prompt(data: SongData, settings: TrainSettings) -> None:
    """No model for these settings yet: say so, offer to train it, and offer the evaluation."""
    changed = changes_from_book(settings)
    st.info(f"No model is trained yet for this data with these settings"
            + (f" (changed from the book's: {changed})" if changed else "") + ". "
            f"Training reads every playlist {settings.epochs} times; with the book's 5 epochs it took about "
            "two minutes on our 2-core server. It is then saved, so it happens once.", icon="🏋️")
    if st.button("Train word2vec", type="primary", key="songs.train"):
        with progress.epoch_bar("Training word2vec") as update:
            load_or_train(data, settings, progress=update)
        st.rerun()
    with st.expander("How good would a model with these settings be?"):
        quality_section(data, settings)


def quality_section(data: SongData, settings: TrainSettings) -> None:
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
            with progress.epoch_bar("Training the held-out model") as update:
                evaluate(data, settings, progress=update)
            st.rerun()
        return
    st.success(result.verdict(), icon="📏")
    evaluation_view(result, projector=is_projector())


def song_picker(state: PageState, data: SongData, vectors: SongVectors) -> list[int]:
    """Mode, search, the song (or little playlist) and how many: the seeds of the recommendations."""
    def on_search() -> None:  # a new search picks its best match (the person searched to change the song)
        best = best_match(data, state["q"], vectors) if state["mode"] == "one" else None
        if best is not None:
            state.set("song", best)

    def on_mode() -> None:  # a new little playlist starts from the song in view
        if state["mode"] == "playlist" and state["playlist"] == [str(BOOK_SONG_ID)]:
            state.set("playlist", [str(state["song"])])

    mode_column, search_column, pick_column, count_column = st.columns([1.2, 1.9, 3.2, 1.7])
    mode = mode_column.radio("Recommend for", list(MODES), **state.bind("mode"),
                             format_func=MODES.get, on_change=on_mode)
    query = search_column.text_input("Find a song", **state.bind("q"), on_change=on_search,
                                     placeholder="title, artist or id",
                                     help="Every word must appear in the title or the artist, e.g. 'fade black' "
                                          "or 'beyonce'; or type a song id.")
    matches = search(data, query, limit=60, vectors=vectors)
    if query.strip() and not matches:
        search_column.caption(f"No song matches. Try fewer words, or an id from 0 to {data.song_count - 1:,}.")
    if mode == "one":
        song = song_in_data(data, state["song"], matches, BOOK_SONG_ID)  # a link's id this data lacks
        if song != state["song"]:
            state.set("song", song)
        seeds = [pick_column.selectbox("Song", list(dict.fromkeys([state["song"], *matches])),
                                       **state.bind("song"), format_func=lambda song: label(data, song),
                                       help=f"The book's example is #{BOOK_SONG_ID}, Fade To Black by Metallica.")]
    else:
        kept = songs_in_data(data, state["playlist"])
        if kept != state["playlist"]:
            state.set("playlist", kept)
        chosen = pick_column.multiselect("Your little playlist (search to add more)",
                                         list(dict.fromkeys([*kept, *(str(song) for song in matches)])),
                                         **state.bind("playlist"), format_func=lambda song: label(data, int(song)))
        seeds = [int(song) for song in chosen]
    count_column.slider("How many", 1, 50, **state.bind("n"), help="How many recommendations to show.")
    return seeds


def recommendation_list(data: SongData, vectors: SongVectors, seeds: list[int], rows: list[dict],
                        query_ms: float) -> None:
    chosen = "; ".join(f"**{escape_markdown(data.titles[s])}** by {escape_markdown(data.artists[s])}"
                       for s in seeds)
    st.markdown(f"Songs most often played around {chosen}:")
    recommendation_table(rows, projector=is_projector())
    target = "the song's vector" if len(seeds) == 1 else "the mean of the songs' vectors"
    st.caption(f"Cosine similarity to {target}; found among {len(vectors):,} song vectors in {query_ms:.1f} ms.")


def song_map(state: PageState, option_column, data: SongData, vectors: SongVectors, seeds: list[int],
             rows: list[dict]) -> None:
    """The projection choice (in `option_column`) and the map of the songs, coloured by genre."""
    warming = warm_umap_in_background()
    method = option_column.radio("Projection", list(PROJECTIONS), horizontal=True, **state.bind("proj"),
                                 format_func=PROJECTIONS.get)
    if method == "umap" and warming["status"] == "warming":
        st.caption("UMAP is compiling once for this server (13–40 s measured); this first map waits for it.")
    points, seconds = progress.song_map(data, vectors, seeds, [row["id"] for row in rows], method)
    song_map_chart(points, dark=theme_type() == "dark")
    dimensions = vectors.vectors.shape[1]
    st.caption(f"{len(points):,} songs (2,500 often-played ones plus yours) squashed from {dimensions} "
               f"dimensions onto a plane; {method.upper()} took {seconds:.1f} s for this map, which is kept for "
               "these songs. The colour is the genre most of the song's Last.fm tags point to; the red star is "
               "your song, the yellow diamonds its recommendations.")


def about_data_and_model(data: SongData, data_line: str, vectors: SongVectors) -> None:
    """Where the playlists came from, and why there are fewer vectors than songs (the true reason)."""
    coverage = vector_coverage(data, vectors)
    why_fewer = coverage.explanation(lambda song: f"{data.titles[song]} by {data.artists[song]}")
    st.caption(f"{data_line}  \n🧠 {len(vectors):,} song vectors of {vectors.vectors.shape[1]} numbers for "
               f"{data.song_count:,} songs, loaded from the disk cache (trained in {vectors.train_seconds:.0f} s)"
               + (f": {escape_markdown(why_fewer)}" if coverage.without_vector else "."))
