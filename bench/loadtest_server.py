"""The server under test: started here (with a hub mirror for typed hub ids) or found by its port;
its CPU and resident memory sampled every second with psutil, as Streamlit's own load tests do."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlparse

import psutil

from bench.common import ROOT, use_shared_assets
from bench.memory import SERVER, SHARED_HUB, bench_repo_ids

sys.path.insert(0, str(ROOT / "tests"))


@contextmanager
def own_server(hub_ids: int = 0):
    """`streamlit run app.py` on a free port; yields (url, pid, stats_file, typed hub ids).

    With hub_ids, a localhost hub mirror (tests/hub_mirror.py) serves that many distinct repo ids,
    each a real tokenizer under another name, into an empty hub cache (as bench.memory does)."""
    from browser import free_port, stop_process, wait_until_up
    from hub_mirror import hub_mirror

    env = use_shared_assets()
    with ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="tokenlens-loadtest-"))
        stats_file = Path(scratch) / "stats.json"
        env = {**env, "TOKENLENS_BENCH_STATS": str(stats_file), "PYTHONPATH": str(ROOT),
               "TOKENLENS_CACHE": f"{scratch}/cache"}
        typed: list[str] = []
        if hub_ids:
            aliases = bench_repo_ids(hub_ids)
            endpoint, _ = stack.enter_context(hub_mirror(SHARED_HUB, aliases=aliases))
            typed = list(aliases)
            env.update(HF_ENDPOINT=endpoint, HF_HUB_OFFLINE="0", HF_HUB_CACHE=f"{scratch}/hub")
        port = free_port()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        log = stack.enter_context(open(ROOT / "test-artifacts" / f"loadtest-server-{port}.log", "w"))
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(stop_process, server)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/_stcore/health", server, timeout_s=90, log_name=log.name)
        yield url, server.pid, stats_file, typed


def server_pid(url: str) -> int | None:
    """The process listening on the URL's port (None when it is not this machine's, or not visible)."""
    port = urlparse(url).port or 80
    try:
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
                return connection.pid
    except psutil.AccessDenied:
        pass
    return None


class Sampler:
    """CPU % (100 = one core) and RSS of the server, once a second, in a thread: one process, or the
    sum over several (the workers behind the proxy)."""

    def __init__(self, pid: int | list[int] | None, every_s: float = 1.0):
        pids = pid if isinstance(pid, list) else [pid] if pid else []
        self.processes = [psutil.Process(one) for one in pids]
        self.every_s = every_s
        self.samples: list[tuple[float, float, int]] = []  # (seconds since start, cpu %, rss bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def __enter__(self) -> "Sampler":
        if self.processes:
            for process in self.processes:
                process.cpu_percent(None)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                cpu = sum(process.cpu_percent(None) for process in self.processes)
                rss = sum(process.memory_info().rss for process in self.processes)
            except psutil.Error:
                return
            self.samples.append((time.monotonic() - self.started, cpu, rss))


    def summary(self, after_s: float = 0.0) -> dict:
        """Streamlit's load-test names: memory_rss_mb_start/end/peak/avg/growth, cpu_percent_avg/peak."""
        if not self.samples:
            return {}
        cpus = [cpu for _, cpu, _ in self.samples]
        rss = [r / 2**20 for _, _, r in self.samples]
        later = [r / 2**20 for t, _, r in self.samples if t >= after_s] or rss[-1:]
        return {"memory_rss_mb_start": round(rss[0], 1), "memory_rss_mb_end": round(rss[-1], 1),
                "memory_rss_mb_peak": round(max(rss), 1), "memory_rss_mb_avg": round(sum(rss) / len(rss), 1),
                "memory_rss_mb_growth": round(rss[-1] - rss[0], 1),
                "memory_rss_mb_after_warmup": round(later[0], 1),
                "memory_rss_mb_growth_after_warmup": round(max(later) - later[0], 1),
                "cpu_percent_avg": round(sum(cpus) / len(cpus), 1), "cpu_percent_peak": round(max(cpus), 1),
                "sample_count": len(self.samples)}


def cpu_count() -> int:
    return os.cpu_count() or 1
