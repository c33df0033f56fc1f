"""The OpenAI-compatible backend client against a real `transformers serve` running the tiny GPT-2."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from browser import free_port, stop_process, wait_until_up

from conftest import require_hub
from tokenlens.generation import GenerationSettings, generate, prepare_prompt
from tokenlens.generation.backend import BackendError, OpenAIBackend
from tokenlens.generation.models import load_model

TINY = "sshleifer/tiny-gpt2"


@pytest.fixture(scope="module")
def served():
    """`transformers serve` (pip install "transformers[serving]") with the tiny model, on localhost."""
    require_hub(TINY)
    pytest.importorskip("fastapi", reason='transformers serve needs the "transformers[serving]" extra')
    cli = shutil.which("transformers", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("the transformers command is not installed")
    port = free_port()
    log = open(Path(__file__).parents[1] / "test-artifacts" / "transformers-serve.log", "w") \
        if (Path(__file__).parents[1] / "test-artifacts").is_dir() else subprocess.DEVNULL
    process = subprocess.Popen([cli, "serve", TINY, "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
                               stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(url + "/health", process, timeout_s=90, log_name="test-artifacts/transformers-serve.log")
        except RuntimeError as err:
            pytest.fail(str(err))
        yield url + "/v1"
    finally:
        stop_process(process)


def test_streamed_completion_equals_the_in_process_greedy_text(served):
    loaded = load_model(TINY)
    prompt = prepare_prompt(loaded.tokenizer, "Hello world", context_length=loaded.context_length, max_new_tokens=8)
    local = generate(loaded, prompt.ids, GenerationSettings(max_new_tokens=8), queue=None).text
    backend = OpenAIBackend(served, TINY)
    pieces = list(backend.stream("Hello world", max_tokens=8, temperature=0.0))
    assert len(pieces) >= 2  # it really streamed, piece by piece
    assert "".join(pieces) == local
    assert backend.complete("Hello world", max_tokens=8, temperature=0.0) == local


def test_an_endpoint_that_is_down():
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", TINY, timeout_s=3)
    with pytest.raises(BackendError, match="Nothing answers"):
        list(backend.stream("Hello"))
    with pytest.raises(BackendError, match="not an http"):
        list(OpenAIBackend("localhost:8000", TINY).stream("Hello"))


class _Garbage(http.server.BaseHTTPRequestHandler):
    """A real HTTP server that answers 200 with something that is not the API."""

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<html>a login page</html>" if "stream" not in self.path else b"data: {not json\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_endpoint_that_answers_garbage():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = OpenAIBackend(f"http://127.0.0.1:{server.server_port}/v1", TINY, timeout_s=5)
        with pytest.raises(BackendError, match="server-sent events|not JSON"):
            list(backend.stream("Hello"))
        with pytest.raises(BackendError, match="not JSON"):
            backend.complete("Hello")
    finally:
        server.shutdown()
