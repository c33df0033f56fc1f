"""A cache bounded by the bytes it holds, not by how many entries: the one cache mechanism.

The library memoises nothing by itself; `components/resources.py` owns every instance (one per kind
of thing kept), so a server's memory has one bound a person can read and test. A value larger than
the whole budget is returned but not kept. Failures are never kept (a hub that comes back is tried
again), and a key being loaded is loaded once: whoever asks meanwhile waits for that load.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class CacheStats:
    name: str
    entries: int
    bytes: int
    budget: int


class SizedCache(Generic[V]):
    def __init__(self, name: str, budget_bytes: int, size_of: Callable[[V], int],
                 on_evict: Callable[[int], None] | None = None):
        """`on_evict(bytes)` is called, outside the lock, after values were dropped to fit the budget."""
        self.name = name
        self._on_evict = on_evict
        self.budget = int(budget_bytes)
        self._size_of = size_of
        self._values: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._loading: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V], *, on_wait: Callable[[], None] | None = None,
            wait_poll_s: float = 0.25) -> V:
        """The kept value for `key`, or `load()`'s, kept within the budget.

        `on_wait` is called every `wait_poll_s` while another thread loads the same key (pages use
        it to show that load's progress to everyone waiting for it)."""
        while True:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key][0]
                running = self._loading.get(key)
                if running is None:
                    running = self._loading[key] = threading.Event()
                    break
            while not running.wait(wait_poll_s):  # someone else loads it: wait, then look again
                if on_wait is not None:
                    on_wait()
        try:
            value = load()
            size = max(int(self._size_of(value)), 0)
            with self._lock:
                freed = 0
                if size <= self.budget:
                    self._values[key] = (value, size)
                    self._bytes += size
                    freed = self._evict()
            if freed and self._on_evict is not None:
                self._on_evict(freed)
            return value
        finally:
            with self._lock:
                del self._loading[key]
            running.set()

    def _evict(self) -> int:
        freed = 0
        while self._bytes > self.budget and self._values:
            _, (_, size) = self._values.popitem(last=False)
            self._bytes -= size
            freed += size
        return freed

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._values

    def peek(self, key: Hashable) -> V | None:
        """The kept value without loading it or changing its place in the queue."""
        with self._lock:
            found = self._values.get(key)
        return found[0] if found else None

    def loading(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._loading

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.name, len(self._values), self._bytes, self.budget)
