"""Shift reminders for supporters: queued in their own outbox, sent through messaging's backends.

Supporters are not members, so messaging's queue (which addresses ``Member`` rows) cannot hold
their reminders. The same rules apply all the same:

- they gave consent to be reminded when they signed up (``consent_at``), and can withdraw it
  from their own link or by replying STOP to a text (``reminders_stopped_at``);
- never to an address at a mail domain run by one of the dispute's employers (or the branch's,
  or the site's): their work mail is as readable by the employer as a member's;
- texts only to a valid mobile number, and only within texting hours;
- one reminder per sign-up and channel (a unique constraint: a second run queues nothing).

Delivery claims rows with one conditional UPDATE (``queued -> sending`` with a fresh token), so
two runs or two workers never hold one reminder; backends are idempotent by the reminder's
uuid, so a run killed after the hand-over and before recording "sent" sends nothing new when
the row returns to the queue. Logs and the command's output carry counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from mandate.messaging.backends import Outbound, PermanentFailure, TemporaryFailure, backend_for
from mandate.messaging.recipients import employers_by_branch
from mandate.messaging.rules import (
    WorkDomains,
    domain_of,
    is_sms_number,
    not_before,
    texting_hours,
)
from mandate.pickets.models import (
    PicketShift,
    ReminderChannel,
    ReminderState,
    Signup,
    Supporter,
    SupporterReminder,
)

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 60
SMS_STOP_LINE = "Reply STOP to stop these texts."


class Why:
    """Reasons a reminder was not sent, as stored in ``SupporterReminder.reason``."""

    NO_CONSENT = "no_consent"
    STOPPED = "stopped"
    WORK_ADDRESS = "work_address"
    NO_ADDRESS = "no_address"
    REJECTED = "rejected"
    GAVE_UP = "gave_up"
    CANCELLED = "cancelled"
    TOO_LATE = "too_late"


@dataclass
class Queued:
    queued: int = 0
    skipped: int = 0


def _work_domains(shift: PicketShift) -> set[str]:
    """Mail domains of every employer this shift's dispute, branch or site touches."""
    branch_id = shift.site.branch_id
    employer_ids = set(employers_by_branch([branch_id]).get(branch_id, set()))
    employer_ids.add(shift.site.workplace.employer_id)
    dispute_id = shift.action.dispute_id
    if dispute_id is not None:
        from mandate.disputes.models import Dispute

        employer_ids |= set(
            Dispute.parties.through.objects.filter(dispute_id=dispute_id).values_list(
                "employer_id", flat=True
            )
        )
    domains: set[str] = set()
    for found in WorkDomains.load(employer_ids).by_employer.values():
        domains |= found
    return domains


def _is_work(email: str, domains: set[str]) -> bool:
    domain = domain_of(email)
    return any(domain == d or domain.endswith("." + d) for d in domains)


def choose(supporter: Supporter, domains: set[str]) -> tuple[str, str, str]:
    """(channel, address, reason): a valid mobile first, else a personal email; reason is ''
    when the reminder may go."""
    fallback = ReminderChannel.SMS if supporter.phone else ReminderChannel.EMAIL
    if supporter.consent_at is None:
        return fallback, "", Why.NO_CONSENT
    if supporter.reminders_stopped_at is not None:
        return fallback, "", Why.STOPPED
    if supporter.phone and is_sms_number(supporter.phone):
        return ReminderChannel.SMS, supporter.phone, ""
    email = supporter.email.strip()
    if email:
        if _is_work(email, domains):
            return ReminderChannel.EMAIL, "", Why.WORK_ADDRESS
        return ReminderChannel.EMAIL, email, ""
    return fallback, "", Why.NO_ADDRESS


def compose(shift: PicketShift, supporter: Supporter, channel: str) -> str:
    from mandate.pickets.links import supporter_url

    first = supporter.name.split(",")[0].split("(")[0].strip().split(" ")[0]
    text = (
        f"Hi {first}. Picket reminder: {shift.site.name}, {shift.date:%a %-d %b} "
        f"{shift.starts:%H:%M}-{shift.ends:%H:%M}."
    )
    if shift.site.meeting_point:
        text += f" Meet at {shift.site.meeting_point}."
    text += f" Can't make it, or no more reminders? {supporter_url(supporter)}"
    if channel == ReminderChannel.SMS:
        text += f" {SMS_STOP_LINE}"
    return text


def queue(*, within: dt.timedelta, now: dt.datetime | None = None) -> Queued:
    """Queue one reminder per live supporter sign-up on shifts starting within WITHIN of NOW.

    A supporter the rules rule out gets a ``skipped`` row with the reason, so the organiser sees
    why and the next run does not try again.
    """
    now = now or timezone.now()
    end = now + within
    result = Queued()
    shifts = PicketShift.objects.filter(
        date__gte=timezone.localdate(now), date__lte=timezone.localdate(end)
    ).select_related("site", "site__workplace", "action")
    for shift in shifts:
        if not now <= shift.starts_at() <= end:
            continue
        signups = list(
            Signup.objects.filter(shift=shift, cancelled_at__isnull=True, supporter__isnull=False)
            .exclude(supporter_reminders__isnull=False)
            .select_related("supporter")
        )
        if not signups:
            continue
        domains = _work_domains(shift)
        for signup in signups:
            supporter = signup.supporter
            assert supporter is not None  # noqa: S101 - filtered above
            channel, address, reason = choose(supporter, domains)
            row = SupporterReminder(
                signup=signup,
                supporter=supporter,
                channel=channel,
                address=address,
                subject="Picket shift reminder" if channel == ReminderChannel.EMAIL else "",
                body=compose(shift, supporter, channel) if not reason else "",
                state=ReminderState.SKIPPED if reason else ReminderState.QUEUED,
                reason=reason,
                not_before=None if reason else not_before(channel, now),
                created_at=now,
            )
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue  # another run queued this one first
            if reason:
                result.skipped += 1
            else:
                result.queued += 1
    return result


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MANDATE_MESSAGING_LEASE_SECONDS)


def reap(*, now: dt.datetime) -> int:
    """Return reminders held past their lease by a run that died to the queue."""
    return SupporterReminder.objects.filter(
        state=ReminderState.SENDING, claimed_at__lt=now - _lease()
    ).update(state=ReminderState.QUEUED, claim_token=None, claimed_at=None)


def claim(*, now: dt.datetime, ids: Iterable[int] | None = None) -> tuple[uuid.UUID, int]:
    """Take the due queued reminders (among IDS, if given) with one conditional UPDATE."""
    token = uuid.uuid4()
    due = SupporterReminder.objects.filter(state=ReminderState.QUEUED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    claimed = due.update(
        state=ReminderState.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    return token, claimed


def _record(pk: int, token: uuid.UUID, **values: object) -> bool:
    """Write an outcome, only if this run still holds the row."""
    return bool(
        SupporterReminder.objects.filter(
            pk=pk, claim_token=token, state=ReminderState.SENDING
        ).update(claim_token=None, **values)
    )


def deliver(
    *, ids: Iterable[int] | None = None, clock: Callable[[], dt.datetime] = timezone.now
) -> Counter[str]:
    """Send the due queued reminders; return counts by outcome (sent, deferred, retry, failed,
    skipped)."""
    counts: Counter[str] = Counter()
    reap(now=clock())
    token, claimed = claim(now=clock(), ids=ids)
    if not claimed:
        return counts
    hours = texting_hours()
    max_attempts = settings.MANDATE_MESSAGING_MAX_ATTEMPTS
    rows = (
        SupporterReminder.objects.filter(claim_token=token, state=ReminderState.SENDING)
        .select_related("supporter", "signup", "signup__shift")
        .order_by("pk")
    )
    for row in rows:
        now = clock()
        values: dict[str, object]
        if row.supporter.reminders_stopped_at is not None:
            outcome, values = "skipped", {"state": ReminderState.SKIPPED, "reason": Why.STOPPED}
        elif row.signup.cancelled_at is not None:
            outcome, values = "skipped", {"state": ReminderState.SKIPPED, "reason": Why.CANCELLED}
        elif row.signup.shift.starts_at() <= now:
            # Held for texting hours past the shift's start: a reminder now would only confuse.
            outcome, values = "skipped", {"state": ReminderState.SKIPPED, "reason": Why.TOO_LATE}
        elif row.attempts > max_attempts:
            outcome, values = "failed", {"state": ReminderState.FAILED, "reason": Why.GAVE_UP}
        elif row.channel == ReminderChannel.SMS and not hours.is_open(now):
            outcome = "deferred"
            values = {"state": ReminderState.QUEUED, "not_before": hours.next_opening(now)}
        else:
            outcome, values = _hand_over(row, max_attempts=max_attempts, now=now)
        if _record(row.pk, token, **values):
            counts[outcome] += 1
    if counts:
        logger.info("supporter reminders: %s", dict(sorted(counts.items())))
    return counts


def _hand_over(
    row: SupporterReminder, *, max_attempts: int, now: dt.datetime
) -> tuple[str, dict[str, object]]:
    message = Outbound(str(row.uuid), row.channel, row.address, row.subject, row.body)
    try:
        provider_id = backend_for(row.channel).send(message)
    except PermanentFailure:
        return "failed", {"state": ReminderState.FAILED, "reason": Why.REJECTED}
    except TemporaryFailure:
        if row.attempts >= max_attempts:
            return "failed", {"state": ReminderState.FAILED, "reason": Why.GAVE_UP}
        wait = dt.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** max(row.attempts - 1, 0))
        return "retry", {"state": ReminderState.QUEUED, "not_before": now + wait}
    return "sent", {"state": ReminderState.SENT, "sent_at": now, "provider_id": provider_id[:100]}


def stop(supporter: Supporter, *, now: dt.datetime | None = None) -> int:
    """Stop reminders to SUPPORTER: none queued later, and the queued ones are not sent."""
    now = now or timezone.now()
    with transaction.atomic():
        Supporter.objects.filter(pk=supporter.pk, reminders_stopped_at__isnull=True).update(
            reminders_stopped_at=now
        )
        supporter.refresh_from_db(fields=["reminders_stopped_at"])
        return SupporterReminder.objects.filter(
            supporter=supporter, state=ReminderState.QUEUED
        ).update(state=ReminderState.SKIPPED, reason=Why.STOPPED)


def resume(supporter: Supporter) -> None:
    """Let SUPPORTER be reminded again (of shifts not yet reminded)."""
    Supporter.objects.filter(pk=supporter.pk).update(reminders_stopped_at=None)
    supporter.reminders_stopped_at = None


def stop_by_number(number: str) -> int:
    """A STOP reply from NUMBER: stop reminders to every supporter with that phone."""
    count = 0
    for supporter in Supporter.objects.filter(phone=number):
        stop(supporter)
        count += 1
    return count


def resume_by_number(number: str) -> int:
    return Supporter.objects.filter(phone=number).update(reminders_stopped_at=None)
