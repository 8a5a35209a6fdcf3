"""Background tasks (django-tasks): deliver a chunk of messages. ``mandate worker`` runs them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mandate.messaging import delivery
from mandate.messaging.models import Message, MessageState

# One task per this many messages: big enough that the task table stays small (240 rows for
# 120,000 members), small enough that several workers share a send and a dead worker strands
# little.
CHUNK: Final = 500


@task()
def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    """Deliver the queued messages among MESSAGE_IDS; return counts by outcome (no content)."""
    return dict(delivery.deliver(message_ids))


def enqueue_ids(
    message_ids: Sequence[int], *, run_after: datetime | None = None, mark: bool = True
) -> int:
    """Queue tasks for MESSAGE_IDS in chunks; deferred to RUN_AFTER where the backend can.

    MARK records the time on each message, which the reaper reads to find messages whose task
    was lost; a new send's messages carry it from their insertion.
    """
    ids = sorted(message_ids)
    job = deliver_messages
    now = timezone.now()
    if run_after is not None and run_after > now:
        if not job.get_backend().supports_defer:
            # A backend that cannot wait (the immediate one) would run them now; the reaper
            # queues them once they are due instead.
            return 0
        job = job.using(run_after=run_after)
    # One commit for all the tasks of a send, not one per task: 240 commits cost seconds.
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if mark:
                Message.objects.filter(pk__in=chunk, state=MessageState.QUEUED).update(
                    enqueued_at=now
                )
            job.enqueue(chunk)
    return (len(ids) + CHUNK - 1) // CHUNK


def enqueue_send(send_id: int) -> int:
    """Queue tasks for every queued message of a send, grouped by when each may go."""
    groups: dict[datetime | None, list[int]] = {}
    rows = (
        Message.objects.filter(send_id=send_id, state=MessageState.QUEUED)
        .order_by("pk")
        .values_list("pk", "not_before")
    )
    for pk, not_before in rows.iterator(chunk_size=10_000):
        groups.setdefault(not_before, []).append(pk)
    return sum(enqueue_ids(ids, run_after=when, mark=False) for when, ids in groups.items())
