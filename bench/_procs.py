"""The processes a bench measures against: gunicorn serving the hub and the sandboxes, and one
Celery worker over the configured broker, both in this process's environment. Import after
``_setup.django_setup()``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from _setup import ROOT

from config.celery import app as celery_app
from sandbox.demo import server_answers


class ProcessesDidNotStart(RuntimeError):
    """gunicorn or the worker exited, or did not answer within the start timeout."""


def start_processes(
    *,
    port: int,
    logs: Path,
    web_workers: int,
    web_threads: int,
    concurrency: int,
    worker_loglevel: str = "WARNING",
    timeout: float = 60.0,
) -> list[subprocess.Popen]:
    """Start gunicorn (``web_workers`` × ``web_threads`` gthread on 127.0.0.1:``port``) and a
    prefork Celery worker (``concurrency`` processes, ``worker_loglevel``), logs under
    ``logs``; wait until the web answers and the worker pings. Raises
    ``ProcessesDidNotStart``."""
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    server_log = open(logs / "gunicorn.log", "wb")  # noqa: SIM115 - lives as long as the process
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(web_workers),
            "--threads",
            str(web_threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    worker_log = open(logs / "worker.log", "wb")  # noqa: SIM115 - lives as long as the process
    worker = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            f"--loglevel={worker_loglevel}",
        ],  # fmt: skip
        cwd=ROOT,
        env={**env, "LOG_LEVEL": worker_loglevel},
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    procs = [server, worker]
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    web_up = worker_up = False
    while time.monotonic() < deadline and not (web_up and worker_up):
        for proc, name in ((server, "gunicorn"), (worker, "celery worker")):
            if proc.poll() is not None:
                stop_processes(procs)
                raise ProcessesDidNotStart(f"{name} exited with {proc.returncode}; see {logs}")
        if not web_up:
            web_up = server_answers(base_url)
        if not worker_up:
            worker_up = bool(celery_app.control.ping(timeout=1.0))
        if not (web_up and worker_up):
            time.sleep(0.2)
    if not (web_up and worker_up):
        stop_processes(procs)
        raise ProcessesDidNotStart(
            f"gunicorn up: {web_up}, worker up: {worker_up} after {timeout:.0f} s; see {logs}"
        )
    return procs


def stop_processes(procs: list[subprocess.Popen]) -> None:
    """Terminate the processes, killing any that has not exited after 20 s."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
