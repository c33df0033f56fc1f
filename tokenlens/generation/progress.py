"""Progress of a model load, in stages a person can read: "Dequantising the GGUF's weights (120/272)".

A loader calls `stage(label, start, end)`; while a stage runs, transformers' own per-tensor
progress bars (dequantising a GGUF, loading weights) move the fraction inside the stage's band.
Those bars are caught for the loading thread only: other threads (other visitors, other pages)
keep transformers' usual console bars.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Hashable, Iterable, Iterator

Report = Callable[[float, str], None]  # (fraction 0..1, what is happening)

_current = threading.local()
_install_lock = threading.Lock()
_installed = False
# tqdm descriptions transformers uses, and what a learner reads instead.
BAR_LABELS = {
    "Converting and de-quantizing GGUF tensors": "Dequantising the GGUF's weights",
    "Loading weights": "Putting the weights into the model",
}


class LoadProgress:
    """Turns stages and per-tensor ticks into one rising fraction; keeps what it reported."""

    def __init__(self, report: Report | None = None, *, min_interval_s: float = 0.1):
        self._report = report
        self._min_interval_s = min_interval_s
        self._band = (0.0, 1.0)
        self._bar_bands: dict[str, tuple[float, float]] = {}
        self._label = ""
        self._last_sent = 0.0
        self.fraction = 0.0
        self.history: list[tuple[float, str]] = []  # every report, in order (tests read it)

    def stage(self, label: str, start: float, end: float,
              bars: dict[str, tuple[float, float]] | None = None) -> None:
        """A new stage: the fraction jumps to `start`; a progress bar inside it moves it towards
        `end`, or through its own band when `bars` names it (by the start of its description)."""
        self._band = (start, end)
        self._bar_bands = bars or {}
        self._label = label
        self.send(start, label, force=True)

    def band_for(self, description: str) -> tuple[float, float]:
        return next((band for prefix, band in self._bar_bands.items() if description.startswith(prefix)),
                    self._band)

    def done(self, label: str = "Ready") -> None:
        self.send(1.0, label, force=True)

    def track(self, iterable: Iterable, description: str = "") -> "_Bar":
        """What tqdm(iterable) returns, moving the fraction through the current stage's band."""
        label = next((words for prefix, words in BAR_LABELS.items() if description.startswith(prefix)),
                     self._label)
        return _Bar(self, iterable, label, self.band_for(description))

    def send(self, fraction: float, message: str, *, force: bool = False) -> None:
        fraction = max(self.fraction, min(fraction, 1.0))  # never goes back
        self.fraction = fraction
        now = time.monotonic()
        if not force and now - self._last_sent < self._min_interval_s:
            return  # a page redrawn 272 times in a second helps nobody
        self._last_sent = now
        self.history.append((fraction, message))
        if self._report is not None:
            self._report(fraction, message)


class LoadsUnderWay:
    """The progress of each load running now, by key, so whoever waits for the same load watches its
    stages (a class pressing Generate together all see the one load). Not a cache: an entry lives
    only while its load runs."""

    def __init__(self) -> None:
        self._running: dict[Hashable, LoadProgress] = {}
        self._lock = threading.Lock()

    @contextmanager
    def running(self, key: Hashable, progress: LoadProgress) -> Iterator[LoadProgress]:
        with self._lock:
            self._running[key] = progress
        try:
            yield progress
        finally:
            with self._lock:
                self._running.pop(key, None)

    def relay(self, key: Hashable, to: LoadProgress | None) -> None:
        """Send the running load's latest stage to a waiter's own progress."""
        with self._lock:
            running = self._running.get(key)
        if to is not None and running is not None and running.history:
            fraction, message = running.history[-1]
            to.send(fraction, message)


class _Bar:
    """Enough of a tqdm bar for transformers' loops: iteration, plus the methods some callers use."""

    def __init__(self, progress: LoadProgress, iterable: Iterable, label: str, band: tuple[float, float]):
        self._progress = progress
        self._band = band
        self._items = iterable if hasattr(iterable, "__len__") else list(iterable)
        self._label = label

    def __len__(self) -> int:
        return len(self._items)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator:
        total = len(self)
        start, end = self._band
        for count, item in enumerate(self._items, start=1):
            yield item
            self._progress.send(start + (end - start) * count / max(total, 1),
                                 f"{self._label} ({count}/{total})", force=count == total)

    def __enter__(self) -> "_Bar":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, *args, **kwargs) -> None:
        return None

    close = set_description = set_postfix = update


def _active() -> LoadProgress | None:
    return getattr(_current, "progress", None)


def _transformers_hook(previous):
    """transformers' documented tqdm hook (its `logging.tqdm`: the "Loading weights" bar)."""

    def hook(factory, args, kwargs):
        progress = _active()
        iterable = args[0] if args else kwargs.get("iterable")
        if progress is not None and iterable is not None:
            return progress.track(iterable, kwargs.get("desc", ""))
        if previous is not None:
            return previous(factory, args, kwargs)
        return factory(*args, **kwargs)

    return hook


def _gguf_bar(original):
    """The GGUF dequantising loop calls tqdm.auto directly, outside the hook above."""

    def tqdm(*args, **kwargs):
        progress = _active()
        iterable = args[0] if args else kwargs.get("iterable")
        if progress is not None and iterable is not None:
            return progress.track(iterable, kwargs.get("desc", ""))
        return original(*args, **kwargs)

    tqdm.tokenlens_wrapper = True  # type: ignore[attr-defined]
    return tqdm


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        from transformers import modeling_gguf_pytorch_utils as gguf_loading
        from transformers.utils import logging as transformers_logging

        previous = transformers_logging.set_tqdm_hook(None)
        transformers_logging.set_tqdm_hook(_transformers_hook(previous))
        if not getattr(gguf_loading.tqdm, "tokenlens_wrapper", False):
            gguf_loading.tqdm = _gguf_bar(gguf_loading.tqdm)
        _installed = True


@contextmanager
def reporting(progress: LoadProgress | None) -> Iterator[LoadProgress | None]:
    """While the block runs, transformers' progress bars in this thread feed `progress`."""
    if progress is None:
        yield None
        return
    _install()
    outer = _active()
    _current.progress = progress
    try:
        yield progress
    finally:
        _current.progress = outer
