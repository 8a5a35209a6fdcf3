"""Changing messaging state: queueing a send, recording opt-outs and provider reports."""

from __future__ import annotations

import logging
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
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


@dataclass(frozen=True)
class MemberLinks:
    """Each recipient's own ``{link}``, for sends where every member gets a different one (a
    personal GTVO, voting or check-in link).

    ``resolve`` maps a batch of member ids to their links; it runs inside the send's
    transaction, so it may create what the links need (a nonce row), and a member it leaves out
    is skipped with the reason "no personal link". ``sample`` stands in for every link in
    plans and previews, which change nothing: make it as long as the longest real link, so the
    SMS length check holds for every member.
    """

    resolve: Callable[[Sequence[int]], Mapping[int, str]]
    sample: str


class _Planned(NamedTuple):
    member_id: int
    verdict: Verdict
    first_name: str
    last_name: str
    branch: str

    def render(self, composer: Composer, link: str | None = None) -> str:
        return composer.render(
            member_id=self.member_id,
            first_name=self.first_name,
            last_name=self.last_name,
            branch=self.branch,
            link=link,
        )


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


def _walk(*, channel: str, members: QuerySet[Member]) -> Iterator[_Planned]:
    """Apply the rules to every member once."""
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
    for recipient, first, last, branch_id in rcp.read(members, employers, branch_employers):
        decision = verdict(
            channel, recipient, opted_out=recipient.member_id in outs, domains=domains
        )
        yield _Planned(recipient.member_id, decision, first, last, branch_names.get(branch_id, ""))


def send_plan(
    *,
    channel: str,
    template: str,
    subject: str,
    link: str = "",
    member_links: MemberLinks | None = None,
    members: QuerySet[Member],
    now: datetime | None = None,
) -> Plan:
    """Work out what sending TEMPLATE to MEMBERS on CHANNEL would do, changing nothing.

    MEMBERS must already be limited by the permission policy. With MEMBER_LINKS, its sample
    stands in for each member's own link. Raises DomainError (with every template problem)
    before looking at a single member.
    """
    _check_channel(channel, subject)
    parsed = parse_template(template)
    link = _link_for(link, member_links)
    _check_link(parsed.fields, link)
    composer = Composer(parsed, channel, link)
    plan = Plan(channel=channel)
    sms = channel == Channel.SMS
    for planned in _walk(channel=channel, members=members):
        plan.recipients += 1
        if not planned.verdict.ok:
            plan.skipped[str(planned.verdict.reason)] += 1
            continue
        plan.will_send += 1
        if plan.example and not sms:
            continue
        body = planned.render(composer)
        if not plan.example:
            plan.example = body
        if sms:
            length = sms_length(body)
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


def _link_for(link: str, member_links: MemberLinks | None) -> str:
    if member_links is None:
        return link
    if link.strip():
        raise DomainError("Give one link for everyone or a link per member, not both.")
    return member_links.sample


def send_queue(
    *,
    actor: User | None,
    branch: Branch | None,
    channel: str,
    template: str,
    subject: str = "",
    link: str = "",
    member_links: MemberLinks | None = None,
    members: QuerySet[Member],
    audience: str,
    segment: Segment | None = None,
    request_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Send:
    """Queue one message per member in MEMBERS (already within the actor's reach) and hand
    them to the workers once committed. A repeated REQUEST_KEY returns the first send.

    ``{link}`` is LINK for everyone, or with MEMBER_LINKS each member's own link, resolved a
    batch at a time inside this transaction.
    """
    _check_channel(channel, subject)
    parsed = parse_template(template)
    sample = _link_for(link, member_links)
    _check_link(parsed.fields, sample)
    composer = Composer(parsed, channel, sample)
    personal = member_links is not None and "link" in parsed.fields
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
                    link="" if member_links is not None else link.strip(),
                    segment=segment,
                    audience=audience[:200],
                    request_key=key,
                    created_at=now,
                )
        except IntegrityError:
            # Two clicks on Send raced each other; the other one queued the messages.
            return Send.objects.get(request_key=key)
        skipped: Counter[str] = Counter()
        total = queued = 0
        pending: list[_Planned] = []

        def flush() -> None:
            nonlocal queued
            links: Mapping[int, str] = {}
            if personal and member_links is not None:
                links = member_links.resolve([p.member_id for p in pending if p.verdict.ok])
            ids = _uuids(len(pending))
            batch: list[tuple[Any, ...]] = []
            for planned in pending:
                reason = "" if planned.verdict.ok else str(planned.verdict.reason)
                if not reason and personal and planned.member_id not in links:
                    reason = Reason.NO_LINK
                if reason:
                    skipped[reason] += 1
                else:
                    queued += 1
                body = planned.render(composer, links.get(planned.member_id)) if not reason else ""
                # In bulk.MESSAGE_COLUMNS order. Queued rows count as handed to the workers
                # now: the tasks are queued on commit, and the reaper finds them if that never
                # happens.
                batch.append(
                    (
                        next(ids),
                        send.pk,
                        planned.member_id,
                        channel,
                        planned.verdict.address,
                        body,
                        MessageState.SKIPPED if reason else MessageState.QUEUED,
                        reason,
                        0,
                        None if reason else due,
                        "",
                        now,
                        None if reason else now,
                    )
                )
            bulk.insert_messages(batch)
            pending.clear()

        for planned in _walk(channel=channel, members=members):
            total += 1
            pending.append(planned)
            if len(pending) >= INSERT_BATCH:
                flush()
        if pending:
            flush()
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


def personal_links_send(
    *,
    actor: User | None,
    branch: Branch | None,
    channel: str,
    template: str,
    subject: str,
    member_links: MemberLinks,
    members: QuerySet[Member],
    audience: str,
    audit_action: str,
    audit_obj: Model,
    audit_detail: Mapping[str, Any] | None = None,
    request_key: uuid.UUID | None = None,
) -> Send:
    """Queue each member's own link (a vote, a check-in) and audit it on AUDIT_OBJ, once.

    A repeated REQUEST_KEY (a second click on Send) returns the first send: nothing more is
    queued or audited.
    """
    if request_key is not None:
        earlier = Send.objects.filter(request_key=request_key).first()
        if earlier is not None:
            return earlier
    with transaction.atomic():
        send = send_queue(
            actor=actor,
            branch=branch,
            channel=channel,
            template=template,
            subject=subject,
            member_links=member_links,
            members=members,
            audience=audience,
            request_key=request_key,
        )
        audit_record(
            actor=actor,
            action=audit_action,
            obj=audit_obj,
            branch=branch,
            detail={
                "send": send.pk,
                "channel": channel,
                "queued": send.queued_count,
                "recipients": send.recipient_count,
                **(audit_detail or {}),
            },
        )
    return send


def skipped_rows(send: Send) -> list[tuple[str, int]]:
    """(label, count) for each reason a send's messages were skipped, largest first."""
    counts = Counter({str(k): int(v) for k, v in (send.skipped_counts or {}).items()})
    return [(reason_label(r, send.channel), n) for r, n in counts.most_common()]


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
