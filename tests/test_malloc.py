"""tokenlens/malloc.py against this machine's glibc: the arena limit and the trim really take effect.

Each check runs in a fresh interpreter (an arena limit is process-wide and only reaches threads
started after it). glibc's own malloc_stats() reports one "Arena N:" block per arena."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tokenlens.malloc import _LIBC

pytestmark = pytest.mark.skipif(getattr(_LIBC, "mallopt", None) is None, reason="not glibc: nothing to limit")

THREADS_THAT_ALLOCATE = """
import ctypes, sys, threading
from tokenlens.malloc import _LIBC, limit_arenas
if sys.argv[1] == "limit":
    assert limit_arenas(2)
start = threading.Barrier(8)
def churn():
    start.wait()  # all eight allocate at the same moment: glibc gives contending threads new arenas
    for _ in range(200):
        junk = [bytes(2000) for _ in range(500)]
        del junk
threads = [threading.Thread(target=churn) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
_LIBC.malloc_stats()
"""


def arenas_used(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", THREADS_THAT_ALLOCATE, mode], capture_output=True, text=True,
                          timeout=120, check=True)
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_eight_busy_threads_share_two_arenas_once_limited():
    assert arenas_used("free") > 2  # glibc's default: contending threads get arenas of their own
    assert arenas_used("limit") <= 2


def test_give_back_returns_freed_pages_to_the_system():
    script = """
import gc, psutil
from tokenlens.malloc import give_back
process = psutil.Process()
blocks = [bytearray(2000) for _ in range(50_000)]  # 100 MB from malloc (above Python's own small-object
keep = blocks[::100]                                # allocator, below glibc's mmap threshold); one in a
del blocks; gc.collect()                            # hundred stays, so the heap cannot shrink from its top
before = process.memory_info().rss
give_back(100 * 2**20)
print(before - process.memory_info().rss)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert int(done.stdout) > 30 * 2**20  # most of ~100 MB of freed small blocks went back
