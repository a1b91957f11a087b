"""Run work in a transaction on another connection and keep it open while the test acts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def open_transaction(work: Callable[[], object], *, timeout: float = 10) -> Iterator[None]:
    """Run ``work()`` inside ``transaction.atomic()`` on a thread of its own (so its own
    database connection), and hold that transaction open, locks and uncommitted writes
    included, for the body of the ``with``; it commits when the body ends. Needs a
    ``django_db(transaction=True)`` test on PostgreSQL (SQLite serializes writers)."""
    done_work, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                work()
                done_work.set()
                release.wait(timeout)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)
            done_work.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert done_work.wait(timeout), "the transaction's work did not finish"
    if failure:
        holder.join(timeout)
        raise failure[0]
    try:
        yield
    finally:
        release.set()
        holder.join(timeout)
    if failure:
        raise failure[0]
