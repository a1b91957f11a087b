"""Who is executing a sync run, whether that process still lives, and the heartbeat that says
so while it works.

A run's ``owner`` is ``"<host>:<pid>:<process start time>"`` (psutil's ``create_time``, seconds
since the epoch to 0.01 s) of the process that executes it: set when a worker claims the run,
and when a run is requested in eager mode (the demo, "sync now" without a broker), where the
requesting process runs it. The start time tells a reused pid from the original process.

Liveness can only be checked for a process on this host; a run owned elsewhere is judged by
its heartbeat age alone (``SYNC_STALE_AFTER_SECONDS``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import psutil
from django.db import connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Owner:
    """A process: host name, pid and start time (seconds since the epoch)."""

    host: str
    pid: int
    started: float

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started:.2f}"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """``"host:pid:started"`` → ``Owner``; None for an empty or foreign value."""
        parts = (text or "").rsplit(":", 2)
        if len(parts) != 3:
            return None
        host, pid, started = parts
        try:
            return cls(host=host, pid=int(pid), started=float(started))
        except ValueError:
            return None


@cache
def _this_host() -> str:
    return socket.gethostname()


def current_owner() -> Owner:
    """This process."""
    pid = os.getpid()
    return Owner(host=_this_host(), pid=pid, started=round(psutil.Process(pid).create_time(), 2))


def owner_gone(text: str) -> str:
    """Why the process named by ``text`` (a run's ``owner``) no longer runs the run, or "" when
    it may still: the process is on this host and has exited (or its pid now belongs to another
    process). A process on another host cannot be checked here: ""."""
    owner = Owner.parse(text)
    if owner is None or owner.host != _this_host():
        return ""
    try:
        started = round(psutil.Process(owner.pid).create_time(), 2)
    except psutil.NoSuchProcess:
        return f"its process {owner.pid} on {owner.host} has exited"
    except psutil.Error:  # AccessDenied and the like: it exists, leave it to the heartbeat
        return ""
    if abs(started - owner.started) > 0.05:
        return f"its process {owner.pid} on {owner.host} has exited (the pid was reused)"
    try:
        if psutil.Process(owner.pid).status() == psutil.STATUS_ZOMBIE:
            return f"its process {owner.pid} on {owner.host} has exited"
    except psutil.Error:
        return ""
    return ""


@contextmanager
def heartbeat(beat, *, every: float):
    """Call ``beat()`` every ``every`` seconds in a daemon thread while the block runs, so a
    run stays visibly alive through long waits the engine cannot interrupt (a page of a slow
    provider, HTTP retries and rate-limit sleeps, bulk and report polls). The thread has its
    own database connection, closed when the block ends.

    Not started inside a transaction (``connection.in_atomic_block``: a test's, or a caller's
    own): the run row's changes would not be visible to another connection, and on SQLite the
    thread would wait for the transaction's write lock. ``every <= 0`` disables it."""
    if every <= 0 or connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(every):
                try:
                    beat()
                except Exception:  # noqa: BLE001 - a missed beat is logged, the run goes on
                    logger.warning("sync heartbeat failed", exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name="sync-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)
