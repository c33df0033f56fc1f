"""Song recommendations: word2vec trained on radio playlists, where a playlist is a sentence of songs."""

import time

import streamlit as st

from components import progress
from components.model_status import escape_markdown
from components.page_state import PageState
from components.songs_data import data_source_controls, load_playlists, settings_controls
from components.songs_sections import (about_data_and_model, quality_section, recommendation_list, song_map,
                                       song_picker, train_prompt)
from tokenlens.embeddings.projection import warm_umap_in_background
from tokenlens.songs.data import SongDataError
from tokenlens.songs.link import FIELDS, VIEWS
from tokenlens.songs.recommend import recommend

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
    data_choice = data_source_controls(state)
with settings_column.expander("word2vec settings (the book's by default)", expanded=False):
    settings = settings_controls(state)

loaded = load_playlists(data_choice)
if loaded is None:
    stop()
data, origin = loaded
data_line = f"{origin} · {data.summary()}"

vectors = progress.saved_song_vectors(data, settings)
if vectors is None:
    st.caption(data_line)
    train_prompt(data, settings)
    stop()

# --- choosing songs, then one of three views -----------------------------------------------------
seeds = song_picker(state, data, vectors)
view_column, option_column = st.columns([3, 2], vertical_alignment="bottom")
view = view_column.segmented_control("View", list(VIEWS), **state.bind("view"),
                                     format_func=VIEWS.get, required=True, label_visibility="collapsed")
try:
    started = time.perf_counter()
    rows = recommend(data, vectors, seeds, state["n"])
    query_ms = (time.perf_counter() - started) * 1000
except (SongDataError, ValueError) as err:
    st.warning(escape_markdown(str(err)), icon="🎧")
    about_data_and_model(data, data_line, vectors)
    stop()

if view == "list":
    recommendation_list(data, vectors, seeds, rows, query_ms)
elif view == "map":
    song_map(state, option_column, data, vectors, seeds, rows)
else:
    quality_section(data, settings)

about_data_and_model(data, data_line, vectors)
state.sync()
# UMAP's one-off compilation (13–40 s), once per server, in a thread started after the first screen is
# drawn: by the time someone picks UMAP on the map it is usually done.
warm_umap_in_background()
