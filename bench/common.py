"""What every benchmark shares: the offline asset environment, resident memory, timing helpers."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def use_shared_assets() -> dict:
    """Point the hub cache at ../shared (when present), offline; returns the environment for children."""
    shared = ROOT.parent / "shared" / "hf-hub"
    if shared.is_dir():
        os.environ.setdefault("HF_HUB_CACHE", str(shared))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return dict(os.environ)


def rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def median_time(work: Callable[[], object], repeat: int) -> float:
    return statistics.median(timed(work) for _ in range(repeat))


def paired(ours: Callable[[], object], raw: Callable[[], object], repeat: int = 21) -> tuple[float, float, float]:
    """Median timings, interleaved so both see the same machine load; returns (ours, raw, ratio).

    Medians, not minimums: on a shared 2-core machine a single lucky run says little.
    """
    mine, theirs = [], []
    for index in range(repeat):
        if index % 2:  # alternate who goes first: the second runner finds warmer caches
            theirs.append(timed(raw))
            mine.append(timed(ours))
        else:
            mine.append(timed(ours))
            theirs.append(timed(raw))
    ours_median, raw_median = statistics.median(mine), statistics.median(theirs)
    return ours_median, raw_median, ours_median / raw_median
