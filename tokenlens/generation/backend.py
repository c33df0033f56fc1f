"""A client for any OpenAI-compatible server (transformers serve, vLLM, TGI, Ollama), streaming by SSE.

For when a class outgrows one process; the in-process model stays the default. Endpoints are the
operator's (TOKENLENS_GENERATION_ENDPOINTS, st.secrets); one a visitor types is `checked`: http(s) only,
the path ours, public addresses only (TOKENLENS_ALLOW_PRIVATE_ENDPOINTS=1 lifts that), and no reply is
ever quoted back, only summarised.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

ENDPOINTS_ENV = "TOKENLENS_GENERATION_ENDPOINTS"  # "name=https://host/v1 http://other:8000/v1", space- or comma-separated
ALLOW_PRIVATE_ENV = "TOKENLENS_ALLOW_PRIVATE_ENDPOINTS"  # "1": typed endpoints may be on this machine or its network
TYPED_BASE_PATHS = ("", "/", "/v1", "/v1/")  # a typed endpoint names a server, not a path on it


class BackendError(Exception):
    """The endpoint is down, refused the request or answered something that is not the API."""


class EndpointRefused(BackendError):
    """A typed endpoint that this server will not call (its form, or where it points)."""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint the operator offers: the name visitors see, its base URL and key (never shown)."""

    name: str
    base_url: str
    api_key: str = ""


def private_allowed() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes")


def operator_endpoints(env_value: str | None = None, listed: Iterable = ()) -> list[Endpoint]:
    """The operator's endpoints: from TOKENLENS_GENERATION_ENDPOINTS (`env_value` when given; entries
    `URL` or `name=URL`) and a list from st.secrets (strings the same way, or tables with url, name,
    api_key). Entries that are not http(s) URLs are left out."""
    raw = os.environ.get(ENDPOINTS_ENV, "") if env_value is None else env_value
    entries = [part for part in re.split(r"[,\s]+", raw) if part] + list(listed)
    endpoints = []
    for entry in entries:
        if isinstance(entry, str):
            name, _, url = entry.rpartition("=") if "=" in entry.split("://")[0] else ("", "", entry)
            entry = {"name": name, "url": url}
        try:
            url = str(entry.get("url", "")).strip()
            parts = urlsplit(url)
        except (AttributeError, ValueError):
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            endpoints.append(Endpoint(str(entry.get("name") or parts.hostname), url, str(entry.get("api_key") or "")))
    return endpoints


def checked_base_url(typed: str) -> str:
    """A visitor's endpoint as `scheme://host[:port]`: http(s), a host, no user, query or fragment, and
    no path but /v1 (ours is appended). Raises EndpointRefused saying what is wrong."""
    text = typed.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise EndpointRefused("That is not a URL, e.g. https://llm.example.org/v1") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointRefused("Only http:// and https:// addresses, e.g. https://llm.example.org/v1")
    if parts.username or parts.password or parts.query or parts.fragment or "?" in text or "#" in text:
        raise EndpointRefused("The address may not carry a user, a ?query or a #fragment.")
    if parts.path not in TYPED_BASE_PATHS:
        raise EndpointRefused("Give the server only (e.g. https://llm.example.org/v1): the path is always "
                              "/v1/chat/completions or /v1/completions.")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback)


def public_addresses(host: str, port: int) -> list[str]:
    """The host's addresses, when every one is public; EndpointRefused otherwise (private, loopback,
    link-local, multicast, reserved) or when it does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EndpointRefused(f"{host} could not be looked up.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses or not all(map(_is_public, addresses)):
        raise EndpointRefused(f"{host} is on this machine or a private network: this server calls only public "
                              f"addresses (whoever runs it can allow others with {ALLOW_PRIVATE_ENV}=1).")
    return addresses


class _PublicOnly:
    """Connects only to a checked public address, the one it then talks to (a name that resolves
    differently a moment later cannot turn the request inwards); TLS still checks the host's name."""

    def _new_conn(self):
        name = self._dns_host
        try:
            address = public_addresses(name, self.port)[0]
        except EndpointRefused as err:
            raise NewConnectionError(self, str(err)) from None
        self._dns_host = address  # only the socket's connect reads it; `host` (TLS, Host header) comes back
        try:
            return super()._new_conn()
        finally:
            self._dns_host = name


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def _session(public_only: bool) -> requests.Session:
    session = requests.Session()
    if public_only:
        session.trust_env = False  # no proxy from the environment: the address checked is the one called
        session.mount("http://", _PublicAdapter())
        session.mount("https://", _PublicAdapter())
    return session


def _status_words(code: int) -> str:
    try:
        return f"HTTP {code} ({HTTPStatus(code).phrase})"
    except ValueError:
        return f"HTTP {code}"


@dataclass(frozen=True)
class OpenAIBackend:
    base_url: str  # e.g. http://localhost:8000/v1
    model: str
    api_key: str = ""
    timeout_s: float = 30.0
    checked: bool = False  # a visitor's endpoint: public addresses only (unless the operator allows others)

    @classmethod
    def typed(cls, url: str, model: str, *, timeout_s: float = 30.0) -> "OpenAIBackend":
        """A backend for an endpoint a visitor typed: its form checked now, its address on every call."""
        return cls(checked_base_url(url), model, timeout_s=timeout_s, checked=True)

    @property
    def host(self) -> str:
        """The server's name, for messages (never the key or the path)."""
        return urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url

    def _url(self, path: str) -> str:
        """The base (no query or fragment: those would swallow our path) with /v1 and `path` appended."""
        parts = urlsplit(self.base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BackendError(f"{self.base_url!r} is not an http(s) URL, e.g. http://localhost:8000/v1")
        if parts.query or parts.fragment or "?" in self.base_url or "#" in self.base_url:
            raise BackendError("An endpoint's address may not carry a ?query or a #fragment.")
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        return base + ("" if base.endswith("/v1") else "/v1") + path

    @contextmanager
    def _posted(self, path: str, body: dict, stream: bool) -> Iterator[requests.Response]:
        """The answer to one POST, its connection closed when the block ends."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self._url(path)
        checked = self.checked and not private_allowed()
        if checked:  # refused with a clear reason before anything is sent; the connection checks again
            parts = urlsplit(url)
            public_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        with _session(checked) as session:
            try:
                response = session.post(url, json=body, headers=headers, stream=stream, timeout=self.timeout_s,
                                         allow_redirects=False)  # a redirect could point anywhere
            except requests.ConnectionError:
                raise BackendError(f"Nothing answers at {self.host}: is the server running?") from None
            except requests.Timeout:
                raise BackendError(f"{self.host} did not answer within {self.timeout_s:.0f} s.") from None
            except requests.RequestException as err:
                raise BackendError(f"The request to {self.host} failed ({type(err).__name__}).") from None
            with response:
                if response.status_code != 200:
                    # Summarised, never quoted: the body is whatever that server chose to send.
                    raise BackendError(f"{self.host} answered {_status_words(response.status_code)}, "
                                       "not a completion.")
                yield response

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
            raise BackendError("The answer is not an OpenAI-style completion.") from None

    def stream(self, prompt: str, *, chat: bool = False, max_tokens: int = 64, temperature: float = 0.0,
               top_p: float = 1.0, seed: int | None = None) -> Iterator[str]:
        """Text pieces as the server sends them (server-sent events)."""
        path, body = self._body(prompt, chat, max_tokens, temperature, top_p, seed, True)
        with self._posted(path, body, stream=True) as response:
            events = 0
            try:
                for line in response.iter_lines(decode_unicode=True):
                    if not line or line.startswith(":"):
                        continue
                    if not line.startswith("data:"):
                        raise BackendError("The server did not stream server-sent events.")
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        document = json.loads(data)
                    except json.JSONDecodeError:
                        raise BackendError("The server streamed something that is not JSON.") from None
                    if isinstance(document, dict) and "error" in document:
                        raise BackendError("The server reported an error instead of a completion.")
                    events += 1
                    text = self._text_of(document, chat)
                    if text:
                        yield text
            except requests.RequestException as err:
                raise BackendError(f"The stream broke off ({type(err).__name__}).") from None
            if events == 0:
                raise BackendError("The server closed the stream without sending a completion.")

    def complete(self, prompt: str, *, chat: bool = False, max_tokens: int = 64, temperature: float = 0.0,
                 top_p: float = 1.0, seed: int | None = None) -> str:
        """The whole completion in one answer (no streaming)."""
        path, body = self._body(prompt, chat, max_tokens, temperature, top_p, seed, False)
        with self._posted(path, body, stream=False) as response:
            try:
                document = response.json()
            except ValueError:
                raise BackendError("The server answered something that is not JSON.") from None
        if not isinstance(document, dict):
            raise BackendError("The answer is not an OpenAI-style completion.")
        return self._text_of(document, chat)
