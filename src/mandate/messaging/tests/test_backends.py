"""The console, file and SMTP backends: masking, exactly-once across instances, Message-ID."""

from __future__ import annotations

import io
import smtplib
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from mandate.messaging.backends import (
    ConsoleBackend,
    FileBackend,
    Outbound,
    PermanentFailure,
    SmtpBackend,
    TemporaryFailure,
    mask,
)

from .conftest import read_outbox

SMS = Outbound("11111111-1111-4111-8111-111111111111", "sms", "+447700900123", "", "Vote")
EMAIL = Outbound("22222222-2222-4222-8222-222222222222", "email", "mo@example.org", "Ballot", "Hi")


def test_console_masks_the_address_and_prints_once() -> None:
    out = io.StringIO()
    backend = ConsoleBackend(out)
    backend.send(SMS)
    backend.send(SMS)
    backend.send(EMAIL)
    text = out.getvalue()
    assert "+447700900123" not in text and "mo@example.org" not in text
    assert "+44*******123" in text and "mo***@ex***.org" in text
    assert text.count(SMS.uuid) == 1


@pytest.mark.parametrize(
    ("address", "masked"),
    [("+447700900123", "+44*******123"), ("a@b.co", "a***@b***.co"), ("x@localhost", "x***@lo***")],
)
def test_mask(address: str, masked: str) -> None:
    assert mask(address) == masked


def test_file_backend_writes_each_id_once_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    first, second = FileBackend(path), FileBackend(path)  # as two worker processes would
    first.send(SMS)
    second.send(SMS)
    second.send(EMAIL)
    first.send(EMAIL)
    assert [line["id"] for line in read_outbox(path)] == [SMS.uuid, EMAIL.uuid]


def test_file_backend_ignores_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id": "partial')
    FileBackend(path).send(SMS)
    assert path.read_bytes().endswith(b"\n")


def test_smtp_sends_through_django_mail_with_a_stable_message_id(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "branch@union.example"
    provider_id = SmtpBackend().send(EMAIL)
    (sent,) = mail.outbox
    assert sent.to == ["mo@example.org"] and sent.subject == "Ballot"
    assert sent.extra_headers["Message-ID"] == f"<{EMAIL.uuid}@union.example>" == provider_id


class _Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def send_messages(self, messages: Any) -> int:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPRecipientsRefused({"mo@example.org": (550, b"no")}), PermanentFailure),
        (smtplib.SMTPDataError(554, b"rejected"), PermanentFailure),
        (smtplib.SMTPDataError(451, b"try later"), TemporaryFailure),
        (smtplib.SMTPServerDisconnected("gone"), TemporaryFailure),
        (ConnectionRefusedError(), TemporaryFailure),
    ],
)
def test_smtp_failures_are_classified(error: Exception, kind: type[Exception]) -> None:
    backend = SmtpBackend()
    backend._connection = _Refusing(error)
    with pytest.raises(kind):
        backend.send(EMAIL)
