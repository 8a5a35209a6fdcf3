"""The workers' side: claim queued messages, check the rules again, hand each to its backend,
record the outcome; and return the messages of a worker that died to the queue.

Exactly once, with workers that may be killed at any instruction:

1. A claim is one conditional UPDATE (``state=queued -> sending`` with a fresh claim token), so
   two workers never hold the same message: on PostgreSQL the second UPDATE waits for the
   first's row locks and then finds the rows no longer queued; SQLite runs one writer at a time.
2. A worker records outcomes only for rows still carrying its token, and renews its lease
   whenever it records, so a slow worker keeps what it holds.
3. A worker that dies leaves rows in ``sending``; once their lease has passed, :func:`reap`
   returns them to ``queued`` and queues a task for them.
4. The message may already have been handed over when the worker died. Backends are
   idempotent by the message uuid, so the second hand-over delivers nothing new.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mandate.members.models import Member
from mandate.messaging import bulk
from mandate.messaging import recipients as rcp
from mandate.messaging.backends import (
    Outbound,
    PermanentFailure,
    TemporaryFailure,
    backend_for,
)
from mandate.messaging.models import (
    Channel,
    DeliveryEvent,
    DeliveryEventKind,
    Message,
    MessageState,
    Reason,
)
from mandate.messaging.rules import WorkDomains, texting_hours, verdict

logger = logging.getLogger(__name__)

FLUSH_ROWS: Final = 200
RETRY_BASE_SECONDS: Final = 60


def lease() -> timedelta:
    return timedelta(seconds=settings.MANDATE_MESSAGING_LEASE_SECONDS)


@dataclass
class _Outcome:
    pk: int
    state: str
    kind: str
    reason: str = ""
    provider_id: str = ""
    address: str = ""
    not_before: datetime | None = None
    detail: str = ""


@dataclass
class _Batch:
    """Outcomes waiting to be written, and the messages to hand back to the queue later."""

    token: uuid.UUID
    clock: Callable[[], datetime]
    outcomes: list[_Outcome] = field(default_factory=list)
    later: dict[datetime, list[int]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    flushed_at: float = field(default_factory=time.monotonic)

    def add(self, outcome: _Outcome) -> None:
        self.outcomes.append(outcome)

    def due(self) -> bool:
        interval = min(5.0, settings.MANDATE_MESSAGING_LEASE_SECONDS / 3)
        return len(self.outcomes) >= FLUSH_ROWS or time.monotonic() - self.flushed_at > interval

    def flush(self) -> None:
        self.flushed_at = time.monotonic()
        if not self.outcomes:
            return
        now = self.clock()
        by_pk = {o.pk: o for o in self.outcomes}
        self.outcomes = []
        with transaction.atomic():
            mine = sorted(
                Message.objects.select_for_update()
                .filter(pk__in=list(by_pk), claim_token=self.token, state=MessageState.SENDING)
                .values_list("pk", flat=True)
            )
            outcomes = []
            for pk in mine:
                o = by_pk[pk]
                queued = o.state == MessageState.QUEUED
                # In bulk.OUTCOME_COLUMNS order, then the id.
                outcomes.append(
                    (
                        o.state,
                        o.reason,
                        o.provider_id,
                        o.address,
                        now if o.state == MessageState.SENT else None,
                        o.not_before,
                        now if queued else None,
                        pk,
                    )
                )
                self.counts[o.kind] += 1
                if queued and o.not_before is not None:
                    self.later.setdefault(o.not_before, []).append(pk)
            bulk.record_outcomes(outcomes, self.token)
            bulk.insert_events((pk, now, by_pk[pk].kind, by_pk[pk].detail) for pk in mine)
            # Whatever this worker still holds, it holds for another lease.
            Message.objects.filter(claim_token=self.token, state=MessageState.SENDING).update(
                claimed_at=now
            )
        lost = len(by_pk) - len(mine)
        if lost:
            logger.warning("%d messages were reclaimed from a slow worker", lost)


def claim(message_ids: Sequence[int], *, now: datetime) -> tuple[uuid.UUID, int]:
    token = uuid.uuid4()
    claimed = (
        Message.objects.filter(pk__in=list(message_ids), state=MessageState.QUEUED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .update(
            state=MessageState.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )
    return token, claimed


def deliver(
    message_ids: Sequence[int], *, clock: Callable[[], datetime] = timezone.now
) -> Counter[str]:
    """Send the messages among MESSAGE_IDS that are queued and due; return counts by outcome."""
    token, claimed = claim(message_ids, now=clock())
    if not claimed:
        return Counter()
    rows = list(
        Message.objects.filter(claim_token=token, state=MessageState.SENDING)
        .order_by("pk")
        .values_list("pk", "uuid", "channel", "body", "attempts", "member_id", "send__subject")
    )
    member_ids = sorted({row[5] for row in rows})
    channels = {row[2] for row in rows}
    members = Member.objects.filter(pk__in=member_ids)
    employers: dict[int, set[int]] = {}
    branch_employers: dict[int, set[int]] = {}
    if Channel.EMAIL in channels:
        employers = rcp.employers_by_member(member_ids)
        branch_ids = set(members.order_by().values_list("branch_id", flat=True).distinct())
        branch_employers = rcp.employers_by_branch(branch_ids)
    recipients = {r.member_id: r for r, _, _, _ in rcp.read(members, employers, branch_employers)}
    outs = {channel: rcp.opted_out(channel, member_ids) for channel in channels}
    domains = WorkDomains()
    if Channel.EMAIL in channels:
        domains = rcp.domain_cache.get(set().union(*(r.employer_ids for r in recipients.values())))
    hours = texting_hours()
    max_attempts = settings.MANDATE_MESSAGING_MAX_ATTEMPTS
    batch = _Batch(token=token, clock=clock)
    for pk, message_uuid, channel, body, attempts, member_id, subject in rows:
        recipient = recipients.get(member_id)
        decision = (
            verdict(channel, recipient, opted_out=member_id in outs[channel], domains=domains)
            if recipient is not None
            else None
        )
        if decision is None or not decision.ok:
            reason = decision.reason if decision is not None else Reason.NOT_MEMBER
            batch.add(_Outcome(pk, MessageState.SKIPPED, DeliveryEventKind.SKIPPED, str(reason)))
        elif attempts > max_attempts:
            batch.add(_Outcome(pk, MessageState.FAILED, DeliveryEventKind.FAILED, Reason.GAVE_UP))
        elif channel == Channel.SMS and not hours.is_open(clock()):
            opening = hours.next_opening(clock())
            batch.add(
                _Outcome(
                    pk,
                    MessageState.QUEUED,
                    DeliveryEventKind.DEFERRED,
                    not_before=opening,
                    address=decision.address,
                    detail=f"until {opening:%Y-%m-%d %H:%M} UTC",
                )
            )
        else:
            batch.add(
                _hand_over(
                    pk,
                    Outbound(str(message_uuid), channel, decision.address, subject, body),
                    attempts=attempts,
                    max_attempts=max_attempts,
                    now=clock(),
                )
            )
        if batch.due():
            batch.flush()
    batch.flush()
    _queue_later(batch.later)
    return batch.counts


def _hand_over(
    pk: int, message: Outbound, *, attempts: int, max_attempts: int, now: datetime
) -> _Outcome:
    try:
        provider_id = backend_for(message.channel).send(message)
    except PermanentFailure as exc:
        return _Outcome(
            pk, MessageState.FAILED, DeliveryEventKind.FAILED, Reason.REJECTED, detail=str(exc)
        )
    except TemporaryFailure as exc:
        if attempts >= max_attempts:
            return _Outcome(
                pk, MessageState.FAILED, DeliveryEventKind.FAILED, Reason.GAVE_UP, detail=str(exc)
            )
        wait = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempts - 1))
        return _Outcome(
            pk,
            MessageState.QUEUED,
            DeliveryEventKind.RETRY,
            not_before=now + wait,
            address=message.address,
            detail=f"{exc}; attempt {attempts} of {max_attempts}",
        )
    return _Outcome(
        pk,
        MessageState.SENT,
        DeliveryEventKind.SENT,
        provider_id=provider_id,
        address=message.address,
    )


def _queue_later(later: dict[datetime, list[int]]) -> None:
    from mandate.messaging.tasks import enqueue_ids

    for when, ids in later.items():
        enqueue_ids(ids, run_after=when)


def reap(*, now: datetime | None = None, limit: int = 50_000) -> int:
    """Return the messages of dead workers, and any never handed to a worker, to the queue.

    A message held in ``sending`` past its lease is presumed abandoned. A queued message that
    has been due for two leases with no worker taking it lost its task (a crash between commit
    and enqueue, or a failed task); it is queued again. Returns how many were queued again.
    """
    from mandate.messaging.tasks import enqueue_ids

    now = now or timezone.now()
    cutoff = now - lease()
    stale = list(
        Message.objects.filter(state=MessageState.SENDING, claimed_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    returned: list[int] = []
    for start in range(0, len(stale), 1000):
        chunk = stale[start : start + 1000]
        with transaction.atomic():
            mine = list(
                Message.objects.select_for_update(skip_locked=True)
                .filter(pk__in=chunk, state=MessageState.SENDING, claimed_at__lt=cutoff)
                .values_list("pk", flat=True)
            )
            Message.objects.filter(pk__in=mine).update(
                state=MessageState.QUEUED, claim_token=None, claimed_at=None, enqueued_at=now
            )
            DeliveryEvent.objects.bulk_create(
                DeliveryEvent(message_id=pk, at=now, kind=DeliveryEventKind.REQUEUED) for pk in mine
            )
        returned.extend(mine)
    stranded_cutoff = now - 2 * lease()
    stranded = list(
        Message.objects.filter(state=MessageState.QUEUED)
        .filter(
            Q(enqueued_at__isnull=True, created_at__lt=stranded_cutoff)
            | Q(enqueued_at__lt=stranded_cutoff)
        )
        .filter(Q(not_before__isnull=True) | Q(not_before__lt=stranded_cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if returned:
        enqueue_ids(returned)
    if stranded:
        enqueue_ids(stranded)
    total = len(returned) + len(stranded)
    if total:
        logger.info(
            "reaper: %d messages returned from stopped workers, %d re-queued",
            len(returned),
            len(stranded),
        )
    return total
