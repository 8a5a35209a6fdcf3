"""The SMS provider's webhook: STOP replies opt out, receipts update messages, and anything
unsigned or malformed is refused with a 4xx, never a 500, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings

from mandate.conftest import World
from mandate.core.models import AuditEvent
from mandate.members.models import Member
from mandate.messaging import actions, delivery
from mandate.messaging.inbound import classify_reply, sign
from mandate.messaging.models import Channel, Message, MessageState, OptOut, Reason

URL = "/messaging/sms/webhook/"
SECRET = "webhook-secret"


@pytest.fixture(autouse=True)
def _secret() -> Any:
    with override_settings(MANDATE_SMS_WEBHOOK_SECRET=SECRET):
        yield


def _post(payload: Any, *, secret: str = SECRET, raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    return Client().post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Mandate-Signature": sign(body, secret)},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        (" Stop. ", "stop"),
        ("STOP ALL", "stop"),
        ("stop all!", "stop"),
        ("Unsubscribe", "stop"),
        ("end", "stop"),
        ("Stop texting me", "stop"),
        ("START", "start"),
        ("I have voted", ""),
        ("End of the strike when?", ""),
        ("nonstop", ""),
    ],
)
def test_reply_keywords(text: str, expected: str) -> None:
    assert classify_reply(text) == expected


def test_a_stop_reply_opts_the_member_out_of_texts(world: World) -> None:
    response = _post({"type": "reply", "from": "07700 900001", "text": "Stop"})
    assert response.status_code == 200
    assert response.json()["opted_out"] == 1
    optout = OptOut.objects.get(member=world.member)
    assert (optout.channel, optout.source) == (Channel.SMS, "stop_reply")
    assert AuditEvent.objects.filter(action="messaging.opt_out").count() == 1
    # Texts already queued to them are skipped; email is unaffected.
    assert not OptOut.objects.filter(channel=Channel.EMAIL).exists()


def test_stop_skips_queued_texts(world: World) -> None:
    send = actions.send_queue(
        actor=world.secretary,
        branch=world.liverpool,
        channel=Channel.SMS,
        template="Vote!",
        members=Member.objects.filter(branch=world.liverpool),
        audience="Everyone",
    )
    _post({"events": [{"type": "reply", "from": "+447700900001", "text": "STOP"}]})
    message = Message.objects.get(send=send, member=world.member)
    assert (message.state, message.reason) == (MessageState.SKIPPED, Reason.OPTED_OUT)


def test_start_opts_back_in(world: World) -> None:
    _post({"type": "reply", "from": "+447700900001", "text": "STOP"})
    assert (
        _post({"type": "reply", "from": "+447700900001", "text": "start"}).json()["opted_in"] == 1
    )
    assert not OptOut.objects.exists()


def test_an_ordinary_reply_or_unknown_number_changes_nothing(world: World) -> None:
    assert _post({"type": "reply", "from": "+447700900001", "text": "Voted!"}).status_code == 200
    assert _post({"type": "reply", "from": "+447700900999", "text": "STOP"}).status_code == 200
    assert not OptOut.objects.exists()


def test_delivery_receipts(world: World, outbox: Any) -> None:
    send = actions.send_queue(
        actor=world.secretary,
        branch=world.liverpool,
        channel=Channel.SMS,
        template="Vote!",
        members=Member.objects.filter(pk=world.member.pk),
        audience="Mo",
    )
    message = Message.objects.get(send=send)
    delivery.deliver([message.pk])
    assert (
        _post(
            {"type": "receipt", "reference": str(message.uuid), "status": "delivered"}
        ).status_code
        == 200
    )
    message.refresh_from_db()
    assert message.delivered_at is not None
    response = _post(
        {"type": "receipt", "provider_id": message.provider_id, "status": "failed", "error": "E30"}
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.state, message.reason) == (MessageState.FAILED, Reason.UNDELIVERABLE)
    assert list(message.events.values_list("kind", "detail")) == [
        ("sent", ""),
        ("delivered", ""),
        ("failed", "E30"),
    ]


def test_a_receipt_for_an_unknown_message_is_accepted_and_ignored(world: World) -> None:
    response = _post(
        {
            "type": "receipt",
            "reference": "0b6a3a5e-7a36-4c55-9a5e-3d3d2b7f4c11",
            "status": "delivered",
        }
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "not JSON"),
        (b"[]", "'events' must be a non-empty list"),
        (b'{"events": []}', "'events' must be a non-empty list"),
        (b'{"events": "x"}', "'events' must be a non-empty list"),
        (b'["x"]', "event 0: each event must be an object"),
        (b'{"type": "other"}', "event 0: 'type' must be"),
        (b'{"type": "reply", "text": "STOP"}', "event 0: 'from' must be a non-empty string"),
        (b'{"type": "reply", "from": "banana", "text": "STOP"}', "event 0: 'from' is not a phone"),
        (b'{"type": "reply", "from": "+447700900001"}', "event 0: 'text' must be"),
        (b'{"type": "receipt", "status": "delivered"}', "needs 'reference' or 'provider_id'"),
        (b'{"type": "receipt", "reference": "x", "status": "delivered"}', "not one of ours"),
        (b'{"type": "receipt", "reference": "x", "status": "lost"}', "'status' must be"),
        (b'{"type": "receipt", "status": 5}', "'status' must be a non-empty string"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_bad_payloads_get_400_naming_the_fault(world: World, payload: bytes, message: str) -> None:
    response = _post(None, raw=payload)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_bad_event_anywhere_applies_none_of_them(world: World) -> None:
    events = [
        {"type": "reply", "from": "+447700900001", "text": "STOP"},
        {"type": "reply", "from": "+447700900001"},
    ]
    response = _post({"events": events})
    assert response.status_code == 400
    assert "event 1" in response.json()["error"]
    assert not OptOut.objects.exists()


def test_unsigned_or_wrongly_signed_requests_are_refused(world: World) -> None:
    payload = {"type": "reply", "from": "+447700900001", "text": "STOP"}
    assert _post(payload, secret="guess").status_code == 403
    body = json.dumps(payload).encode()
    assert Client().post(URL, data=body, content_type="application/json").status_code == 403
    assert Client().get(URL).status_code == 405
    assert not OptOut.objects.exists()


def test_with_no_secret_configured_everything_is_refused(world: World) -> None:
    with override_settings(MANDATE_SMS_WEBHOOK_SECRET=""):
        response = _post({"type": "reply", "from": "+447700900001", "text": "STOP"}, secret="")
    assert response.status_code == 403
