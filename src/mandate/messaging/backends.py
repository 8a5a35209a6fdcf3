"""Channel backends: the last step, handing one rendered message to the outside world.

Every backend's ``send`` is idempotent by the message's ``uuid``: a worker killed after the
hand-over but before it recorded "sent" will send the message again when the message returns
to the queue, and the backend (or the provider, given the key) must make that a no-op.

- ``console``: one line on stdout per message, the address masked; for the demo.
- ``file``: one JSON line per message under var/; exactly once across processes.
- ``smtp``: email through Django's mail settings, with a Message-ID made from the uuid so
  mail clients fold a repeat into the original.
- ``http``: an SMS provider's JSON API, with the uuid as the idempotency key.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import smtplib
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection

from mandate.messaging.models import Channel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outbound:
    """What a backend needs to send one message."""

    uuid: str
    channel: str
    address: str
    subject: str
    body: str


class TemporaryFailure(Exception):
    """The provider could not take the message now; it goes back to the queue for later."""


class PermanentFailure(Exception):
    """The provider refused the message for good (a bad number, a refused address)."""


class Backend(Protocol):
    def send(self, message: Outbound) -> str:
        """Hand MESSAGE over and return the provider's id for it."""
        ...


def mask(address: str) -> str:
    """Enough of an address to recognise in a demo, not enough to use: ``mo***@ex***.org``."""
    if "@" in address:
        local, _, domain = address.partition("@")
        name, dot, tld = domain.rpartition(".")
        if not dot:
            return f"{local[:2]}***@{domain[:2]}***"
        return f"{local[:2]}***@{name[:2]}***{dot}{tld}"
    return f"{address[:3]}{'*' * max(len(address) - 6, 0)}{address[-3:]}"


class ConsoleBackend:
    """Print each message with its address masked. Repeats within one process print once."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def send(self, message: Outbound) -> str:
        with self._lock:
            if message.uuid not in self._seen:
                self._seen.add(message.uuid)
                subject = f" [{message.subject}]" if message.subject else ""
                self.stream.write(
                    f"--- {message.channel} {message.uuid} to {mask(message.address)}{subject}\n"
                    f"{message.body}\n"
                )
                self.stream.flush()
        return f"console-{message.uuid}"


class FileBackend:
    """Append one JSON line per message id to a file, exactly once across processes.

    Writers take an exclusive lock on the file, read whatever other processes appended since
    their last look, and append only ids not yet there. The file is the outbox of the demo and
    the evidence of the exactly-once tests and benchmark.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.MANDATE_MESSAGING_FILE)
        self._seen: set[str] = set()
        self._offset = 0
        self._lock = threading.Lock()

    def _catch_up(self, fd: int) -> None:
        size = os.fstat(fd).st_size
        if size <= self._offset:
            return
        os.lseek(fd, self._offset, os.SEEK_SET)
        chunk = b""
        remaining = size - self._offset
        while remaining > 0:
            data = os.read(fd, min(remaining, 1 << 20))
            if not data:
                break
            chunk += data
            remaining -= len(data)
        complete = chunk.rfind(b"\n") + 1
        for line in chunk[:complete].splitlines():
            if line.strip():
                self._seen.add(json.loads(line)["id"])
        self._offset += complete

    def send(self, message: Outbound) -> str:
        line = json.dumps(
            {
                "id": message.uuid,
                "channel": message.channel,
                "to": message.address,
                "subject": message.subject,
                "body": message.body,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._catch_up(fd)
                if message.uuid not in self._seen:
                    # One write() of the whole line: a kill cannot leave half of it behind.
                    os.write(fd, line + b"\n")
                    self._seen.add(message.uuid)
                    self._offset = os.fstat(fd).st_size
            finally:
                os.close(fd)  # closing releases the lock
        return f"file-{message.uuid}"


class SmtpBackend:
    """Email through Django's mail backend (EMAIL_HOST and friends)."""

    def __init__(self) -> None:
        self._connection: Any = None

    def send(self, message: Outbound) -> str:
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
        domain = str(settings.DEFAULT_FROM_EMAIL or "").rpartition("@")[2] or "mandate.invalid"
        message_id = f"<{message.uuid}@{domain}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.address],
            connection=self._connection,
            headers={"Message-ID": message_id},
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure("recipient refused") from exc
        except smtplib.SMTPResponseException as exc:
            self._reset()
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"smtp {exc.smtp_code}") from exc
            raise TemporaryFailure(f"smtp {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._reset()
            raise TemporaryFailure(type(exc).__name__) from exc
        return message_id

    def _reset(self) -> None:
        try:
            if self._connection is not None:
                self._connection.close()
        except Exception:  # noqa: S110 - a broken connection is discarded either way
            pass
        self._connection = None


class HttpSmsBackend:
    """POST each text as JSON to ``MANDATE_SMS_URL`` with a bearer token.

    The request carries the message uuid as ``reference`` and as the ``Idempotency-Key``
    header, so a repeat is recognised by the provider. A timeout, a connection error, a 429 or
    a 5xx is retried here with back-off; if every try fails the message goes back to the queue.
    Any other 4xx is a permanent refusal. The response's ``id`` is the provider id.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | None = None,
        tries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.url: str = url if url is not None else (settings.MANDATE_SMS_URL or "")
        self.token: str = token if token is not None else (settings.MANDATE_SMS_TOKEN or "")
        if not self.url or not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                "MANDATE_SMS_URL must be an http(s) URL for the http backend."
            )
        if not self.token:
            raise ImproperlyConfigured("MANDATE_SMS_TOKEN must be set for the http SMS backend.")
        self.timeout = timeout if timeout is not None else settings.MANDATE_SMS_TIMEOUT
        self.tries = tries
        self.backoff = backoff

    def _post(self, message: Outbound) -> tuple[int, bytes]:
        payload = json.dumps(
            {"to": message.address, "body": message.body, "reference": message.uuid}
        ).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message.uuid,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()

    def send(self, message: Outbound) -> str:
        last = ""
        for attempt in range(self.tries):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                status, body = self._post(message)
            except (TimeoutError, urllib.error.URLError, OSError) as exc:
                last = type(exc).__name__
                continue
            if 200 <= status < 300:
                try:
                    provider_id = str(json.loads(body or b"{}").get("id") or "")
                except (ValueError, AttributeError):
                    provider_id = ""
                return provider_id[:100] or f"http-{message.uuid}"
            last = f"http {status}"
            if status == 429 or status >= 500:
                continue
            raise PermanentFailure(last)
        logger.warning("SMS provider unavailable after %d tries: %s", self.tries, last)
        raise TemporaryFailure(last)


_cache: dict[str, Backend] = {}
_cache_lock = threading.Lock()


def backend_for(channel: str) -> Backend:
    """The configured backend for CHANNEL, one instance per process."""
    name = (
        settings.MANDATE_EMAIL_CHANNEL if channel == Channel.EMAIL else settings.MANDATE_SMS_BACKEND
    )
    key = f"{channel}:{name}"
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _build(channel, name or "")
        return _cache[key]


def reset_backends() -> None:
    """Forget the cached backends (after settings change, in tests)."""
    with _cache_lock:
        _cache.clear()


def _build(channel: str, name: str) -> Backend:
    if name == "console":
        return ConsoleBackend()
    if name == "file":
        return FileBackend()
    if name == "smtp" and channel == Channel.EMAIL:
        return SmtpBackend()
    if name == "http" and channel == Channel.SMS:
        return HttpSmsBackend()
    setting = "MANDATE_EMAIL_CHANNEL" if channel == Channel.EMAIL else "MANDATE_SMS_BACKEND"
    choices = "console, file, smtp" if channel == Channel.EMAIL else "console, file, http"
    raise ImproperlyConfigured(f"{setting} is {name!r}; use one of {choices}.")
