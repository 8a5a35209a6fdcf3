"""What comes back from providers: delivery receipts and replies. STOP and its synonyms
opt the sender out of texts, as peer-to-peer texting tools (Spoke, ThruText) do."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from mandate.core.errors import DomainError
from mandate.members.models import Member
from mandate.members.validation import normalise_phone
from mandate.messaging.actions import optout_record, optout_withdraw
from mandate.messaging.models import (
    Channel,
    DeliveryEvent,
    DeliveryEventKind,
    Message,
    MessageState,
    OptOutSource,
    Reason,
)

SIGNATURE_HEADER: Final = "X-Mandate-Signature"
MAX_EVENTS: Final = 1_000
# A reply that is exactly one of these (any case, trailing punctuation ignored) opts out.
STOP_WORDS: Final = frozenset(
    {"STOP", "STOP ALL", "STOPALL", "UNSUBSCRIBE", "END", "CANCEL", "QUIT"}
)
# These also opt out when they start a longer reply ("Stop texting me"); END or QUIT at the start
# of a sentence are too often ordinary words.
STOP_PREFIXES: Final = ("STOP ", "UNSUBSCRIBE ")
START_WORDS: Final = frozenset({"START", "UNSTOP"})
_TRAILING: Final = re.compile(r"[\s.!?,;:]+$")
_CODE: Final = re.compile(r"[^A-Za-z0-9_.:-]")
# Sent for every STOP or START reply (kwargs: number, action), inside the same transaction, so
# other apps that text people who are not members (picket supporters) honour it too.
reply_received = Signal()


class BadPayload(DomainError):
    pass


def signature_ok(body: bytes, header: str) -> bool:
    """True if HEADER is ``sha256=<hex HMAC of BODY>`` under the configured shared secret."""
    secret = settings.MANDATE_SMS_WEBHOOK_SECRET or ""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip())


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def classify_reply(text: str) -> str:
    """'stop', 'start' or '' for an ordinary reply."""
    words = " ".join(_TRAILING.sub("", text.strip()).upper().split())
    if words in STOP_WORDS or words.startswith(STOP_PREFIXES):
        return "stop"
    if words in START_WORDS:
        return "start"
    return ""


@dataclass(frozen=True)
class Receipt:
    message: Message
    status: str
    code: str


@dataclass(frozen=True)
class Reply:
    number: str
    action: str


def _text(event: dict[str, Any], key: str, where: str, *, limit: int = 1600) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadPayload(f"{where}: '{key}' must be a non-empty string.")
    if len(value) > limit:
        raise BadPayload(f"{where}: '{key}' is longer than {limit} characters.")
    return value


def parse(body: bytes) -> list[Receipt | Reply]:
    """Read and check every event before any is applied; raise BadPayload naming the first fault."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadPayload("The body is not JSON.") from None
    if isinstance(data, list):
        events = data
    elif isinstance(data, dict) and "events" in data:
        events = data["events"]
    else:
        events = [data]
    if not isinstance(events, list) or not events:
        raise BadPayload("'events' must be a non-empty list.")
    if len(events) > MAX_EVENTS:
        raise BadPayload(f"At most {MAX_EVENTS} events at a time.")
    parsed: list[Receipt | Reply] = []
    for index, event in enumerate(events):
        where = f"event {index}"
        if not isinstance(event, dict):
            raise BadPayload(f"{where}: each event must be an object.")
        kind = event.get("type")
        if kind == "receipt":
            status = _text(event, "status", where, limit=20).lower()
            if status not in {"delivered", "failed"}:
                raise BadPayload(f"{where}: 'status' must be 'delivered' or 'failed'.")
            message = _find_message(event, where)
            if message is not None:
                code = _CODE.sub("", str(event.get("error") or ""))[:60]
                parsed.append(Receipt(message, status, code))
        elif kind == "reply":
            raw = _text(event, "from", where, limit=32)
            text = _text(event, "text", where)
            try:
                number = normalise_phone(raw)
            except Exception:
                raise BadPayload(f"{where}: 'from' is not a phone number.") from None
            action = classify_reply(text)
            if action:
                parsed.append(Reply(number, action))
        else:
            raise BadPayload(f"{where}: 'type' must be 'receipt' or 'reply'.")
    return parsed


def _find_message(event: dict[str, Any], where: str) -> Message | None:
    reference = event.get("reference")
    provider_id = event.get("provider_id")
    if isinstance(reference, str) and reference:
        try:
            key = uuid.UUID(reference)
        except ValueError:
            raise BadPayload(f"{where}: 'reference' is not one of ours.") from None
        return Message.objects.filter(uuid=key, channel=Channel.SMS).first()
    if isinstance(provider_id, str) and provider_id:
        return Message.objects.filter(provider_id=provider_id[:100], channel=Channel.SMS).first()
    raise BadPayload(f"{where}: a receipt needs 'reference' or 'provider_id'.")


@transaction.atomic
def apply(events: list[Receipt | Reply]) -> dict[str, int]:
    """Apply checked events; return counts (never numbers or text)."""
    counts = {"delivered": 0, "failed": 0, "opted_out": 0, "opted_in": 0}
    now = timezone.now()
    for event in events:
        if isinstance(event, Receipt):
            message = event.message
            if event.status == "delivered":
                Message.objects.filter(pk=message.pk).update(delivered_at=now)
                kind, detail = DeliveryEventKind.DELIVERED, ""
                counts["delivered"] += 1
            else:
                Message.objects.filter(pk=message.pk, state=MessageState.SENT).update(
                    state=MessageState.FAILED, reason=Reason.UNDELIVERABLE
                )
                kind, detail = DeliveryEventKind.FAILED, event.code
                counts["failed"] += 1
            DeliveryEvent.objects.create(message=message, at=now, kind=kind, detail=detail)
            continue
        reply_received.send(sender=Reply, number=event.number, action=event.action)
        for member in Member.objects.filter(mobile=event.number).select_related("branch"):
            if event.action == "stop":
                optout_record(member=member, channel=Channel.SMS, source=OptOutSource.STOP_REPLY)
                counts["opted_out"] += 1
            elif optout_withdraw(member=member, channel=Channel.SMS):
                counts["opted_in"] += 1
    return counts
