"""One browser tab, without the browser: Streamlit's own websocket protocol, as its frontend speaks it.

What the frontend does (frontend/connection/src/WebsocketConnection.tsx and the server's
web/server/starlette/starlette_websocket.py in the installed streamlit):
  - open `/_stcore/stream` with subprotocols ["streamlit", <xsrf token or a placeholder>] (the
    server reads the second entry as the XSRF token and a third as a session to resume);
  - send a `BackMsg` whose `rerun_script` is a `ClientState` (query string, page script hash or url
    page name, every widget value the tab holds, the hashes of cached messages it keeps);
  - receive `ForwardMsg`s until `script_finished`. A message the tab said it keeps comes back as a
    `ref_hash` (streamlit/runtime/forward_msg_cache.py), resolved from the tab's own cache.

Widgets are found in the deltas by their user key: an element id ends in "-<key>".
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY: "finished", ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
            ForwardMsg.FINISHED_EARLY_FOR_RERUN: "stopped for a rerun",
            ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment finished"}
KEPT_MESSAGES = 400  # the tab's message cache (the frontend expires its entries after a few runs)
_TAG = re.compile(r"<style.*?</style>|<script.*?</script>|<sub>.*?</sub>|<[^>]+>", re.S)
_WORD_ATTRIBUTE = re.compile(r'data-w="([^"]*)"')


def document_text(document: str) -> str:
    """What a person reads in an HTML document: tags dropped, entities decoded; plus the words that
    chips carry in data-w (the ids view shows no text, but each chip still names its word)."""
    words = " ".join(html.unescape(word) for word in _WORD_ATTRIBUTE.findall(document))
    return html.unescape(_TAG.sub("", document)) + "\n" + words


def element_text(element) -> str:
    """The text an element shows (iframes as their document's text), '' for the rest."""
    kind = element.WhichOneof("type")
    if kind == "iframe":
        return document_text(element.iframe.srcdoc)
    if kind == "html":
        return document_text(element.html.body)
    if kind in {"markdown", "text", "alert", "heading"}:
        return getattr(element, kind).body
    if kind == "code":
        return element.code.code_text
    if kind == "exception":
        return element.exception.message
    return ""


@dataclass
class Run:
    """One script run as the tab saw it: from the BackMsg sent to its script_finished."""
    seconds: float
    status: str
    messages: int = 0
    bytes: int = 0
    texts: list[str] = field(default_factory=list)  # each element's visible text
    raw: list[bytes] = field(default_factory=list)  # every message as received
    exceptions: list[str] = field(default_factory=list)
    query: dict[str, list[str]] = field(default_factory=dict)

    def shows(self, needle: str) -> bool:
        return any(needle in text for text in self.texts)

    def carries(self, needle: str) -> bool:
        """Anywhere in what was received: the visible texts, the link, or the raw bytes."""
        encoded = needle.encode("utf-8")
        return (self.shows(needle) or any(needle in value for values in self.query.values() for value in values)
                or any(encoded in message for message in self.raw))


class Tab:
    """One visitor's connection. `await tab.open(path)`, then `await tab.change(key=value, ...)`."""

    def __init__(self, base_url: str, *, timeout_s: float = 120.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.widgets: dict[str, object] = {}  # user key -> the widget's element proto (latest run)
        self.values: dict[str, WidgetState] = {}  # widget id -> the value this tab holds
        self.query_string = ""
        self.page_script_hash = ""
        self.session_id = ""
        self._kept: dict[str, ForwardMsg] = {}
        self._socket = None

    async def open(self, path: str = "/", query_string: str = "") -> Run:
        """Connect and run the page at `path` ("/" or "/embeddings"), as a browser's first load."""
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self._socket = await websockets.connect(ws_url, subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                                                origin=self.base_url, max_size=None, ping_interval=None,
                                                open_timeout=self.timeout_s)
        self.query_string = query_string
        return await self._rerun(page_name=path.strip("/"))

    async def change(self, **values) -> Run:
        """Set widgets (by user key, dots as in the key: pass a dict via **{"tokens.text": ...}) and rerun."""
        for key, value in values.items():
            self._set(key, value)
        return await self._rerun()

    async def click(self, key: str) -> Run:
        """Press a button: a trigger value, sent once (as the frontend does)."""
        widget_id = self._widget_id(key)
        self.values[widget_id] = WidgetState(id=widget_id, trigger_value=True)
        try:
            return await self._rerun()
        finally:
            self.values.pop(widget_id, None)

    async def send_click(self, key: str) -> None:
        """Press a button and return at once (the run goes on; `finish()` collects it)."""
        widget_id = self._widget_id(key)
        await self._send(extra=[WidgetState(id=widget_id, trigger_value=True)])
        self._started = time.perf_counter()

    async def finish(self) -> Run:
        return await self._collect(self._started)

    def options(self, key: str) -> list[str]:
        """A select or button group's options as the frontend sends them back (formatted)."""
        proto = self.widgets[key]
        return [getattr(option, "content", option) for option in proto.options]

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    def _widget_id(self, key: str) -> str:
        if key not in self.widgets:
            raise KeyError(f"no widget with key {key!r} on this page (have: {sorted(self.widgets)})")
        return self.widgets[key].id

    def _set(self, key: str, value) -> None:
        widget_id = self._widget_id(key)
        state = WidgetState(id=widget_id)
        if isinstance(value, bool):
            state.bool_value = value
        elif isinstance(value, (list, tuple)):
            state.string_array_value.data.extend(value)
        elif isinstance(value, float):
            state.double_value = value
        elif isinstance(value, int):
            state.int_value = value
        else:
            state.string_value = value
        self.values[widget_id] = state

    async def _send(self, *, page_name: str = "", extra: list[WidgetState] = ()) -> None:
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_script_hash
        client.page_name = page_name
        client.widget_states.widgets.extend([*self.values.values(), *extra])
        client.cached_message_hashes.extend(self._kept)
        client.context_info.timezone = "UTC"
        client.context_info.locale = "en-US"
        client.context_info.url = f"{self.base_url}/{page_name}"
        await self._socket.send(message.SerializeToString())

    async def _rerun(self, *, page_name: str = "") -> Run:
        started = time.perf_counter()
        await self._send(page_name=page_name)
        return await self._collect(started)

    async def _collect(self, started: float) -> Run:
        run = Run(seconds=0.0, status="")
        deadline = started + self.timeout_s
        while True:
            data = await asyncio.wait_for(self._socket.recv(), max(0.1, deadline - time.perf_counter()))
            message = ForwardMsg()
            message.ParseFromString(data)
            run.messages += 1
            run.bytes += len(data)
            run.raw.append(data)
            if message.WhichOneof("type") == "ref_hash":
                message = self._kept[message.ref_hash]
            elif message.metadata.cacheable:
                self._keep(message)
            if self._read(message, run):
                run.seconds = time.perf_counter() - started
                return run

    def _keep(self, message: ForwardMsg) -> None:
        self._kept[message.hash] = message
        while len(self._kept) > KEPT_MESSAGES:
            del self._kept[next(iter(self._kept))]

    def _read(self, message: ForwardMsg, run: Run) -> bool:
        """Take what a message says; True once the run has finished."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self.page_script_hash = message.new_session.page_script_hash
        elif kind == "navigation":  # st.navigation names the page that ran: later reruns ask for it
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
            run.query = parse_qs(self.query_string)
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            proto = getattr(element, element.WhichOneof("type"))
            widget_id = getattr(proto, "id", "")
            if widget_id.startswith("$$ID-") and widget_id.count("-") >= 2:
                self.widgets[widget_id.split("-", 2)[2]] = proto
            text = element_text(element)
            if text:
                run.texts.append(text)
            if element.WhichOneof("type") == "exception":
                run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "script_finished":
            run.status = FINISHED.get(message.script_finished, str(message.script_finished))
            return True
        return False
