"""Song recommendations from radio playlists: word2vec treats a playlist as a sentence of song ids.

data.py parses and validates the Yes.com files, download.py fetches them, model.py trains and caches,
recommend.py answers queries, evaluate.py measures quality, song_map.py draws the 2D map,
link.py holds what the page's link may carry.
"""

from .data import SongData, SongDataError, load_dataset, load_dataset_files

__all__ = ["SongData", "SongDataError", "load_dataset", "load_dataset_files"]
