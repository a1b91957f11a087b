"""How reports and feeds move through ``processingStatus`` as clients poll them.

Each ``getReport``/``getFeed`` call is one poll: a job spends its seller's ``queue_polls`` polls
``IN_QUEUE``, then ``progress_polls`` polls ``IN_PROGRESS``, and the next poll finishes it
(``DONE``, ``CANCELLED`` or ``FATAL``). Counting polls instead of seconds keeps the lifecycle
independent of the wall clock, so tests and the benchmark see the same sequence.
"""

from __future__ import annotations

from sandbox.amazon.models import ProcessingStatus, SandboxAmazonSeller


def status_after_poll(polls: int, seller: SandboxAmazonSeller) -> str | None:
    """The status after poll number ``polls`` (1-based), or ``None`` when the job finishes on
    this poll."""
    if polls <= seller.queue_polls:
        return ProcessingStatus.IN_QUEUE
    if polls <= seller.queue_polls + seller.progress_polls:
        return ProcessingStatus.IN_PROGRESS
    return None
