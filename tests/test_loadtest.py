"""bench/loadtest.py against the real app: simulated students over Streamlit's websocket protocol.

Short classes (a few students, ~30 s) that check what the load test itself checks at sixty: every
run finishes, every student sees its own text and nobody else's, latencies are recorded. No
assertion on seconds: this machine's load is not the test's subject.
"""

from __future__ import annotations

import pytest

from bench.loadtest import run_class
from bench.loadtest_server import server_pid


def _check_every_student(report: dict) -> None:
    for record in report["records"]:
        who = f"student {record['student']} on {record['page']}"
        assert not record["lost"], f"{who} lost its session: {record['errors']}"
        assert record["errors"] == [], f"{who}: {record['errors']}"
        assert record["leaks"] == [], f"{who} saw other students' texts: {record['leaks']}"
        assert record["own_missing"] == 0, f"{who} did not see its own text in {record['own_missing']} runs"


def test_a_small_class_on_the_tokenizer_and_embeddings_pages(app_server):
    report = run_class(app_server, server_pid(app_server), 4, seconds=35, embeddings=0.25, browsers=1,
                       warmup_s=10)
    _check_every_student(report)
    simulated = [r for r in report["records"] if r["page"] == "tokens"]
    assert len(simulated) == 3
    for record in simulated:
        assert record["opens"] and len(record["latencies"]) >= 2  # opened, then typed at least twice
        assert record["own_seen"] == len(record["latencies"])
    assert all(seconds > 0 for r in report["records"] for seconds in r["latencies"])
    assert [r for r in report["records"] if r["page"] == "embeddings"][0]["latencies"]
    chromium = [r for r in report["records"] if r["page"] == "tokens (Chromium)"]
    assert chromium and chromium[0]["own_seen"] >= 1
    pages = report["pages"]
    assert pages["tokens"]["changes"] >= 6 and pages["tokens"]["p95_s"] >= pages["tokens"]["p50_s"] > 0
    server = report["server"]
    assert server["sample_count"] >= 20 and server["memory_rss_mb_peak"] > 100  # sampled from the real server


def test_twenty_students_queue_for_generation_and_three_who_leave_free_their_turns(app_server):
    """Issue 11: twenty students press Generate at the same moment. Each is told its place, which only
    ever moves forward; each sees its own prompt's output and nobody else's; three close their tab
    while waiting, and everyone else still gets a turn."""
    pytest.importorskip("torch")
    report = run_class(app_server, server_pid(app_server), 20, seconds=60, generation=20, leavers=3, warmup_s=10)
    _check_every_student(report)
    stayed = [r for r in report["records"] if r["latencies"]]
    assert len(stayed) == 17  # the three who left have no run to time; everyone else got their turn
    assert all(r["own_seen"] == 1 for r in stayed)  # each sees its own prompt, nobody else's
    for record in stayed:
        assert record["positions"] == sorted(record["positions"], reverse=True), record["positions"]
    assert max(p for r in stayed for p in r["positions"]) >= 10  # a real queue formed, and was told


def test_a_thousand_texts_and_fifty_hub_ids_stay_within_the_stated_memory_bound():
    """Issue 11's memory target. Twenty students type 1,000 distinct texts back to back on their own
    server, and between them add 50 distinct hub ids (real tokenizers under other names, fetched from a
    hub mirror on localhost). The bound: the server's resident memory once the book's tokenizers are
    loaded, plus the tokenizer page's cache budgets, plus one run's work (bench.memory.RUN_HEADROOM);
    and no growth once the caches are full (the last third of the run against the middle third)."""
    from bench.loadtest_server import own_server
    from bench.loadtest_students import Pace
    from bench.memory import RUN_HEADROOM, read_stats
    from conftest import require_hub

    for hub_id in ("gpt2", "Qwen/Qwen2.5-1.5B"):
        require_hub(hub_id)
    with own_server(hub_ids=50) as (url, pid, stats_file, typed):
        report = run_class(url, pid, 20, seconds=900, hub_ids=typed, pace=Pace(every_s=0.5, texts=50), warmup_s=60)
        budget = read_stats(stats_file)["budget"]
        fetched = {path.name for path in (stats_file.parent / "hub").glob("models--*")}
    _check_every_student(report)
    assert report["texts_typed"] == 1000 and len(typed) == 50
    assert {"models--" + hub_id.replace("/", "--") for hub_id in typed} <= fetched  # each really fetched, not only typed
    rss = [sample[2] for sample in report["rss_samples"]]
    bound = rss[0] + budget + RUN_HEADROOM
    mib = lambda n: f"{n / 2**20:.0f} MiB"  # noqa: E731
    assert max(rss) <= bound, f"peak {mib(max(rss))} over the bound {mib(bound)} (start {mib(rss[0])})"
    third = len(rss) // 3
    middle, last = rss[third:2 * third], rss[2 * third:]
    assert sum(last) / len(last) <= sum(middle) / len(middle) + 64 * 2**20, "still growing once the caches were full"
