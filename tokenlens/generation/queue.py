"""One model, many users: a first-come-first-served queue per model, with each waiter's position.

A model object is not safe to run from two threads at once (and would only slow both down), so
every generation takes its model's turn; other users see "position 2 of 3" while they wait.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator


class ModelQueue:
    """Per-key FIFO turns; `position` is 0 for the ticket whose turn it is."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._lines: dict[str, deque[int]] = {}
        self._tickets = itertools.count(1)

    def join(self, key: str) -> int:
        with self._condition:
            ticket = next(self._tickets)
            self._lines.setdefault(key, deque()).append(ticket)
            return ticket

    def position(self, key: str, ticket: int) -> int:
        """How many are ahead of this ticket (0: its turn); -1 once it has left."""
        with self._condition:
            line = self._lines.get(key, deque())
            return line.index(ticket) if ticket in line else -1

    def waiting(self, key: str) -> int:
        """How many tickets are in the line, the running one included."""
        with self._condition:
            return len(self._lines.get(key, ()))

    def wait_turn(self, key: str, ticket: int, timeout: float | None = None) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self._lines[key][0] == ticket, timeout)

    def leave(self, key: str, ticket: int) -> None:
        with self._condition:
            line = self._lines.get(key)
            if line and ticket in line:
                line.remove(ticket)
            self._condition.notify_all()

    @contextmanager
    def turn(self, key: str, on_wait: Callable[[int, int], None] | None = None,
             poll_s: float = 0.25) -> Iterator[int]:
        """Hold `key`'s turn; while waiting, on_wait(ahead, in_line) is called every poll_s seconds."""
        ticket = self.join(key)
        try:
            # Say the position at once, then again every poll_s seconds while it is not our turn.
            while on_wait and self.position(key, ticket) > 0:
                on_wait(self.position(key, ticket), self.waiting(key))
                self.wait_turn(key, ticket, timeout=poll_s)
            self.wait_turn(key, ticket)
            yield ticket
        finally:  # also when the waiter gives up (a Streamlit rerun closes its generator)
            self.leave(key, ticket)


MODEL_QUEUE = ModelQueue()  # process-wide: every Streamlit session shares it
