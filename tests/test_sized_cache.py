"""The one cache mechanism: bounded in bytes, least recently used out first, one load per key."""

import threading
import time

import pytest

from tokenlens.sized_cache import SizedCache


def test_keeps_within_the_byte_budget_dropping_the_least_recently_used():
    cache = SizedCache("texts", budget_bytes=10, size_of=len)
    cache.get("a", lambda: "aaaa")
    cache.get("b", lambda: "bbbb")
    cache.get("a", lambda: pytest.fail("a is kept"))  # a is now the most recent
    cache.get("c", lambda: "cccc")  # 12 bytes > 10: b goes, not a
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.stats().bytes == 8 and cache.stats().entries == 2


def test_dropping_values_tells_how_many_bytes_went_after_the_lock_is_released():
    told = []

    def on_evict(freed: int) -> None:
        assert cache.stats().entries == 1  # the lock is free: a caller may look at the cache
        told.append(freed)

    cache = SizedCache("tokenizers", budget_bytes=10, size_of=len, on_evict=on_evict)
    cache.get("a", lambda: "aaaa")
    cache.get("b", lambda: "bbbbb")
    assert told == []  # 9 bytes fit
    cache.get("c", lambda: "cccccc")  # 15 > 10: a (4) and b (5) go
    assert told == [9] and list(cache._values) == ["c"]


def test_a_value_bigger_than_the_budget_is_returned_but_not_kept():
    cache = SizedCache("texts", budget_bytes=3, size_of=len)
    assert cache.get("big", lambda: "abcdef") == "abcdef"
    assert "big" not in cache and cache.stats().bytes == 0


def test_failures_are_not_kept():
    cache = SizedCache("tokenizers", budget_bytes=100, size_of=len)
    with pytest.raises(OSError):
        cache.get("gpt2", lambda: (_ for _ in ()).throw(OSError("hub down")))
    assert cache.get("gpt2", lambda: "loaded") == "loaded"


def test_a_key_asked_by_many_threads_at_once_is_loaded_once():
    cache = SizedCache("models", budget_bytes=100, size_of=len)
    loads, waits = [], []

    def load():
        loads.append(threading.get_ident())
        time.sleep(0.5)
        return "model"

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(
        cache.get("m", load, on_wait=lambda: waits.append(1), wait_poll_s=0.05))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and answers == ["model"] * 6
    assert waits, "those who waited were told, so a page can show the load's progress"


def test_a_failed_load_lets_a_waiting_thread_try_itself():
    cache = SizedCache("models", budget_bytes=100, size_of=len)
    started = threading.Event()

    def failing():
        started.set()
        time.sleep(0.2)
        raise OSError("first try fails")

    errors = []

    def first():
        try:
            cache.get("m", failing)
        except OSError as err:
            errors.append(err)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait()
    assert cache.get("m", lambda: "second try", wait_poll_s=0.02) == "second try"
    thread.join()
    assert len(errors) == 1 and cache.peek("m") == "second try"
