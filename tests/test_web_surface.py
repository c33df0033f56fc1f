"""What a visitor can reach through the pages: no server path, no private address, no Markdown from a link.

Issue 10: a typed folder path read any server file, a typed endpoint POSTed anywhere and echoed the
reply, and a link's values could become links or images. Each test opens the real page (AppTest, with
a crafted link or session) or calls the real library over real sockets.
"""

from __future__ import annotations

import http.server
import re
import threading
import tracemalloc
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from conftest import SHARED
from tokenlens.generation.backend import (ALLOW_PRIVATE_ENV, ENDPOINTS_ENV, BackendError, EndpointRefused,
                                          OpenAIBackend, _session, checked_base_url, operator_endpoints)
from tokenlens.songs.data import SONGS_DIR_ENV, SongDataError, configured_folders, load_dataset_files

ROOT = Path(__file__).resolve().parents[1]
BOOK_DATA = SHARED / "datasets" / "yes_complete" if SHARED else None
needs_book_data = pytest.mark.skipif(not (BOOK_DATA and (BOOK_DATA / "train.txt").is_file()),
                                     reason="../shared/datasets/yes_complete is absent")
EVIL = "[click](https://evil.example) ![x](https://evil.example/x.png) <img src=https://evil.example/y.png>"
MARKDOWN_KINDS = ("markdown", "caption", "warning", "error", "info", "success", "toast")


def _page(name: str, params: dict | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=300)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    return app


def _run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _shown(app: AppTest) -> str:
    """Every string the page shows, whatever the element (to look for what must never be shown)."""
    kinds = (*MARKDOWN_KINDS, "text", "code", "exception")
    texts = [str(getattr(e, "value", "")) for kind in kinds for e in app.get(kind)]
    return "\n".join(texts + [e.label for e in app.expander])


# --- Songs: a folder is the operator's, an upload is bounded -------------------------------------------


def _small_playlists(folder: Path, secret: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.txt").write_text(f"{secret or '1'}\n1\n0 1 2\n2 1 0 3\n3 0\n")
    (folder / "song_hash.txt").write_text("0\tA\tX\n1\tB\tY\n2\tC\tZ\n3\tD\tW\n")
    return folder


def test_a_link_cannot_make_the_songs_page_read_a_server_path(tmp_path, monkeypatch):
    """Before: ?source=folder&folder=PATH read PATH, said whether it existed and quoted train.txt's first line."""
    monkeypatch.delenv(SONGS_DIR_ENV, raising=False)
    private = _small_playlists(tmp_path / "private", secret="TOP-SECRET-LINE")
    for path in (private, tmp_path / "nowhere", Path("/etc")):
        app = _run(_page("song_recommender", {"source": "folder", "folder": str(path)}))
        assert "folder" not in app.radio(key="songs.source").options  # no operator folder: no folder choice
        assert app.radio(key="songs.source").value == "download"
        assert not [w for w in app.text_input if w.key == "songs.folder"]  # no box to type a path
        shown = _shown(app)
        assert "TOP-SECRET" not in shown and "not a folder" not in shown and str(path) not in shown


def test_the_songs_page_offers_the_operators_folders_by_name(tmp_path, monkeypatch):
    operator = _small_playlists(tmp_path / "class-playlists")
    elsewhere = _small_playlists(tmp_path / "elsewhere", secret="TOP-SECRET-LINE")
    monkeypatch.setenv(SONGS_DIR_ENV, str(operator))
    app = _run(_page("song_recommender", {"source": "folder", "folder": str(elsewhere)}))
    picker = app.selectbox(key="songs.folder")
    assert picker.options == ["class-playlists"] and picker.value == "class-playlists"
    assert any("server's folder class\\-playlists" in c.value and "3 playlists" in c.value for c in app.caption)
    assert app.query_params["folder"] == "class-playlists"  # a name in the link, never a path
    assert str(tmp_path) not in _shown(app) and "TOP-SECRET" not in _shown(app)


def test_operator_folders_come_from_the_environment_and_a_list(tmp_path):
    first, second = tmp_path / "a" / "yes", tmp_path / "b" / "yes"
    folders = configured_folders(f"{first}:{first}", listed=[str(second), " "])
    assert folders == {"yes": first, "yes (2)": second}
    assert configured_folders("") == {}


def _memory_peak(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_upload_is_read_line_by_line_within_its_memory_bound():
    """Parsing holds the dataset it builds and one line at a time: no decoded copy, no list of lines.
    (Before, a 46 MB upload cost 576 MB.) A dataset over the bound is refused while it is read."""
    playlists = b"1\n1\n" + b"".join(b"%d %d %d %d\n" % (i % 500, (i * 7) % 500, (i * 13) % 500, i % 97)
                                     for i in range(60_000))
    songs = b"".join(b"%d\tTitle %d\tArtist %d\n" % (i, i, i) for i in range(500))
    files = {"train.txt": playlists, "song_hash.txt": songs}
    data, peak = _memory_peak(lambda: load_dataset_files(files))
    assert len(data.playlists) == 60_000
    # The parsed lists are the cost (about 4× these short lines); transients add at most a fifth.
    assert peak <= 1.2 * data.memory_bytes(), (peak, data.memory_bytes(), len(playlists))

    short = b"1\n1\n" + b"0 1\n" * 1_000_000  # 4 MB of the smallest playlists: 20× in memory
    with pytest.raises(SongDataError, match="more than 8 MiB"):
        _memory_peak(lambda: load_dataset_files({"train.txt": short, "song_hash.txt": songs},
                                                max_memory=8 * 2**20))
    _, peak = _memory_peak(lambda: pytest.raises(SongDataError, load_dataset_files,
                                                 {"train.txt": short, "song_hash.txt": songs}, max_memory=8 * 2**20))
    assert peak < 9 * 2**20, peak


def _too_big_upload_page():
    """A page that receives an upload over the limit from a client that skipped the browser's check."""
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    from components.songs_data import uploaded_files
    from tokenlens.songs.data import UPLOAD_FILE_LIMIT_MB

    big = UploadedFile(UploadedFileRec("1", "train.txt", "text/plain", b"0 1\n" * (UPLOAD_FILE_LIMIT_MB * 250_001)),
                       None)
    small = UploadedFile(UploadedFileRec("2", "song_hash.txt", "text/plain", b"0\tA\tB\n"), None)
    import streamlit as st

    st.session_state["result"] = uploaded_files([big, small])


def test_an_upload_over_the_limit_is_named_not_dropped():
    app = AppTest.from_function(_too_big_upload_page, default_timeout=60)
    _run(app)
    assert app.session_state["result"] is None
    assert [e.value for e in app.error] == ["train\\.txt is 25.0 MB: each file may be at most 25 MB."]


# --- Generation: endpoints are the operator's; a typed one is checked, its replies never quoted -----


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A real OpenAI-style server on localhost: counts requests; `/v1` streams, `/bad` answers 500."""

    requests: list[str] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).requests.append(self.path)
        if self.path.startswith("/bad"):
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"SECRET-INTERNAL-BODY stack trace")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ("Hello", " class"):
            self.wfile.write(b'data: {"choices": [{"delta": {"content": "%s"}}]}\n\n' % piece.encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args):
        pass


@pytest.fixture()
def local_server():
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.mark.parametrize("typed, reason", [
    ("http://llm.example.org/v1?x=", "query"), ("http://llm.example.org/#", "fragment"),
    ("http://user:pw@llm.example.org/v1", "user"), ("ftp://llm.example.org/v1", "Only http"),
    ("http://llm.example.org/admin/delete", "path is always"), ("llm.example.org:8000", "Only http"),
])
def test_a_typed_endpoint_must_name_a_server_only(typed, reason):
    with pytest.raises(EndpointRefused, match=reason):
        checked_base_url(typed)
    assert checked_base_url("HTTPS://LLM.example.org:8443/v1/") == "https://llm.example.org:8443"


def test_a_typed_endpoint_on_a_private_address_is_never_called(local_server, monkeypatch):
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    port = local_server.split(":")[1]
    for host in ("127.0.0.1", "localhost", "[::1]", "10.0.0.1", "169.254.169.254", "224.0.0.1", "0.0.0.0"):
        with pytest.raises(EndpointRefused, match="private network"):
            list(OpenAIBackend.typed(f"http://{host}:{port}/v1", "m", timeout_s=3).stream("Hi"))
    # The connection checks the address it opens too (a name that resolves elsewhere a moment later).
    with _session(public_only=True) as session, pytest.raises(Exception, match="private network"):
        session.post(f"http://{local_server}/v1/completions", json={}, timeout=3)
    assert _Recorder.requests == []
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")  # whoever runs the server allows its own network
    assert "".join(OpenAIBackend.typed(f"http://{local_server}/v1", "m").stream("Hi", chat=True)) == "Hello class"
    assert _Recorder.requests == ["/v1/chat/completions"]  # our path, whatever was typed


def test_error_replies_are_summarised_and_the_path_is_ours(local_server):
    with pytest.raises(BackendError) as refused:
        list(OpenAIBackend(f"http://{local_server}/bad", "m").stream("Hi"))
    assert str(refused.value) == f"{local_server} answered HTTP 500 (Internal Server Error), not a completion."
    assert "SECRET" not in str(refused.value)
    with pytest.raises(BackendError, match="query"):  # '?x=' once swallowed /v1/completions
        list(OpenAIBackend(f"http://{local_server}/bad?x=", "m").stream("Hi"))
    assert _Recorder.requests == ["/bad/v1/completions"]


def test_operator_endpoints_from_the_environment_and_secrets():
    found = operator_endpoints("class=http://10.0.0.5:8000/v1, https://llm.example.org/v1 notaurl",
                               listed=[{"name": "lab", "url": "http://gpu-box:8000/v1", "api_key": "k"}])
    assert [(e.name, e.base_url, e.api_key) for e in found] == [
        ("class", "http://10.0.0.5:8000/v1", ""), ("llm.example.org", "https://llm.example.org/v1", ""),
        ("lab", "http://gpu-box:8000/v1", "k")]


def test_generation_page_refuses_a_typed_loopback_endpoint(local_server, monkeypatch):
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    monkeypatch.delenv(ENDPOINTS_ENV, raising=False)
    app = _page("text_generation")
    app.session_state["generation.endpoint.on"] = True
    app.session_state["generation.endpoint.url"] = f"http://{local_server}/v1"
    _run(app)
    app.button(key="generation.start").click()
    _run(app)
    assert any("this server will not call it" in c.value for c in app.caption)
    assert any("private network" in t.value for t in app.text)
    assert _Recorder.requests == []
    app.text_input(key="generation.endpoint.url").set_value(f"http://{local_server}/v1?x=#")
    _run(app)
    assert any("may not carry" in c.value for c in app.caption)


def test_generation_page_offers_the_operators_endpoint(local_server, monkeypatch):
    monkeypatch.setenv(ENDPOINTS_ENV, f"classroom=http://{local_server}/v1")
    app = _page("text_generation")
    app.session_state["generation.endpoint.on"] = True
    _run(app)
    assert app.selectbox(key="generation.endpoint.choice").value == "classroom"
    assert local_server not in _shown(app)
    app.button(key="generation.start").click()
    _run(app)
    assert "Hello class" in [t.value for t in app.text]
    assert len(_Recorder.requests) == 1


# --- Every page: a link's values are shown as text, never as Markdown links or images ---------------

_MARKDOWN = MarkdownIt("commonmark")


def _links_and_images(markdown: str) -> list[str]:
    """What Streamlit's Markdown would make a link or an image of (GFM also links bare URLs)."""
    found = [token.type for block in _MARKDOWN.parse(markdown) for token in [block, *(block.children or [])]
             if token.type in ("link_open", "image", "html_inline", "html_block")]
    return found + re.findall(r"https?://|www\.", markdown)  # an escaped ':' or '.' breaks the autolink


def _markdown_shown(app: AppTest) -> list[str]:
    texts = [str(e.value) for kind in MARKDOWN_KINDS for e in app.get(kind)]
    texts += [e.label for e in app.expander]
    for table in app.table:  # st.table reads Markdown in its cells and headers
        texts += [str(cell) for cell in table.value.to_numpy().ravel()] + [str(c) for c in table.value.columns]
    return texts


def _every_param(fields) -> dict:
    return {field.param: [EVIL, "www.evil.example/x"] if field.kind == "list" else EVIL for field in fields}


def _sweep(page: str, params: dict) -> None:
    app = _run(_page(page, params))
    bad = [(text, kinds) for text in _markdown_shown(app) if (kinds := _links_and_images(text))]
    assert not bad, bad


def test_a_crafted_link_shows_no_link_or_image_on_the_tokenizer_page():
    from tokenlens.tokenization.link import view_fields

    _sweep("tokenizer_compare", {**_every_param(view_fields()), "tok": [EVIL, "www.evil.example/x", "gpt2"]})


def test_a_crafted_link_shows_no_link_or_image_on_the_generation_page():
    from tokenlens.generation.link import generation_fields

    _sweep("text_generation", {**_every_param(generation_fields(False)), "model": "other",
                               "hub": "www.evil.example/x"})


@pytest.mark.parametrize("section", ["words", "sentences", "contextual"])
def test_a_crafted_link_shows_no_link_or_image_on_the_embeddings_page(section):
    from tokenlens.embeddings.link import FIELDS, SECTIONS

    assert section in SECTIONS
    _sweep("embeddings_explorer", {**_every_param(FIELDS), "section": section})


def test_a_crafted_link_shows_no_link_or_image_on_the_songs_page(tmp_path, monkeypatch):
    from tokenlens.songs.link import FIELDS

    monkeypatch.setenv(SONGS_DIR_ENV, str(_small_playlists(tmp_path / "yes")))
    _sweep("song_recommender", {**_every_param(FIELDS), "source": "folder"})


@pytest.mark.parametrize("part", ["step", "train", "vocab", "cost"])
def test_a_crafted_link_shows_no_link_or_image_on_the_how_page(part):
    from tokenlens.tokenization.workings_link import workings_fields

    _sweep("tokenizer_workings", {**_every_param(workings_fields()), "part": part})
