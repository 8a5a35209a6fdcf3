"""Changing messaging state: queueing a send, recording opt-outs and provider reports."""

from __future__ import annotations

import logging
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import Branch, User
from mandate.members.models import Member, Segment
from mandate.messaging import bulk
from mandate.messaging import recipients as rcp
from mandate.messaging.compose import Composer
from mandate.messaging.models import (
    Channel,
    DeliveryEvent,
    DeliveryEventKind,
    Message,
    MessageState,
    OptOut,
    OptOutSource,
    Reason,
    Send,
    reason_label,
)
from mandate.messaging.rules import Verdict, WorkDomains, not_before, verdict
from mandate.messaging.templating import SmsLength, parse_template, sms_length

logger = logging.getLogger(__name__)

INSERT_BATCH: Final = 5_000
MAX_SMS_SEGMENTS: Final = 6


@dataclass
class Plan:
    """What a send would do now: counts by outcome and the first message as it would read."""

    channel: str
    recipients: int = 0
    will_send: int = 0
    deferred_until: datetime | None = None
    skipped: Counter[str] = field(default_factory=Counter)
    example: str = ""
    example_length: SmsLength | None = None
    longest: SmsLength | None = None

    def skipped_rows(self) -> list[tuple[str, str, int]]:
        """(reason, label, count) for each reason that applies, largest first."""
        return [
            (reason, reason_label(reason, self.channel), count)
            for reason, count in self.skipped.most_common()
        ]


class _Planned(NamedTuple):
    member_id: int
    verdict: Verdict
    body: str


def _uuids(n: int) -> Iterator[str]:
    """N random version-4 uuids as text, from one read of the system's random source
    (``uuid.uuid4`` reads it once per uuid, which a 120,000-message send notices)."""
    data = bytearray(os.urandom(16 * n))
    for i in range(n):
        data[16 * i + 6] = (data[16 * i + 6] & 0x0F) | 0x40
        data[16 * i + 8] = (data[16 * i + 8] & 0x3F) | 0x80
        h = data[16 * i : 16 * i + 16].hex()
        yield f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _check_channel(channel: str, subject: str) -> None:
    if channel not in Channel.values:
        raise DomainError(f"{channel!r} is not a channel; choose email or text.")
    if channel == Channel.EMAIL and not subject.strip():
        raise DomainError("An email needs a subject.")


def _walk(
    *, channel: str, composer: Composer, members: QuerySet[Member], render_all: bool
) -> Iterator[_Planned]:
    """Apply the rules to every member once, rendering the messages that will go."""
    branch_ids = set(members.order_by().values_list("branch_id", flat=True).distinct())
    branch_names = dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name"))
    outs = rcp.opted_out(channel, members.values("pk"))
    # Employers matter only for recognising work email domains.
    employers: dict[int, set[int]] = {}
    branch_employers: dict[int, set[int]] = {}
    domains = WorkDomains()
    if channel == Channel.EMAIL:
        employers = rcp.employers_by_member(members.values("pk"))
        branch_employers = rcp.employers_by_branch(branch_ids)
        every = set().union(*employers.values(), *branch_employers.values())
        domains = WorkDomains.load(every)
    rendered = 0
    for recipient, first, last, branch_id in rcp.read(members, employers, branch_employers):
        decision = verdict(
            channel, recipient, opted_out=recipient.member_id in outs, domains=domains
        )
        body = ""
        if decision.ok and (render_all or rendered == 0):
            body = composer.render(
                member_id=recipient.member_id,
                first_name=first,
                last_name=last,
                branch=branch_names.get(branch_id, ""),
            )
            rendered += 1
        yield _Planned(recipient.member_id, decision, body)


def send_plan(
    *,
    channel: str,
    template: str,
    subject: str,
    link: str,
    members: QuerySet[Member],
    now: datetime | None = None,
) -> Plan:
    """Work out what sending TEMPLATE to MEMBERS on CHANNEL would do, changing nothing.

    MEMBERS must already be limited by the permission policy. Raises DomainError (with every
    template problem) before looking at a single member.
    """
    _check_channel(channel, subject)
    parsed = parse_template(template)
    _check_link(parsed.fields, link)
    composer = Composer(parsed, channel, link)
    plan = Plan(channel=channel)
    sms = channel == Channel.SMS
    for planned in _walk(channel=channel, composer=composer, members=members, render_all=sms):
        plan.recipients += 1
        if not planned.verdict.ok:
            plan.skipped[str(planned.verdict.reason)] += 1
            continue
        plan.will_send += 1
        if not plan.example:
            plan.example = planned.body
        if sms:
            length = sms_length(planned.body)
            if plan.example_length is None:
                plan.example_length = length
            if plan.longest is None or length.segments > plan.longest.segments:
                plan.longest = length
    if sms:
        if plan.longest is not None and plan.longest.segments > MAX_SMS_SEGMENTS:
            raise DomainError(
                f"The longest text would be {plan.longest.segments} texts long; keep it to "
                f"{MAX_SMS_SEGMENTS} ({plan.longest.describe})."
            )
        plan.deferred_until = not_before(channel, now or timezone.now())
    return plan


def _check_link(fields: frozenset[str], link: str) -> None:
    if "link" in fields and not link.strip():
        raise DomainError("The message uses {link} but no link was given.")


def send_queue(
    *,
    actor: User | None,
    branch: Branch | None,
    channel: str,
    template: str,
    subject: str = "",
    link: str = "",
    members: QuerySet[Member],
    audience: str,
    segment: Segment | None = None,
    request_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Send:
    """Queue one message per member in MEMBERS (already within the actor's reach) and hand
    them to the workers once committed. A repeated REQUEST_KEY returns the first send."""
    _check_channel(channel, subject)
    parsed = parse_template(template)
    _check_link(parsed.fields, link)
    composer = Composer(parsed, channel, link)
    now = now or timezone.now()
    due = not_before(channel, now)
    key = request_key or uuid.uuid4()
    with transaction.atomic():
        existing = Send.objects.filter(request_key=key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                send = Send.objects.create(
                    branch=branch,
                    created_by=actor,
                    channel=channel,
                    subject=subject.strip() if channel == Channel.EMAIL else "",
                    template=template,
                    link=link.strip(),
                    segment=segment,
                    audience=audience[:200],
                    request_key=key,
                    created_at=now,
                )
        except IntegrityError:
            # Two clicks on Send raced each other; the other one queued the messages.
            return Send.objects.get(request_key=key)
        skipped: Counter[str] = Counter()
        batch: list[tuple[Any, ...]] = []
        total = queued = 0
        walk = _walk(channel=channel, composer=composer, members=members, render_all=True)
        ids = _uuids(INSERT_BATCH)
        for planned in walk:
            total += 1
            ok = planned.verdict.ok
            if ok:
                queued += 1
            else:
                skipped[str(planned.verdict.reason)] += 1
            # In bulk.MESSAGE_COLUMNS order. Queued rows count as handed to the workers now:
            # the tasks are queued on commit, and the reaper finds them if that never happens.
            batch.append(
                (
                    next(ids),
                    send.pk,
                    planned.member_id,
                    channel,
                    planned.verdict.address,
                    planned.body,
                    MessageState.QUEUED if ok else MessageState.SKIPPED,
                    "" if ok else str(planned.verdict.reason),
                    0,
                    due if ok else None,
                    "",
                    now,
                    now if ok else None,
                )
            )
            if len(batch) >= INSERT_BATCH:
                bulk.insert_messages(batch)
                batch = []
                ids = _uuids(INSERT_BATCH)
        if batch:
            bulk.insert_messages(batch)
        send.recipient_count = total
        send.queued_count = queued
        send.skipped_counts = dict(skipped)
        send.save(update_fields=["recipient_count", "queued_count", "skipped_counts"])
        audit_record(
            actor=actor,
            action="messages.queue",
            obj=send,
            branch=branch,
            detail={
                "channel": channel,
                "recipients": total,
                "queued": queued,
                "skipped": dict(skipped),
                "segment": segment.pk if segment is not None else None,
            },
        )
        send_id = send.pk
        transaction.on_commit(lambda: _enqueue_after_commit(send_id))
    logger.info("send %s queued: %d messages, %d skipped", send.pk, queued, total - queued)
    return send


def _enqueue_after_commit(send_id: int) -> None:
    from mandate.messaging.tasks import enqueue_send

    enqueue_send(send_id)


@transaction.atomic
def optout_record(
    *, member: Member, channel: str, source: str, actor: User | None = None
) -> OptOut:
    """Record that MEMBER wants nothing more on CHANNEL; queued messages to them are skipped."""
    if channel not in Channel.values:
        raise DomainError(f"{channel!r} is not a channel; choose email or text.")
    if source not in OptOutSource.values:
        raise DomainError(f"{source!r} is not a source of opt-outs.")
    optout, created = OptOut.objects.get_or_create(
        member=member, channel=channel, defaults={"source": source, "recorded_by": actor}
    )
    now = timezone.now()
    pending = list(
        Message.objects.filter(member=member, channel=channel, state=MessageState.QUEUED)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if pending:
        Message.objects.filter(pk__in=pending, state=MessageState.QUEUED).update(
            state=MessageState.SKIPPED, reason=Reason.OPTED_OUT
        )
        DeliveryEvent.objects.bulk_create(
            DeliveryEvent(message_id=pk, at=now, kind=DeliveryEventKind.SKIPPED, detail="opted out")
            for pk in pending
        )
    if created:
        audit_record(
            actor=actor,
            action="messaging.opt_out",
            obj=member,
            branch=member.branch,
            detail={"channel": channel, "source": source, "queued_skipped": len(pending)},
        )
    return optout


@transaction.atomic
def optout_withdraw(*, member: Member, channel: str, actor: User | None = None) -> bool:
    """Remove MEMBER's opt-out of CHANNEL (they asked to hear again); True if there was one."""
    deleted, _ = OptOut.objects.filter(member=member, channel=channel).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="messaging.opt_in",
            obj=member,
            branch=member.branch,
            detail={"channel": channel},
        )
    return bool(deleted)
