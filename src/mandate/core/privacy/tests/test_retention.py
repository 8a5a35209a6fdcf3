"""Retention with time travel: nothing goes early, each kind goes after its own period."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from mandate.calls.models import CallLog
from mandate.conftest import World
from mandate.core.models import AuditEvent
from mandate.core.privacy.tests.scenario import NAME, build
from mandate.core.retention import months_before, retention_apply, retention_report
from mandate.messaging.models import Message
from mandate.turnout.models import ContactEvent, ContactStatus


def _counts(lines: list) -> dict[str, int]:  # type: ignore[type-arg]
    out: dict[str, int] = {}
    for line in lines:
        out[line.kind] = out.get(line.kind, 0) + line.count
    return out


def test_months_before_clamps_to_the_end_of_the_month() -> None:
    at = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    assert months_before(at, 1) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert months_before(at, 15) == dt.datetime(2024, 12, 31, 12, tzinfo=dt.UTC)


def test_nothing_goes_before_its_time(world: World) -> None:
    build(world)
    assert _counts(retention_report()) == {k: 0 for k in _counts(retention_report())}
    assert sum(ln.count for ln in retention_apply()) == 0
    assert ContactEvent.objects.exists()


def test_each_kind_goes_after_its_period(world: World) -> None:
    s = build(world)
    closes = s.ballot.closes
    after_close = timezone.make_aware(dt.datetime.combine(closes, dt.time(12)))
    # Four months on: message texts (3 months) go; the ballot's contact history (6) stays.
    four = retention_report(after_close + dt.timedelta(days=120))
    assert _counts(four)["message_bodies"] == 1
    assert _counts(four)["gtvo_contacts"] == 0
    # Seven months after the close: GTVO reports, answers and call notes are due too.
    seven = after_close + dt.timedelta(days=215)
    report = _counts(retention_report(seven))
    assert report["gtvo_contacts"] == ContactEvent.objects.count() + ContactStatus.objects.count()
    assert report["call_notes"] == 1
    assert report["audit_log"] == 0
    # The dry run changed nothing.
    assert Message.objects.exclude(body="").count() == 1
    applied = _counts(retention_apply(seven))
    assert applied == report
    assert not ContactEvent.objects.exists() and not ContactStatus.objects.exists()
    assert not CallLog.objects.exclude(note="").exists() and CallLog.objects.exists()
    message = Message.objects.get()
    assert message.body == "" and message.address == "" and message.state == "sent"
    event = AuditEvent.objects.get(action="retention.apply")
    assert NAME[0] not in str(event.detail)
    # Six years on, the audit log itself is trimmed, leaving the record of doing it.
    late = seven + dt.timedelta(days=366 * 7)
    assert _counts(retention_apply(late))["audit_log"] >= 1
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["retention.apply"]


@override_settings(MANDATE_RETENTION_MONTHS={"message_bodies": 0, "future_kind": 12})
def test_a_zero_period_keeps_and_an_unknown_kind_is_listed(world: World) -> None:
    build(world)
    lines = retention_report(timezone.now() + dt.timedelta(days=4000))
    bodies = [ln for ln in lines if ln.kind == "message_bodies"]
    assert bodies and all(ln.months is None and ln.count == 0 for ln in bodies)
    assert any(ln.kind == "future_kind" for ln in lines)


def test_the_command_prints_counts_only(world: World) -> None:
    build(world)
    out = io.StringIO()
    call_command("retention", stdout=out)
    text = out.getvalue()
    assert "Dry run" in text and "gtvo_contacts" in text and NAME[0] not in text
    out = io.StringIO()
    call_command("retention", "--apply", stdout=out)
    assert "Retention applied." in out.getvalue()
