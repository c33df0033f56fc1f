"""Downloading the dataset from a real HTTP server on localhost: whole, cut off halfway, and wrong."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import SHARED
from tokenlens.assets import AssetUnavailable
from tokenlens.songs.data import SongDataError, load_dataset
from tokenlens.songs.download import download_file, ensure_dataset

FOLDER = SHARED / "datasets" / "yes_complete" if SHARED else None
pytestmark = pytest.mark.skipif(not (FOLDER and (FOLDER / "train.txt").is_file()),
                                reason="../shared/datasets/yes_complete is absent")


class PlaylistServer:
    """Serves the real files; `behaviour[name]` is a list of what each next request gets."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.behaviour: dict[str, list[str]] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                server.requests.append((name, self.headers.get("Range")))
                plan = server.behaviour.get(name) or ["whole"]
                action = plan.pop(0) if len(plan) > 1 else plan[0]
                body = server.files.get(name)
                if body is None or action == "404":
                    self.send_error(404)
                    return
                if action == "garbage":
                    page = b"<html><body><h1>Service Unavailable</h1>" + b"x" * 5000 + b"</body></html>"
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                if action == "500":
                    self.send_error(500)
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng and action != "ignore-range":
                    start = int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                rest = body[start:]
                self.send_header("Content-Length", str(len(rest)))  # announces it all...
                self.end_headers()
                if action == "cut":  # ...then sends half and hangs up
                    self.wfile.write(rest[: len(rest) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(rest)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/yes_complete/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def real_files() -> dict[str, bytes]:
    return {name: (FOLDER / name).read_bytes() for name in ("train.txt", "song_hash.txt", "tags.txt", "tag_hash.txt")}


def test_whole_download_gives_the_books_dataset(tmp_path, real_files):
    seen = []
    with PlaylistServer(real_files) as server:
        folder = ensure_dataset(tmp_path / "yes", base_url=server.url, use_shared=False,
                                progress=lambda name, done, total: seen.append((name, done, total)))
    assert folder.origin == "downloaded"
    for name, content in real_files.items():
        assert (tmp_path / "yes" / name).read_bytes() == content
    data = load_dataset(folder.path)
    assert len(data.playlists) == 11_088 and data.song(2172)["title"] == "Fade To Black"
    assert ("train.txt", len(real_files["train.txt"]), len(real_files["train.txt"])) in seen
    assert not list((tmp_path / "yes").glob("*.part"))
    # A second call finds the cache and asks the server nothing.
    again = ensure_dataset(tmp_path / "yes", base_url="http://127.0.0.1:9/none/", use_shared=False)
    assert again.origin == "cache"


def test_cut_off_download_resumes_from_the_partial_file(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        server.behaviour["train.txt"] = ["cut", "whole"]
        path = download_file(server.url + "train.txt", tmp_path / "train.txt", backoff_s=0.01)
    assert path.read_bytes() == real_files["train.txt"]
    ranges = [rng for name, rng in server.requests if name == "train.txt"]
    assert ranges == [None, f"bytes={len(real_files['train.txt']) // 2}-"]


def test_two_workers_downloading_one_file_take_turns(tmp_path, real_files):
    """Two server processes (threads here: each opens its own lock) fetching one file at once: one
    downloads, the other waits and keeps the whole file, never a .part both appended to."""
    results, errors = [], []

    def fetch():
        try:
            results.append(download_file(server.url + "train.txt", tmp_path / "train.txt", backoff_s=0.01))
        except Exception as err:  # reported below, with the other worker's result
            errors.append(err)

    with PlaylistServer(real_files) as server:
        workers = [threading.Thread(target=fetch) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    assert not errors and len(results) == 2
    assert (tmp_path / "train.txt").read_bytes() == real_files["train.txt"]
    assert [name for name, _ in server.requests].count("train.txt") == 1  # the second found it whole
    assert not list(tmp_path.glob("*.part"))


def test_server_ignoring_range_restarts_cleanly(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        server.behaviour["song_hash.txt"] = ["cut", "ignore-range"]
        path = download_file(server.url + "song_hash.txt", tmp_path / "song_hash.txt", backoff_s=0.01)
    assert path.read_bytes() == real_files["song_hash.txt"]


def test_always_cut_off_fails_clearly_and_keeps_only_the_partial(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        server.behaviour["song_hash.txt"] = ["cut"]  # every request
        with pytest.raises(AssetUnavailable, match="after 3 tries") as err:
            download_file(server.url + "song_hash.txt", tmp_path / "song_hash.txt", retries=2, backoff_s=0.01)
    assert "connection closed" in err.value.reason
    assert not (tmp_path / "song_hash.txt").exists()  # never a half file under the real name
    assert len([r for r in server.requests if r[0] == "song_hash.txt"]) == 3


def test_garbage_is_refused_and_not_kept(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        server.behaviour["train.txt"] = ["garbage"]
        with pytest.raises(SongDataError, match=r"not the dataset's train\.txt.*line 1"):
            download_file(server.url + "train.txt", tmp_path / "train.txt", backoff_s=0.01)
    assert [path.name for path in tmp_path.iterdir()] == [".train.txt.lock"]  # only the (empty) lock stays


def test_server_errors_are_retried_then_succeed(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        server.behaviour["song_hash.txt"] = ["500", "500", "whole"]
        path = download_file(server.url + "song_hash.txt", tmp_path / "song_hash.txt", backoff_s=0.01)
    assert path.read_bytes() == real_files["song_hash.txt"]


def test_missing_file_is_not_retried(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        with pytest.raises(AssetUnavailable, match="HTTP 404"):
            download_file(server.url + "nothing.txt", tmp_path / "nothing.txt", backoff_s=0.01)
    assert len(server.requests) == 1


def test_failed_download_falls_back_to_the_shared_copy(tmp_path, real_files):
    with PlaylistServer(real_files) as server:
        server.behaviour["train.txt"] = ["garbage"]
        folder = ensure_dataset(tmp_path / "yes", base_url=server.url, backoff_s=0.01)
    assert folder.origin == "shared copy"
    assert Path(folder.path) == FOLDER
    assert "download failed" in folder.note
    assert not (tmp_path / "yes" / "train.txt").exists()
