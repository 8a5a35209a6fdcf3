"""Supporters' shift reminders: their own outbox, sent once through messaging's backends."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mandate.conftest import World, build_world
from mandate.core.retention import retention_apply, retention_report
from mandate.messaging import inbound
from mandate.messaging.backends import Outbound, TemporaryFailure, reset_backends
from mandate.messaging.models import EmployerEmailDomain, Message
from mandate.pickets import actions, links, supporter_reminders
from mandate.pickets.models import ReminderState, Supporter, SupporterReminder
from mandate.pickets.tests.factories import Line, picket_line

MOBILE = "+447700900801"


@pytest.fixture(autouse=True)
def outbox(tmp_path: Path) -> Iterator[Path]:
    """Both channels write to a JSON-lines file; texting hours open all day."""
    path = tmp_path / "outbox.jsonl"
    with override_settings(
        MANDATE_EMAIL_CHANNEL="file",
        MANDATE_SMS_BACKEND="file",
        MANDATE_MESSAGING_FILE=path,
        MANDATE_TEXTING_HOURS=("00:00", "24:00"),
    ):
        reset_backends()
        yield path
    reset_backends()


def sent(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def supporter(world: World, name: str, *, phone: str = "", email: str = "") -> Supporter:
    return actions.supporter_create(
        branch=world.liverpool, name=name, phone=phone, email=email, kind="student", consent=True
    )


def tomorrow_line(world: World) -> Line:
    return picket_line(world, days=[timezone.localdate() + dt.timedelta(days=1)])


def run_at(line: Line) -> dt.datetime:
    return line.shift().starts_at() - dt.timedelta(hours=12)


def test_supporters_are_reminded_once_by_text_or_personal_email(world: World, outbox: Path) -> None:
    line = tomorrow_line(world)
    EmployerEmailDomain.objects.create(employer=world.liverpool_employer, domain="liverpool.ac.uk")
    priya = supporter(world, "Priya (Guild of Students)", phone=MOBILE)
    dave = supporter(world, "Dave, Unison branch", email="dave@example.org")
    staff = supporter(world, "Sam", email="sam@cs.liverpool.ac.uk")
    landline = supporter(world, "Lou", phone="+441512345678")
    for s in (priya, dave, staff, landline):
        actions.signup_supporter(shift=line.shift(), supporter=s)
    now = run_at(line)

    done = supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)
    assert (done.queued, done.skipped) == (2, 2)
    reasons = dict(SupporterReminder.objects.values_list("supporter__name", "reason"))
    assert reasons == {
        "Priya (Guild of Students)": "",
        "Dave, Unison branch": "",
        "Sam": "work_address",
        "Lou": "no_address",
    }
    assert not SupporterReminder.objects.filter(address__icontains="liverpool.ac.uk").exists()
    # A second run queues nothing; messaging's member queue is not involved.
    again = supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)
    assert (again.queued, again.skipped) == (0, 0)
    assert not Message.objects.exists()

    counts = supporter_reminders.deliver(clock=lambda: now)
    assert counts == Counter({"sent": 2})
    lines = sorted(sent(outbox), key=lambda m: str(m["channel"]))
    assert [(m["channel"], m["to"]) for m in lines] == [
        ("email", "dave@example.org"),
        ("sms", MOBILE),
    ]
    text = lines[1]["body"]
    assert text.startswith("Hi Priya. Picket reminder: Health and Life Sciences")
    assert links.supporter_url(priya) in text and "Reply STOP" in text
    assert lines[0]["subject"] == "Picket shift reminder"
    assert supporter_reminders.deliver(clock=lambda: now) == Counter()
    assert len(sent(outbox)) == 2
    assert SupporterReminder.objects.filter(state=ReminderState.SENT).count() == 2


def test_texts_wait_for_texting_hours_but_email_goes(world: World, outbox: Path) -> None:
    line = tomorrow_line(world)
    for s in (supporter(world, "Priya", phone=MOBILE), supporter(world, "Dave", email="d@ex.org")):
        actions.signup_supporter(shift=line.shift(), supporter=s)
    now = run_at(line)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)
    with override_settings(MANDATE_TEXTING_HOURS=("09:00", "09:01")):
        late = timezone.localtime(now).replace(hour=22, minute=0)
        SupporterReminder.objects.update(not_before=None)
        counts = supporter_reminders.deliver(clock=lambda: late)
        assert counts == Counter({"sent": 1, "deferred": 1})
        held = SupporterReminder.objects.get(channel="sms")
        assert held.state == ReminderState.QUEUED
        assert held.not_before is not None and held.not_before > late
        assert supporter_reminders.deliver(clock=lambda: late) == Counter()
    assert [m["channel"] for m in sent(outbox)] == ["email"]
    # Texting hours that open only after the shift began: the text is dropped, not sent late.
    opening = SupporterReminder.objects.get(channel="sms").not_before
    assert opening is not None
    after = max(opening, line.shift().starts_at() + dt.timedelta(minutes=5))
    assert supporter_reminders.deliver(clock=lambda: after) == Counter({"skipped": 1})
    assert SupporterReminder.objects.get(channel="sms").reason == "too_late"
    assert len(sent(outbox)) == 1


def test_a_supporter_stops_reminders_from_their_own_link(world: World, outbox: Path) -> None:
    line = tomorrow_line(world)
    priya = supporter(world, "Priya", phone=MOBILE)
    actions.signup_supporter(shift=line.shift(), supporter=priya)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=run_at(line))
    client = Client()
    token = links.supporter_token(priya)
    page = client.get(reverse("picket_link:supporter", args=[token])).content.decode()
    assert "Stop reminders" in page
    response = client.post(
        reverse("picket_link:supporter_reminders", args=[token]), {"reminders": "off"}
    )
    assert response.status_code == 302
    priya.refresh_from_db()
    assert priya.reminders_stopped_at is not None
    assert SupporterReminder.objects.get().reason == "stopped"
    assert supporter_reminders.deliver() == Counter()
    assert sent(outbox) == []
    page = client.get(reverse("picket_link:supporter", args=[token])).content.decode()
    assert "Remind me again" in page
    client.post(reverse("picket_link:supporter_reminders", args=[token]), {"reminders": "on"})
    priya.refresh_from_db()
    assert priya.reminders_stopped_at is None
    # A forged or revoked token changes nothing.
    dead = client.post(reverse("picket_link:supporter_reminders", args=["1.forged"]))
    assert dead.status_code == 404


def test_a_stop_reply_stops_a_supporters_reminders(world: World, outbox: Path) -> None:
    line = tomorrow_line(world)
    priya = supporter(world, "Priya", phone=MOBILE)
    actions.signup_supporter(shift=line.shift(), supporter=priya)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=run_at(line))
    inbound.apply([inbound.Reply(MOBILE, "stop")])
    priya.refresh_from_db()
    assert priya.reminders_stopped_at is not None
    assert supporter_reminders.deliver() == Counter()
    inbound.apply([inbound.Reply(MOBILE, "start")])
    priya.refresh_from_db()
    assert priya.reminders_stopped_at is None


def test_a_stop_before_the_run_means_no_reminder_is_queued(world: World) -> None:
    line = tomorrow_line(world)
    priya = supporter(world, "Priya", phone=MOBILE)
    actions.signup_supporter(shift=line.shift(), supporter=priya)
    supporter_reminders.stop(priya)
    done = supporter_reminders.queue(within=dt.timedelta(hours=18), now=run_at(line))
    assert (done.queued, done.skipped) == (0, 1)
    assert SupporterReminder.objects.get().mark() == "Not reminded: asked for no reminders"


def test_failures_retry_then_give_up_and_refusals_fail(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = tomorrow_line(world)
    actions.signup_supporter(shift=line.shift(), supporter=supporter(world, "P", phone=MOBILE))
    now = run_at(line)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)

    class Down:
        def send(self, message: Outbound) -> str:
            raise TemporaryFailure("http 503")

    monkeypatch.setattr(supporter_reminders, "backend_for", lambda channel: Down())
    assert supporter_reminders.deliver(clock=lambda: now) == Counter({"retry": 1})
    row = SupporterReminder.objects.get()
    assert row.state == ReminderState.QUEUED and row.attempts == 1
    assert row.not_before == now + dt.timedelta(seconds=60)
    with override_settings(MANDATE_MESSAGING_MAX_ATTEMPTS=2):
        later = now + dt.timedelta(hours=1)
        assert supporter_reminders.deliver(clock=lambda: later) == Counter({"failed": 1})
    row.refresh_from_db()
    assert (row.state, row.reason) == (ReminderState.FAILED, "gave_up")


def test_a_run_that_died_mid_send_is_reaped_and_sent_once(world: World, outbox: Path) -> None:
    line = tomorrow_line(world)
    actions.signup_supporter(shift=line.shift(), supporter=supporter(world, "P", phone=MOBILE))
    now = run_at(line)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)
    # The dead run handed it over, then died before recording "sent".
    _, claimed = supporter_reminders.claim(now=now)
    assert claimed == 1
    row = SupporterReminder.objects.get()
    from mandate.messaging.backends import backend_for

    backend_for("sms").send(Outbound(str(row.uuid), "sms", row.address, "", row.body))
    assert supporter_reminders.deliver(clock=lambda: now) == Counter()
    later = now + dt.timedelta(minutes=10)
    assert supporter_reminders.deliver(clock=lambda: later) == Counter({"sent": 1})
    assert len(sent(outbox)) == 1


def test_the_organiser_sees_who_was_reminded_and_outsiders_see_nothing(
    world: World, client: Client
) -> None:
    line = tomorrow_line(world)
    priya = supporter(world, "Priya", phone=MOBILE)
    lou = supporter(world, "Lou", email="lou@example.org")
    actions.signup_supporter(shift=line.shift(), supporter=priya)
    now = run_at(line)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)
    supporter_reminders.deliver(clock=lambda: now)
    actions.signup_supporter(shift=line.shift(), supporter=lou)
    url = reverse("pickets:site_day", args=[line.site.pk, line.days[0].isoformat()])
    client.force_login(world.rep)
    page = client.get(url).content.decode()
    assert "Reminded by text at" in page
    assert "Not reminded yet" in page
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_the_command_prints_counts_only(world: World, outbox: Path) -> None:
    line = picket_line(world, days=[timezone.localdate() + dt.timedelta(days=2)])
    priya = supporter(world, "Priya", phone=MOBILE)
    actions.signup_supporter(shift=line.shift(), supporter=priya)
    out = StringIO()
    call_command("picket-reminders", "--hours", "72", stdout=out)
    text = out.getvalue()
    assert "Supporters: 1 reminders queued" in text
    assert "Supporters: 1 sent" in text
    assert MOBILE not in text and "Priya" not in text


def test_retention_removes_supporters_after_their_last_shift(world: World) -> None:
    line = tomorrow_line(world)
    priya = supporter(world, "Priya", phone=MOBILE)
    actions.signup_supporter(shift=line.shift(), supporter=priya)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=run_at(line))
    supporter_reminders.deliver(clock=lambda: run_at(line))
    never = supporter(world, "Never rostered", email="n@example.org")
    Supporter.objects.filter(pk=never.pk).update(created_at=timezone.now() - dt.timedelta(days=400))

    def counts(lines: list[Any]) -> dict[str, int]:
        return {ln.title: ln.count for ln in lines if ln.kind == "picket_supporters"}

    assert counts(retention_report()) == {
        "Picket supporter reminders (texts and addresses)": 0,
        "Picket supporters (names, contact details, their sign-ups and check-ins)": 1,
    }
    later = timezone.now() + dt.timedelta(days=230)
    assert counts(retention_report(later)) == {
        "Picket supporter reminders (texts and addresses)": 1,
        "Picket supporters (names, contact details, their sign-ups and check-ins)": 2,
    }
    assert Supporter.objects.count() == 2  # a dry run removes nothing
    from mandate.pickets.models import Attendance

    Attendance.objects.create(
        site=line.site, date=line.days[0], action=line.action, supporter=priya, method="organiser"
    )
    retention_apply(later)
    assert not Supporter.objects.exists()
    assert not SupporterReminder.objects.exists()
    # The check-in stays, as nobody's: earlier rounds' attendance does not shrink.
    kept = Attendance.objects.get()
    assert kept.supporter_id is None and kept.member_id is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliverers_at_once_send_each_reminder_once(tmp_path: Path) -> None:
    """Two runs (cron overlapping a slow one) deliver at the same moment: each reminder once."""
    world = build_world()
    line = tomorrow_line(world)
    for i in range(12):
        s = supporter(world, f"Supporter {i}", email=f"s{i}@example.org")
        actions.signup_supporter(shift=line.shift(), supporter=s)
    now = run_at(line)
    assert supporter_reminders.queue(within=dt.timedelta(hours=18), now=now).queued == 12
    barrier = threading.Barrier(2)
    results: list[Counter[str]] = []
    errors: list[BaseException] = []
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    class Counting:
        def send(self, message: Outbound) -> str:
            with lock:
                calls[message.uuid] += 1
            return f"ok-{message.uuid}"

    def run() -> None:
        try:
            barrier.wait()
            results.append(supporter_reminders.deliver(clock=lambda: now))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    original = supporter_reminders.backend_for
    supporter_reminders.backend_for = lambda channel: Counting()  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        supporter_reminders.backend_for = original
    assert errors == []
    assert sum(r["sent"] for r in results) == 12
    assert len(calls) == 12 and set(calls.values()) == {1}
    assert SupporterReminder.objects.filter(state=ReminderState.SENT).count() == 12


def test_no_send_queues_without_sending(world: World, outbox: Path) -> None:
    line = picket_line(world, days=[timezone.localdate() + dt.timedelta(days=2)])
    actions.signup_supporter(shift=line.shift(), supporter=supporter(world, "P", phone=MOBILE))
    out = StringIO()
    call_command("picket-reminders", "--hours", "72", "--no-send", stdout=out)
    assert "Supporters: 1 reminders queued" in out.getvalue()
    assert SupporterReminder.objects.get().state == ReminderState.QUEUED
    assert sent(outbox) == []
