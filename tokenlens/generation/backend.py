"""A client for any OpenAI-compatible server (transformers serve, vLLM, TGI, Ollama), streaming by SSE.

For when a class outgrows one process; the in-process model stays the default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

import requests


class BackendError(Exception):
    """The endpoint is down, refused the request or answered something that is not the API."""


@dataclass(frozen=True)
class OpenAIBackend:
    base_url: str  # e.g. http://localhost:8000/v1
    model: str
    api_key: str = ""
    timeout_s: float = 30.0

    def _url(self, path: str) -> str:
        base = self.base_url.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise BackendError(f"{self.base_url!r} is not an http(s) URL, e.g. http://localhost:8000/v1")
        return base + ("" if base.endswith("/v1") else "/v1") + path

    def _post(self, path: str, body: dict, stream: bool) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self._url(path)
        try:
            response = requests.post(url, json=body, headers=headers, stream=stream, timeout=self.timeout_s)
        except requests.ConnectionError:
            raise BackendError(f"Nothing answers at {url}: is the server running?") from None
        except requests.Timeout:
            raise BackendError(f"{url} did not answer within {self.timeout_s:.0f} s.") from None
        except requests.RequestException as err:
            raise BackendError(f"The request to {url} failed: {err}") from None
        if response.status_code != 200:
            raise BackendError(f"{url} answered HTTP {response.status_code}: {response.text[:300]}")
        return response

    def _body(self, prompt: str, chat: bool, max_tokens: int, temperature: float, top_p: float,
              seed: int | None, stream: bool) -> tuple[str, dict]:
        body = {"model": self.model, "max_tokens": max_tokens, "temperature": temperature, "top_p": top_p,
                "stream": stream}
        if seed is not None:
            body["seed"] = seed
        if chat:
            body["messages"] = [{"role": "user", "content": prompt}]
            return "/chat/completions", body
        body["prompt"] = prompt
        return "/completions", body

    @staticmethod
    def _text_of(document: dict, chat: bool) -> str:
        try:
            choice = document["choices"][0]
            if chat:
                part = choice.get("delta") or choice.get("message") or {}
                return part.get("content") or ""
            return choice.get("text") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise BackendError(f"The answer is not an OpenAI-style completion: {str(document)[:200]}") from None

    def stream(self, prompt: str, *, chat: bool = False, max_tokens: int = 64, temperature: float = 0.0,
               top_p: float = 1.0, seed: int | None = None) -> Iterator[str]:
        """Text pieces as the server sends them (server-sent events)."""
        path, body = self._body(prompt, chat, max_tokens, temperature, top_p, seed, True)
        with self._post(path, body, stream=True) as response:
            events = 0
            try:
                for line in response.iter_lines(decode_unicode=True):
                    if not line or line.startswith(":"):
                        continue
                    if not line.startswith("data:"):
                        raise BackendError(f"The server did not stream server-sent events: {line[:200]!r}")
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        document = json.loads(data)
                    except json.JSONDecodeError:
                        raise BackendError(f"The server streamed something that is not JSON: {data[:200]!r}") from None
                    if isinstance(document, dict) and "error" in document:
                        raise BackendError(f"The server reported an error: {document['error']}")
                    events += 1
                    text = self._text_of(document, chat)
                    if text:
                        yield text
            except requests.RequestException as err:
                raise BackendError(f"The stream broke off: {err}") from None
            if events == 0:
                raise BackendError("The server closed the stream without sending a completion.")

    def complete(self, prompt: str, *, chat: bool = False, max_tokens: int = 64, temperature: float = 0.0,
                 top_p: float = 1.0, seed: int | None = None) -> str:
        """The whole completion in one answer (no streaming)."""
        path, body = self._body(prompt, chat, max_tokens, temperature, top_p, seed, False)
        response = self._post(path, body, stream=False)
        try:
            document = response.json()
        except ValueError:
            raise BackendError(f"The server answered something that is not JSON: {response.text[:200]!r}") from None
        if not isinstance(document, dict):
            raise BackendError(f"The answer is not an OpenAI-style completion: {str(document)[:200]}")
        return self._text_of(document, chat)
