"""A class on one server: N simulated students over Streamlit's own websocket protocol.

    python -m bench.loadtest [--students 10 30 60] [--seconds 60] [--url http://127.0.0.1:8501]
                             [--embeddings 0.1] [--generation 0] [--browsers 2] [--hub-ids 0]
    make loadtest STUDENTS="10 30 60" URL=http://127.0.0.1:8501

Each student is one websocket (bench/loadtest_protocol.py; one process holds sixty) doing what
bench/loadtest_students.py says: most type a new text on the tokenizer page every ~10 s, a share
look up neighbours and projections on the embeddings page, a few queue for generation. A few real
Chromium tabs run alongside and check that each sees only its own text. Without --url a server is
started here (with a hub mirror when --hub-ids asks for typed hub ids).

Reported per page and N: the time from a student's change to its run's script_finished (p50, p95,
max), errors, lost sessions, other students' text seen (leaks), and the server's CPU and resident
memory over the run. JSON goes to test-artifacts/loadtest-<N>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import time
from contextlib import contextmanager, nullcontext
from dataclasses import asdict

import psutil

from bench.common import ROOT, use_shared_assets
from bench.loadtest_protocol import Tab, document_text
from bench.loadtest_server import Sampler, own_server, server_pid
from bench.loadtest_students import (CHANGE_EVERY_S, MARKER, Pace, Record, embeddings_student, generation_student,
                                     marker, student_text, tokenizer_student)

ARRIVAL_S = 10.0  # students open the page over the first seconds, as a class arriving
BROWSER_STUDENTS = 900  # Chromium tabs are students 900, 901, ...


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: a p95 is a latency someone waited)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def _student(kind: str, number: int, url: str, deadline: float, delay: float, hub_ids: list[str],
                   leave_early: bool, together: asyncio.Barrier, pace: Pace) -> Record:
    record = Record(student=number, page=kind)
    await asyncio.sleep(delay)
    tab = Tab(url)
    try:
        if kind == "tokens":
            await tokenizer_student(tab, record, deadline, hub_ids=hub_ids, pace=pace)
        elif kind == "embeddings":
            await embeddings_student(tab, record, deadline)
        else:
            await generation_student(tab, record, deadline, leave_early=leave_early, together=together)
    except (asyncio.TimeoutError, OSError, ConnectionError) as err:
        record.lost = True
        record.errors.append(f"lost: {type(err).__name__}: {err}")
    except Exception as err:  # noqa: BLE001 - a student's failure is a result, not a crash of the run
        name = type(err).__name__
        record.lost = "Closed" in name
        record.errors.append(f"{name}: {err}")
    finally:
        await tab.close()
    return record


def plan(students: int, embeddings_share: float, generation: int) -> list[str]:
    """Who does what: `generation` students queue for generation, a share use embeddings."""
    embeddings = round(students * embeddings_share)
    generating = min(generation, students - embeddings)
    return ["generation"] * generating + ["embeddings"] * embeddings + ["tokens"] * (students - embeddings - generating)


PAGE_PATHS = {"tokens": "/", "embeddings": "/embeddings", "generation": "/generation"}


async def teacher_opens(url: str, kinds: list[str]) -> None:
    """The teacher opens each page once before the class (loads tokenizers, vectors, models):
    the students' numbers are about a warm server, the cold start is bench.tokenizer_compare's."""
    for kind in dict.fromkeys(kinds):
        tab = Tab(url, timeout_s=600)
        try:
            await tab.open(PAGE_PATHS[kind])
        finally:
            await tab.close()


async def _class(url: str, kinds: list[str], seconds: float, hub_ids: list[str], leavers: int,
                 pace: Pace) -> list[Record]:
    deadline = time.monotonic() + seconds
    arrival = min(ARRIVAL_S, seconds / 4)
    tasks, generators = [], 0
    together = asyncio.Barrier(kinds.count("generation") or 1)  # generation students press Generate at once
    for number, kind in enumerate(kinds):
        # Generation students arrive together (that makes a queue); the others spread over the arrival.
        delay = 0.0 if kind == "generation" else arrival * number / max(1, len(kinds))
        leave = kind == "generation" and 0 < generators <= leavers
        generators += kind == "generation"
        tasks.append(_student(kind, number, url, deadline, delay, hub_ids, leave, together, pace))
    return list(await asyncio.gather(*tasks))


def browser_student(url: str, number: int, deadline: float, out: multiprocessing.Queue) -> None:
    """A real Chromium tab on the tokenizer page: types its texts and checks that the panels show
    its own marker and nobody else's. It runs in a process of its own at the lowest priority, its
    Chromium too: the tabs are here to check what students see, and in a class their CPU is the
    students' machines', not the server's (on this 2-core machine they took the server's)."""
    os.nice(19)
    from browser import chromium_page, type_into, wait_for_app

    record = Record(student=number, page="tokens (Chromium)")
    try:
        with chromium_page() as page:
            started = time.perf_counter()
            page.goto(url)
            wait_for_app(page, 180_000)
            record.opens.append(time.perf_counter() - started)
            text_number = 0
            while text_number == 0 or time.monotonic() + 15 < deadline:  # at least one text, however late
                text_number += 1
                started = time.perf_counter()
                own = marker(number, text_number)
                type_into(page, "stTextArea", "Text to tokenize", student_text(number, text_number))
                shown = _panels_text_with(page, own, timeout_s=120)  # latency: until the panels show it
                record.latencies.append(time.perf_counter() - started)
                found = {m.group(0).decode() for m in MARKER.finditer(shown.encode("utf-8"))}
                record.leaks.extend(sorted(m for m in found if int(m[2:5]) != number))
                if own in found:
                    record.own_seen += 1
                else:
                    record.own_missing += 1
                time.sleep(8)
    except Exception as err:  # noqa: BLE001
        record.errors.append(f"{type(err).__name__}: {err}")
    finally:
        out.put(record)


def _panels_text_with(page, own: str, *, timeout_s: float) -> str:
    """The token panels' text once it shows `own` (or whatever it shows when time is up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = document_text(page.locator("iframe").first.get_attribute("srcdoc") or "")
        if own in shown or time.monotonic() > deadline:
            return shown
        time.sleep(0.2)


def summarise(records: list[Record]) -> dict[str, dict]:
    pages: dict[str, dict] = {}
    for page in dict.fromkeys(record.page for record in records):
        group = [record for record in records if record.page == page]
        latencies = [value for record in group for value in record.latencies]
        opens = [value for record in group for value in record.opens]
        pages[page] = {
            "students": len(group), "changes": len(latencies),
            "p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
            "max_s": round(max(latencies), 3) if latencies else None,
            "open_p95_s": round(percentile(opens, 0.95), 3) if opens else None,
            "errors": sum(len(record.errors) for record in group),
            "lost": sum(record.lost for record in group),
            "leaks": sum(len(record.leaks) for record in group),
            "own_text_missing": sum(record.own_missing for record in group),
            "positions_seen": sorted({p for record in group for p in record.positions}),
        }
    return pages


def run_class(url: str, pid: int | list[int] | None, students: int, *, seconds: float, embeddings: float = 0.0,
              generation: int = 0, leavers: int = 0, browsers: int = 0, hub_ids: list[str] = (),
              warmup_s: float = 60.0, pace: Pace = Pace(), workers: list[str] = ()) -> dict:
    """One load run of `students` against the server at `url`; returns its report (also as JSON).
    `workers`: the URLs of the workers behind a proxy, each opened by the teacher directly (through
    the proxy, affinity would send the teacher to one of them and leave the others cold)."""
    kinds = plan(students, embeddings, generation)
    for server in workers or [url]:
        asyncio.run(teacher_opens(server, kinds + ["tokens"] * bool(browsers)))
    deadline = time.monotonic() + seconds
    forked = multiprocessing.get_context("fork")  # before any thread of this run: plain to fork
    returned = forked.Queue()
    tabs = [forked.Process(target=browser_student, args=(url, BROWSER_STUDENTS + n, deadline, returned), daemon=True)
            for n in range(browsers)]
    client = psutil.Process()
    client_cpu = sum(client.cpu_times()[:2])
    for tab in tabs:
        tab.start()
    with Sampler(pid) as sampler:
        records = asyncio.run(_class(url, kinds, seconds, list(hub_ids), leavers, pace))
        browser_records = [returned.get(timeout=300) for _ in tabs]
    for tab in tabs:
        tab.join(30)
    all_records = records + browser_records
    # The simulated students' own process: near 100 % would mean the load generator, not the server,
    # sets the pace (its Chromium tabs are separate processes).
    client_percent = 100 * (sum(client.cpu_times()[:2]) - client_cpu) / seconds
    report = {"students": students, "seconds": seconds, "pages": summarise(all_records),
              "server": sampler.summary(after_s=min(warmup_s, seconds / 2)),
              "load_generator_cpu_percent": round(client_percent, 1), "machine_load_1min": os.getloadavg()[0],
              "texts_typed": sum(len(r.latencies) for r in records if r.page == "tokens"),
              "hub_ids": len(hub_ids),
              "problems": [{"student": r.student, "page": r.page, "errors": r.errors[:5], "leaks": r.leaks[:5]}
                           for r in all_records if r.errors or r.leaks],
              "records": [asdict(r) for r in all_records],
              "rss_samples": [(round(t, 1), round(cpu, 1), rss) for t, cpu, rss in sampler.samples]}
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / f"loadtest-{students}.json").write_text(json.dumps(report, indent=1))
    return report


def print_table(reports: list[dict]) -> None:
    print(f"{'N':>3}  {'page':<18} {'changes':>7} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'errors':>6} "
          f"{'lost':>4} {'leaks':>5} {'unseen':>6}  {'CPU avg/peak %':>14} {'RSS start/peak/end MiB':>24}")
    for report in reports:
        server = report["server"]
        cpu = f"{server.get('cpu_percent_avg', '-')}/{server.get('cpu_percent_peak', '-')}"
        rss = (f"{server.get('memory_rss_mb_start', '-')}/{server.get('memory_rss_mb_peak', '-')}/"
               f"{server.get('memory_rss_mb_end', '-')}")
        print(f"     load generator {report['load_generator_cpu_percent']} % CPU, "
              f"machine load {report['machine_load_1min']:.1f} at the end")
        for page, row in report["pages"].items():
            print(f"{report['students']:>3}  {page:<18} {row['changes']:>7} {row['p50_s'] or '-':>6} "
                  f"{row['p95_s'] or '-':>6} {row['max_s'] or '-':>6} {row['errors']:>6} {row['lost']:>4} "
                  f"{row['leaks']:>5} {row['own_text_missing']:>6}  {cpu:>14} {rss:>24}")


@contextmanager
def behind_proxy(workers: int):
    """N workers behind nginx, as `make serve-class` runs them; yields what own_server does, and the
    workers' own URLs. CPU and memory are the workers' summed (nginx's are a few MB and under 1 %)."""
    from deploy.serve_class import serve
    from browser import free_port  # tests/ is on the path (bench.loadtest_server)

    with serve(workers, port=free_port(), worker_ports=[free_port() for _ in range(workers)],
               env=use_shared_assets()) as running:
        yield running.url, [worker.process.pid for worker in running.workers], None, [], \
            [worker.url for worker in running.workers]


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--students", type=int, nargs="+", default=[10, 30, 60])
    args.add_argument("--seconds", type=float, default=60.0, help="how long each class lasts")
    args.add_argument("--url", default="", help="a running server; without it one is started here")
    args.add_argument("--embeddings", type=float, default=0.1, help="share of students on the embeddings page")
    args.add_argument("--generation", type=int, default=0, help="students who queue for generation")
    args.add_argument("--leavers", type=int, default=0, help="of those, how many close their tab while waiting")
    args.add_argument("--browsers", type=int, default=2, help="real Chromium tabs alongside")
    args.add_argument("--hub-ids", type=int, default=0, help="distinct hub ids typed (own server only)")
    args.add_argument("--change-every", type=float, default=CHANGE_EVERY_S,
                      help="mean seconds between a student's changes (a soak: 0.5)")
    args.add_argument("--texts-each", type=int, default=None, help="a tokenizer student stops after this many texts")
    args.add_argument("--workers", type=int, default=0,
                      help="start N workers behind nginx (deploy/serve_class.py) instead of one server")
    options = args.parse_args(argv if argv is not None else [])
    if options.workers:
        server = behind_proxy(options.workers)
    elif options.url:
        server = nullcontext((options.url, server_pid(options.url), None, []))
    else:
        server = own_server(options.hub_ids)
    with server as (url, pid, _, hub_ids, *worker_urls):
        reports = []
        for students in options.students:
            reports.append(run_class(url, pid, students, seconds=options.seconds, embeddings=options.embeddings,
                                     generation=options.generation, leavers=options.leavers,
                                     browsers=options.browsers, hub_ids=hub_ids,
                                     pace=Pace(options.change_every, options.texts_each),
                                     workers=worker_urls[0] if worker_urls else []))
            print_table(reports[-1:])
    print()
    print_table(reports)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
