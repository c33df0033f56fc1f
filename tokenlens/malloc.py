"""Keep freed memory from piling up in glibc's per-thread arenas.

Streamlit runs every script run in a thread of its own, and glibc gives threads their own malloc
arenas (up to 8 per core). Tokenizers loaded, dropped and loaded again then leave their freed memory
scattered over many arenas, which glibc does not hand back: a class of twenty typing 50 hub ids held
1.4 GB resident against ~0.9 GB in use (bench/loadtest.py --hub-ids 50). Two arenas, as
MALLOC_ARENA_MAX=2 would give, keep it near what is in use; setting it here works however the server
was started (Community Cloud's included). Elsewhere than glibc this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's <malloc.h>
TRIM_AFTER_BYTES = 4 * 1024 * 1024  # dropping less than this is not worth walking the heaps for


def _load_libc():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


_LIBC = _load_libc()


def limit_arenas(arenas: int = 2) -> bool:
    """At most `arenas` malloc arenas for threads started from now on; True when glibc took it."""
    mallopt = getattr(_LIBC, "mallopt", None)
    return bool(mallopt and mallopt(M_ARENA_MAX, arenas) == 1)


def give_back(freed_bytes: int) -> None:
    """After a cache dropped `freed_bytes` (a tokenizer, a model): return glibc's free pages to the
    system now (malloc_trim), so resident memory follows the caches' budgets down, not only up."""
    if freed_bytes < TRIM_AFTER_BYTES:
        return
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)
