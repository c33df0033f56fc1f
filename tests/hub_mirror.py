"""A Hugging Face mirror on localhost, serving real files from ../shared/hf-hub.

It speaks the part of the hub protocol that `hf_hub_download` uses (HEAD + GET on
/{repo}/resolve/{revision}/{file}, X-Repo-Commit, ETag, X-Error-Code), as mirrors such as the one the
book's notebook uses do. Tests point HF_ENDPOINT at it: the real download code runs, over real HTTP.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


class MirrorHandler(BaseHTTPRequestHandler):
    hub: Path
    gated: set[str] = set()
    aliases: dict[str, str] = {}  # repo id served -> repo id read from `hub` (many ids, real files)
    requests: list[str]

    def log_message(self, *args):  # keep test output quiet
        pass

    def _resolve(self):
        path = unquote(self.path.split("?")[0]).lstrip("/")
        if "/resolve/" not in path:
            return None, None, None
        repo, rest = path.split("/resolve/", 1)
        revision, filename = rest.split("/", 1)
        return repo, revision, filename

    def _error(self, status: int, code: str, message: str, commit: str | None = None):
        body = message.encode()
        self.send_response(status)
        if commit:  # the hub names the commit on a missing file, so caches can remember the absence
            self.send_header("X-Repo-Commit", commit)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self):
        self.requests.append(f"{self.command} {self.path}")
        repo, revision, filename = self._resolve()
        if repo is None:
            return self._error(404, "RepoNotFound", "not a resolve URL")
        if repo in self.gated:
            return self._error(401, "GatedRepo", f"Access to model {repo} is restricted.")
        folder = self.hub / f"models--{self.aliases.get(repo, repo).replace('/', '--')}"
        if not folder.is_dir():
            return self._error(404, "RepoNotFound", f"Repository {repo} not found")
        commit = (folder / "refs" / "main").read_text().strip()
        file = folder / "snapshots" / commit / filename
        if not file.is_file():
            return self._error(404, "EntryNotFound", f"{filename} does not exist", commit)
        data = file.read_bytes()
        self.send_response(200)
        self.send_header("X-Repo-Commit", commit)
        self.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(data)

    do_GET = _serve
    do_HEAD = _serve


@contextmanager
def hub_mirror(hub: Path, *, gated: set[str] = frozenset(), aliases: dict[str, str] | None = None):
    requests: list[str] = []
    handler = type("Handler", (MirrorHandler,), {"hub": hub, "gated": set(gated), "requests": requests,
                                                 "aliases": dict(aliases or {})})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def hub_layout_of(folder: Path, hub: Path, repo_id: str) -> Path:
    """Lay a model folder (a packaged copy) out as a hub repo under `hub`, by links: the mirror then
    serves its real files under `repo_id`. Returns the snapshot folder."""
    commit = hashlib.sha1(f"{repo_id} from {folder}".encode()).hexdigest()
    repo = hub / f"models--{repo_id.replace('/', '--')}"
    for file in (f for f in folder.rglob("*") if f.is_file()):
        link = repo / "snapshots" / commit / file.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(file)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit
