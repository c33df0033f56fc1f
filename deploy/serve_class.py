"""A class on one machine: N Streamlit workers behind nginx, with session affinity and failover.

    make serve-class WORKERS=4          # or: python -m deploy.serve_class --workers 4 --port 8500
    python -m deploy.serve_class --workers 2 --generation-endpoint http://127.0.0.1:8000/v1

Students open http://HOST:8500. Every worker reads the same hub cache (HF_HUB_CACHE, read-only) and
writes the same conversion cache (TOKENLENS_CACHE; writes are atomic renames, see docs/deploy.md).
Generation can go to one OpenAI-compatible server (`transformers serve`, vLLM, TGI) instead of a
model in every worker. A worker that dies is started again; meanwhile nginx sends its students to
the others. Ctrl+C stops everything. See docs/deploy.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
AFFINITY_COOKIE = "tokenlens_worker"
# A worker is skipped for this long after it refused a connection, then tried again (a restarted one).
FAIL_TIMEOUT_S = 5
STARTUP_TIMEOUT_S = 90


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def render_nginx_config(*, listen: str, ports: list[int], run_dir: Path, template: str | None = None) -> str:
    """The nginx configuration for workers on 127.0.0.1:`ports`, proxied at `listen` ("HOST:PORT")."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;"
                        for port in ports)
    text = template if template is not None else TEMPLATE.read_text(encoding="utf-8")
    values = {"workers": str(len(ports)), "run_dir": str(run_dir), "listen": listen, "servers": servers,
              "cookie": AFFINITY_COOKIE}
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def worker_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]


def worker_env(base: dict[str, str], *, cookie_secret: str, generation_endpoint: str | None) -> dict[str, str]:
    """What every worker shares: the caches (inherited), one cookie secret (so a student passed to
    another worker keeps a valid upload token) and, optionally, the class's generation server."""
    env = {**base, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret, "PYTHONUNBUFFERED": "1"}
    if generation_endpoint:
        endpoints = env.get("TOKENLENS_GENERATION_ENDPOINTS", "")
        env["TOKENLENS_GENERATION_ENDPOINTS"] = f"{endpoints} class={generation_endpoint}".strip()
    return env


def healthy(url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=timeout_s) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not start; see {log}")
        time.sleep(0.3)


@dataclass
class Worker:
    port: int
    log: Path
    process: subprocess.Popen | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class ClassServer:
    """The running proxy and its workers (what `serve` yields)."""

    url: str
    run_dir: Path
    workers: list[Worker]
    env: dict[str, str]
    restart: bool = True
    _stopping: threading.Event = field(default_factory=threading.Event)

    def start_worker(self, worker: Worker) -> None:
        with open(worker.log, "a") as log:
            worker.process = subprocess.Popen(worker_command(worker.port), cwd=ROOT, env=self.env,
                                              stdout=log, stderr=subprocess.STDOUT)

    def worker_on(self, port: int) -> Worker:
        return next(worker for worker in self.workers if worker.port == port)

    def kill(self, port: int) -> None:
        """Kill a worker at once, as a crash would (tests, drills)."""
        process = self.worker_on(port).process
        if process and process.poll() is None:
            process.kill()
            process.wait()

    def supervise(self, poll_s: float = 1.0) -> None:
        """Start dead workers again until `stop` (nginx tries them again after FAIL_TIMEOUT_S)."""
        while not self._stopping.wait(poll_s):
            for worker in self.workers:
                if self.restart and worker.process and worker.process.poll() is not None:
                    worker.restarts += 1
                    print(f"worker {worker.port} exited ({worker.process.returncode}); starting it again",
                          flush=True)
                    self.start_worker(worker)

    def stop(self) -> None:
        self._stopping.set()


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serve(workers: int = 2, *, port: int = 8500, host: str = "127.0.0.1", first_worker_port: int | None = None,
          worker_ports: list[int] | None = None, generation_endpoint: str | None = None, restart: bool = True,
          env: dict[str, str] | None = None):
    """Start `workers` Streamlit processes (on `worker_ports`, else from `first_worker_port`, else
    from port+10) and nginx in front of them; yield a ClassServer."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    first = first_worker_port or port + 10
    ports = worker_ports or [first + n for n in range(workers)]
    run_dir = Path(tempfile.mkdtemp(prefix="tokenlens-class-"))
    run_dir.chmod(0o755)  # nginx's worker processes (user nobody when run as root) use its temp folders
    config = run_dir / "nginx.conf"
    config.write_text(render_nginx_config(listen=f"{host}:{port}", ports=ports, run_dir=run_dir), encoding="utf-8")
    check = subprocess.run([nginx, "-t", "-q", "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(config)],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejected {config}: {check.stderr.strip()}")
    server = ClassServer(f"http://{host}:{port}", run_dir,
                         [Worker(p, run_dir / f"worker-{p}.log") for p in ports],
                         worker_env(dict(env if env is not None else os.environ),
                                    cookie_secret=secrets.token_hex(32), generation_endpoint=generation_endpoint),
                         restart=restart)
    proxy = None
    supervisor = threading.Thread(target=server.supervise, daemon=True)
    try:
        for worker in server.workers:  # all at once: they import their libraries in parallel
            server.start_worker(worker)
        for worker in server.workers:
            _wait_healthy(worker.url, worker.process, worker.log)
        proxy = subprocess.Popen([nginx, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(config)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_healthy(server.url, proxy, run_dir / "error.log", timeout_s=15)
        supervisor.start()
        yield server
    finally:
        server.stop()
        if supervisor.is_alive():
            supervisor.join(5)
        _stop(proxy, signal.SIGQUIT)  # nginx's graceful stop
        for worker in server.workers:
            _stop(worker.process)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Streamlit processes (about one per core)")
    parser.add_argument("--port", type=int, default=8500, help="where students connect")
    parser.add_argument("--host", default="0.0.0.0", help="the proxy's address (0.0.0.0: the whole network)")
    parser.add_argument("--first-worker-port", type=int, help="workers listen on 127.0.0.1 from here (port+10)")
    parser.add_argument("--generation-endpoint", help="an OpenAI-compatible server for the Generation page")
    options = parser.parse_args(argv)
    if options.workers < 1:
        parser.error("--workers must be at least 1")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with serve(options.workers, port=options.port, host=options.host, first_worker_port=options.first_worker_port,
               generation_endpoint=options.generation_endpoint) as server:
        shown = server.url.replace("0.0.0.0", "localhost")
        print(f"TokenLens for a class: {shown} -> {len(server.workers)} worker(s) on ports "
              f"{', '.join(str(w.port) for w in server.workers)}; logs in {server.run_dir}. Ctrl+C stops.",
              flush=True)
        stop.wait()
    print("stopped", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
