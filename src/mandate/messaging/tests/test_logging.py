"""Logs never carry an address or a message body: queue, deliver, retry, webhook."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from mandate.conftest import World
from mandate.members.models import Member
from mandate.messaging import actions, delivery
from mandate.messaging.backends import TemporaryFailure
from mandate.messaging.inbound import sign
from mandate.messaging.models import DeliveryEvent, Message

BODY = "Secret plan for {first_name}"


def test_no_address_or_body_in_logs_or_delivery_events(
    world: World,
    outbox: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    members = Member.objects.filter(branch=world.liverpool)
    with django_capture_on_commit_callbacks(execute=True):
        for channel in ("sms", "email"):
            actions.send_queue(
                actor=world.secretary,
                branch=world.liverpool,
                channel=channel,
                template=BODY,
                subject="Plan",
                members=members,
                audience="x",
            )

    class Down:
        def send(self, message: Any) -> str:
            raise TemporaryFailure("http 503")

    monkeypatch.setattr(delivery, "backend_for", lambda channel: Down())
    again = actions.send_queue(
        actor=world.secretary,
        branch=world.liverpool,
        channel="sms",
        template=BODY + " again",
        members=members,
        audience="x",
    )
    delivery.deliver(list(Message.objects.filter(send=again).values_list("pk", flat=True)))
    with override_settings(MANDATE_SMS_WEBHOOK_SECRET="s"):
        body = json.dumps({"type": "reply", "from": "+447700900001", "text": "STOP"}).encode()
        Client().post(
            "/messaging/sms/webhook/",
            data=body,
            content_type="application/json",
            headers={"X-Mandate-Signature": sign(body, "s")},
        )
    assert Message.objects.filter(state="sent").count() == 2
    logged = "\n".join(record.getMessage() for record in caplog.records)
    events = " ".join(DeliveryEvent.objects.values_list("detail", flat=True))
    for text in (logged, events):
        for secret in ("+447700900001", "7700900001", "mo@example.org", "Secret plan"):
            assert secret not in text
        # The first name as a word: random task ids may hold the letters "Mo".
        assert re.search(r"\b(Mo|Ahmed)\b", text) is None
    assert "queued" in logged  # the logs do say what happened, by id and count
