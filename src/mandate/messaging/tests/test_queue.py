"""Queueing a send and delivering it: one message per member, the rules applied twice (when
queued and when sent), texting hours deferring, retries, and the reaper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from mandate.conftest import World
from mandate.core.errors import DomainError
from mandate.core.models import AuditEvent
from mandate.core.policy import Perm
from mandate.members.models import Member
from mandate.members.queries import segment_members
from mandate.messaging import actions, delivery
from mandate.messaging.backends import PermanentFailure, TemporaryFailure
from mandate.messaging.models import (
    Channel,
    DeliveryEvent,
    Message,
    MessageState,
    OptOutSource,
    Reason,
    Send,
)
from mandate.messaging.tasks import enqueue_send

from .conftest import add_member, read_outbox


def _queue(world: World, channel: str = Channel.SMS, **kw: Any) -> Send:
    members = kw.pop("members", Member.objects.filter(branch=world.liverpool))
    return actions.send_queue(
        actor=world.secretary,
        branch=world.liverpool,
        channel=channel,
        template=kw.pop("template", "Hi {first_name}, have you voted? {branch}"),
        subject=kw.pop("subject", "Ballot" if channel == Channel.EMAIL else ""),
        members=members,
        audience="Everyone",
        **kw,
    )


def test_sms_send_queues_one_message_per_member_and_delivers_once(
    world: World, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send = _queue(world)
    assert send.recipient_count == 3
    assert send.queued_count == 1  # only Mo has a mobile
    assert send.skipped_counts == {Reason.NO_ADDRESS: 2}
    lines = read_outbox(outbox)
    assert [line["to"] for line in lines] == ["+447700900001"]
    assert lines[0]["body"] == (
        "Hi Mo, have you voted? University of Liverpool\nReply STOP to stop texts."
    )
    message = Message.objects.get(send=send, member=world.member)
    assert message.state == MessageState.SENT
    assert message.provider_id == f"file-{message.uuid}"
    assert message.attempts == 1
    assert list(message.events.values_list("kind", flat=True)) == ["sent"]
    event = AuditEvent.objects.get(action="messages.queue")
    assert event.detail["queued"] == 1 and event.detail["skipped"] == {"no_address": 2}


def test_email_goes_to_the_personal_address_with_an_unsubscribe_link(
    world: World, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _queue(world, Channel.EMAIL, template="Dear {full_name}")
    (line,) = read_outbox(outbox)
    assert line["to"] == "mo@example.org"
    assert line["subject"] == "Ballot"
    assert line["body"].startswith("Dear Mo Ahmed\n\n--\nYou are receiving this")
    assert "/messaging/unsubscribe/" in line["body"]


def test_delivering_a_chunk_twice_sends_each_message_once(world: World, outbox: Path) -> None:
    for n in range(5):
        add_member(world, f"L1{n:03d}", mobile=f"+4477009001{n:02d}")
    send = _queue(world)  # on_commit not run: nothing handed to a worker yet
    ids = list(Message.objects.filter(send=send, state="queued").values_list("pk", flat=True))
    assert len(ids) == 6
    first = delivery.deliver(ids)
    second = delivery.deliver(ids)
    assert first["sent"] == 6 and not second
    assert len(read_outbox(outbox)) == 6
    # And enqueueing the whole send again finds nothing left to do.
    enqueue_send(send.pk)
    assert len(read_outbox(outbox)) == 6


def test_a_member_cannot_get_two_messages_from_one_send(world: World) -> None:
    send = _queue(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(send=send, member=world.member, channel=Channel.SMS)


def test_a_repeated_request_key_returns_the_first_send(world: World) -> None:
    key = Send._meta.get_field("request_key").default()
    first = _queue(world, request_key=key)
    again = _queue(world, request_key=key)
    assert first.pk == again.pk
    assert Send.objects.count() == 1
    assert Message.objects.count() == 3


def test_duplicate_members_in_the_query_get_one_message(world: World) -> None:
    members = Member.objects.filter(branch=world.liverpool) | Member.objects.filter(
        employments__employer=world.liverpool_employer
    )
    send = _queue(world, members=members)
    assert Message.objects.filter(send=send).count() == 3


def test_an_opt_out_after_queueing_stops_the_message(world: World, outbox: Path) -> None:
    send = _queue(world)
    ids = list(Message.objects.filter(send=send).values_list("pk", flat=True))
    actions.optout_record(member=world.member, channel=Channel.SMS, source=OptOutSource.OFFICER)
    delivery.deliver(ids)
    assert read_outbox(outbox) == []
    message = Message.objects.get(send=send, member=world.member)
    assert (message.state, message.reason) == (MessageState.SKIPPED, Reason.OPTED_OUT)


def test_consent_withdrawn_after_queueing_is_checked_again_when_sending(
    world: World, outbox: Path
) -> None:
    send = _queue(world)
    ids = list(Message.objects.filter(send=send).values_list("pk", flat=True))
    Member.objects.filter(pk=world.member.pk).update(consent_sms=False)
    assert delivery.deliver(ids) == {"skipped": 1}
    assert read_outbox(outbox) == []
    assert Message.objects.get(send=send, member=world.member).reason == Reason.NO_CONSENT


def test_a_personal_email_changed_to_the_work_one_is_refused_when_sending(
    world: World, outbox: Path
) -> None:
    send = _queue(world, Channel.EMAIL)
    ids = list(Message.objects.filter(send=send).values_list("pk", flat=True))
    Member.objects.filter(pk=world.member.pk).update(personal_email="M.Ahmed@liverpool.ac.uk")
    delivery.deliver(ids)
    assert read_outbox(outbox) == []
    assert Message.objects.get(send=send, member=world.member).reason == Reason.WORK_ADDRESS


def test_texts_queued_at_night_wait_for_the_morning(world: World, outbox: Path) -> None:
    night = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # 22:30 in London (GMT)
    with override_settings(MANDATE_TEXTING_HOURS=("09:00", "20:00")):
        send = _queue(world, now=night)
        message = Message.objects.get(send=send, member=world.member)
        assert message.state == MessageState.QUEUED
        assert message.not_before == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
        # A worker that picks it up at night claims nothing: it is not due.
        assert delivery.deliver([message.pk], clock=lambda: night) == {}
        morning = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
        assert delivery.deliver([message.pk], clock=lambda: morning) == {"sent": 1}
    assert len(read_outbox(outbox)) == 1


def test_a_text_due_as_hours_close_is_deferred_not_dropped(world: World, outbox: Path) -> None:
    send = _queue(world)
    message = Message.objects.get(send=send, member=world.member)
    # A date to come, so the deferred task is not run at once by the immediate backend.
    late = datetime(2030, 1, 15, 20, 0, tzinfo=UTC)
    with override_settings(MANDATE_TEXTING_HOURS=("09:00", "20:00")):
        assert delivery.deliver([message.pk], clock=lambda: late) == {"deferred": 1}
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    assert message.not_before == datetime(2030, 1, 16, 9, 0, tzinfo=UTC)
    assert read_outbox(outbox) == []
    assert message.events.get().kind == "deferred"


class _Flaky:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def send(self, message: Any) -> str:
        self.calls += 1
        raise self.error


def test_a_temporary_failure_retries_later_then_gives_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = _Flaky(TemporaryFailure("http 503"))
    monkeypatch.setattr(delivery, "backend_for", lambda channel: flaky)
    send = _queue(world)
    message = Message.objects.get(send=send, member=world.member)
    clock = timezone.now()
    with override_settings(MANDATE_MESSAGING_MAX_ATTEMPTS=2):
        assert delivery.deliver([message.pk], clock=lambda: clock) == {"retry": 1}
        message.refresh_from_db()
        assert message.state == MessageState.QUEUED
        assert message.not_before == clock + timedelta(seconds=60)
        later = clock + timedelta(minutes=2)
        assert delivery.deliver([message.pk], clock=lambda: later) == {"failed": 1}
    message.refresh_from_db()
    assert (message.state, message.reason, message.attempts) == ("failed", Reason.GAVE_UP, 2)
    assert flaky.calls == 2


def test_a_permanent_failure_fails_at_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        delivery, "backend_for", lambda channel: _Flaky(PermanentFailure("http 400"))
    )
    send = _queue(world)
    message = Message.objects.get(send=send, member=world.member)
    delivery.deliver([message.pk])
    message.refresh_from_db()
    assert (message.state, message.reason) == ("failed", Reason.REJECTED)
    assert message.events.get().detail == "http 400"


def test_the_reaper_returns_a_dead_workers_messages_and_they_go_once(
    world: World, outbox: Path
) -> None:
    send = _queue(world)
    message = Message.objects.get(send=send, member=world.member)
    # A worker claimed it and handed it over, then died before recording "sent".
    long_ago = timezone.now() - timedelta(hours=1)
    token, claimed = delivery.claim([message.pk], now=long_ago)
    assert claimed == 1
    from mandate.messaging.backends import Outbound, backend_for

    backend_for("sms").send(Outbound(str(message.uuid), "sms", message.address, "", message.body))
    assert delivery.reap() == 1  # the immediate backend runs the new task at once
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert len(read_outbox(outbox)) == 1
    kinds = list(DeliveryEvent.objects.filter(message=message).values_list("kind", flat=True))
    assert kinds == ["requeued", "sent"]


def test_the_reaper_leaves_live_workers_alone(world: World) -> None:
    send = _queue(world)
    message = Message.objects.get(send=send, member=world.member)
    delivery.claim([message.pk], now=timezone.now())
    assert delivery.reap() == 0
    message.refresh_from_db()
    assert message.state == MessageState.SENDING


def test_the_reaper_finds_messages_that_never_reached_a_worker(world: World, outbox: Path) -> None:
    send = _queue(world)  # committed, but the process "died" before enqueueing
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Message.objects.filter(send=send).update(created_at=an_hour_ago, enqueued_at=an_hour_ago)
    assert delivery.reap() == 1
    assert len(read_outbox(outbox)) == 1


def test_segment_reach_limits_recipients(world: World, everyone: Any) -> None:
    members = segment_members(everyone, world.secretary, Perm.SEND_MESSAGES)
    assert set(members.values_list("membership_number", flat=True)) == {"L0001", "L0002", "L0003"}


def test_member_links_give_each_recipient_their_own_link(
    world: World, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    other = add_member(world, "L-0100", first_name="Ana", mobile="+447700900101")
    asked: list[list[int]] = []

    def resolve(ids: Any) -> dict[int, str]:
        asked.append(sorted(ids))
        # Ana has no link: her message is skipped, not sent with someone else's.
        return {m: f"https://example.org/l/{m}" for m in ids if m != other.pk}

    links = actions.MemberLinks(resolve=resolve, sample="https://example.org/l/" + "x" * 40)
    plan = actions.send_plan(
        channel=Channel.SMS,
        template="Hi {first_name}: {link}",
        subject="",
        member_links=links,
        members=Member.objects.filter(branch=world.liverpool),
    )
    assert asked == [] and plan.will_send == 2 and "x" * 40 in plan.example
    with django_capture_on_commit_callbacks(execute=True):
        send = _queue(world, template="Hi {first_name}: {link}", member_links=links)
    assert asked == [sorted([world.member.pk, other.pk])]
    assert send.link == "" and send.queued_count == 1
    assert send.skipped_counts == {Reason.NO_ADDRESS: 2, Reason.NO_LINK: 1}
    (line,) = read_outbox(outbox)
    assert line["body"].startswith(f"Hi Mo: https://example.org/l/{world.member.pk}\n")
    with pytest.raises(DomainError, match="not both"):
        _queue(world, template="{link}", link="https://example.org/", member_links=links)
