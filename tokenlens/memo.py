"""Load once per process, for every visitor: the one memo the loaders share.

Failures are not kept (a hub that comes back is tried again); a value loaded by two threads at once
is kept once (the first to finish wins, both get it).
"""

from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class ProcessMemo(Generic[T]):
    def __init__(self, load: Callable[[str], T]):
        self._load = load
        self._values: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> T:
        with self._lock:
            hit = self._values.get(key)
        if hit is not None:
            return hit
        loaded = self._load(key)
        with self._lock:
            return self._values.setdefault(key, loaded)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._values
