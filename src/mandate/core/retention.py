"""Retention: each kind of personal data is kept for a set number of months, then removed.

Periods come from ``settings.MANDATE_RETENTION_MONTHS`` (one environment variable per kind).
``mandate retention`` reports what would go; ``mandate retention --apply`` removes it and writes
one audit event with the counts. Later apps add their own kinds with ``register`` in their
``<app>/privacy.py`` (the fund evidence rule belongs to the funds app).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mandate.core.audit import audit_record


@dataclass(frozen=True)
class Rule:
    kind: str  # a key of MANDATE_RETENTION_MONTHS
    title: str  # what goes, for the report
    counted_from: str  # "the ballot's close", "sending"
    # The rows past their time, given the cutoff moment.
    select: Callable[[dt.datetime], QuerySet[Any]]
    # What happens to them; returns the number of rows changed. Default: delete.
    remove: Callable[[QuerySet[Any]], int] | None = None


@dataclass(frozen=True)
class Line:
    kind: str
    title: str
    months: int | None
    counted_from: str
    count: int


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> None:
    """Add a retention rule; its kind needs a period in MANDATE_RETENTION_MONTHS."""
    _RULES[f"{rule.kind}:{rule.title}"] = rule


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """MOMENT minus whole calendar months, clamped to the month's last day."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def _delete(qs: QuerySet[Any]) -> int:
    pks = list(qs.values_list("pk", flat=True))
    # A queryset delete: the audit log's own guard is for single rows edited by mistake.
    qs.model._default_manager.filter(pk__in=pks).delete()
    return len(pks)


def _blank(**values: Any) -> Callable[[QuerySet[Any]], int]:
    def remove(qs: QuerySet[Any]) -> int:
        return qs.update(**values)

    return remove


def _closed_ballots(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.ballots.models import Ballot

    return Ballot.objects.filter(closes__lt=timezone.localdate(cutoff)).values("pk")


def _gtvo_events(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.turnout.models import ContactEvent

    return ContactEvent.objects.filter(ballot__in=_closed_ballots(cutoff))


def _gtvo_statuses(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.turnout.models import ContactStatus

    return ContactStatus.objects.filter(ballot__in=_closed_ballots(cutoff))


def _replacements(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.turnout.models import ReplacementRequest

    return ReplacementRequest.objects.filter(ballot__in=_closed_ballots(cutoff))


def _call_notes(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.calls.models import CallLog

    return CallLog.objects.filter(target__assignment__ballot__in=_closed_ballots(cutoff)).exclude(
        note=""
    )


def _message_bodies(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.messaging.models import Message, MessageState

    # Queued and sending messages still need their text.
    return (
        Message.objects.filter(created_at__lt=cutoff)
        .exclude(state__in=[MessageState.QUEUED, MessageState.SENDING])
        .exclude(body="", address="")
    )


def _delivery_log(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.messaging.models import DeliveryEvent

    return DeliveryEvent.objects.filter(at__lt=cutoff)


def _import_uploads(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.members.models import ImportRun

    return (
        ImportRun.objects.filter(created_at__lt=cutoff)
        .exclude(state=ImportRun.State.APPLIED)
        .exclude(content=b"")
    )


def _picket_supporters(cutoff: dt.datetime) -> QuerySet[Any]:
    from django.db.models import Max, Q

    from mandate.pickets.models import Supporter

    # Counted from their last shift; one who never got onto a shift, from when they signed up.
    return Supporter.objects.annotate(last_shift=Max("signups__shift__date")).filter(
        Q(last_shift__lt=timezone.localdate(cutoff))
        | Q(last_shift__isnull=True, created_at__lt=cutoff)
    )


def _picket_supporter_reminders(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.pickets.models import ReminderState, SupporterReminder

    return SupporterReminder.objects.filter(
        signup__shift__date__lt=timezone.localdate(cutoff)
    ).exclude(state__in=[ReminderState.QUEUED, ReminderState.SENDING])


def _audit_log(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.core.models import AuditEvent

    return AuditEvent.objects.filter(at__lt=cutoff)


for _rule in (
    Rule("gtvo_contacts", "GTVO contact reports", "the ballot's close", _gtvo_events),
    Rule("gtvo_contacts", "GTVO answers per member", "the ballot's close", _gtvo_statuses),
    Rule(
        "replacement_addresses",
        "Replacement paper requests (with addresses)",
        "the ballot's close",
        _replacements,
    ),
    Rule("call_notes", "Phone-bank call notes", "the ballot's close", _call_notes, _blank(note="")),
    Rule(
        "message_bodies",
        "Message texts and addresses",
        "the message",
        _message_bodies,
        _blank(body="", address=""),
    ),
    Rule("delivery_log", "Message delivery reports", "the report", _delivery_log),
    Rule(
        "import_uploads",
        "Register uploads never applied",
        "the upload",
        _import_uploads,
        _blank(content=b""),
    ),
    Rule(
        "picket_supporters",
        "Picket supporter reminders (texts and addresses)",
        "the shift",
        _picket_supporter_reminders,
    ),
    Rule(
        "picket_supporters",
        "Picket supporters (names, contact details, their sign-ups and check-ins)",
        "their last shift",
        _picket_supporters,
    ),
    Rule("audit_log", "Audit log entries", "the entry", _audit_log),
):
    # Two rules may share a kind (GTVO reports and answers go together); key them apart.
    _RULES[f"{_rule.kind}:{_rule.title}"] = _rule


def rules() -> list[Rule]:
    from mandate.core.privacy.registry import declarations

    declarations()  # loads apps' privacy modules, where later apps register their rules
    return list(_RULES.values())


def periods() -> dict[str, int]:
    return dict(getattr(settings, "MANDATE_RETENTION_MONTHS", {}))


def _lines(now: dt.datetime, *, apply: bool) -> list[Line]:
    months_by_kind = periods()
    lines = []
    for rule in rules():
        months = months_by_kind.get(rule.kind)
        if months is None or months <= 0:
            # No period set (or 0): kept until a period is configured.
            lines.append(Line(rule.kind, rule.title, None, rule.counted_from, 0))
            continue
        qs = rule.select(months_before(now, months))
        count = (rule.remove or _delete)(qs) if apply else qs.count()
        lines.append(Line(rule.kind, rule.title, months, rule.counted_from, count))
    known = {rule.kind for rule in rules()}
    for kind, months in sorted(months_by_kind.items()):
        if kind not in known:
            lines.append(Line(kind, f"{kind} (no data of this kind yet)", months, "", 0))
    return lines


def retention_report(now: dt.datetime | None = None) -> list[Line]:
    """What ``retention_apply`` would remove now: counts per kind, no personal data."""
    return _lines(now or timezone.now(), apply=False)


def retention_apply(now: dt.datetime | None = None) -> list[Line]:
    """Remove every kind of data past its period, in one transaction, and audit the counts."""
    with transaction.atomic():
        lines = _lines(now or timezone.now(), apply=True)
        audit_record(
            actor=None,
            action="retention.apply",
            detail={f"{ln.kind}: {ln.title}": ln.count for ln in lines if ln.count},
        )
    return lines
