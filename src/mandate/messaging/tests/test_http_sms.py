"""The HTTP SMS adapter against a fake provider on 127.0.0.1: the request it makes, retries
with back-off on 5xx and timeouts, permanent failure on 4xx."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from mandate.messaging.backends import (
    HttpSmsBackend,
    Outbound,
    PermanentFailure,
    TemporaryFailure,
)

MESSAGE = Outbound(
    uuid="0b6a3a5e-7a36-4c55-9a5e-3d3d2b7f4c11",
    channel="sms",
    address="+447700900001",
    subject="",
    body="Have you voted?",
)


class FakeProvider(ThreadingHTTPServer):
    """Answers each POST with the next scripted (status, body, delay) and records requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[tuple[int, dict[str, Any], float]] = []
        self.requests: list[dict[str, Any]] = []
        self.seen_keys: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/messages"


class _Handler(BaseHTTPRequestHandler):
    server: FakeProvider

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers["Content-Length"])
        payload = json.loads(self.rfile.read(length))
        self.server.requests.append({"headers": dict(self.headers), "json": payload})
        status, body, delay = (
            self.server.script.pop(0) if self.server.script else (200, {"id": "auto"}, 0.0)
        )
        if delay:
            time.sleep(delay)
        # A real provider keeps one message per idempotency key.
        key = self.headers.get("Idempotency-Key", "")
        if status == 200 and key in self.server.seen_keys:
            body = {"id": self.server.seen_keys[key]}
        elif status == 200:
            self.server.seen_keys[key] = str(body.get("id", ""))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    server = FakeProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _backend(provider: FakeProvider, **kw: Any) -> HttpSmsBackend:
    return HttpSmsBackend(
        provider.url, "s3cret", timeout=kw.pop("timeout", 2.0), backoff=0.01, **kw
    )


def test_posts_json_with_bearer_token_and_idempotency_key(provider: FakeProvider) -> None:
    provider.script = [(200, {"id": "prov-1"}, 0.0)]
    assert _backend(provider).send(MESSAGE) == "prov-1"
    (request,) = provider.requests
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Idempotency-Key"] == MESSAGE.uuid
    assert request["json"] == {
        "to": "+447700900001",
        "body": "Have you voted?",
        "reference": MESSAGE.uuid,
    }


def test_sending_again_is_recognised_by_the_provider(provider: FakeProvider) -> None:
    provider.script = [(200, {"id": "prov-1"}, 0.0), (200, {"id": "prov-2"}, 0.0)]
    backend = _backend(provider)
    assert backend.send(MESSAGE) == backend.send(MESSAGE) == "prov-1"


def test_retries_5xx_with_backoff_then_succeeds(provider: FakeProvider) -> None:
    provider.script = [(503, {}, 0.0), (502, {}, 0.0), (200, {"id": "prov-3"}, 0.0)]
    assert _backend(provider).send(MESSAGE) == "prov-3"
    assert len(provider.requests) == 3


def test_gives_up_for_now_after_repeated_5xx(provider: FakeProvider) -> None:
    provider.script = [(500, {}, 0.0)] * 3
    with pytest.raises(TemporaryFailure, match="http 500"):
        _backend(provider).send(MESSAGE)
    assert len(provider.requests) == 3


def test_429_is_temporary(provider: FakeProvider) -> None:
    provider.script = [(429, {}, 0.0)] * 3
    with pytest.raises(TemporaryFailure):
        _backend(provider).send(MESSAGE)


def test_a_timeout_is_retried(provider: FakeProvider) -> None:
    provider.script = [(200, {"id": "slow"}, 1.0), (200, {"id": "prov-4"}, 0.0)]
    # The first answer comes too late; the retry carries the same key and is accepted.
    assert _backend(provider, timeout=0.3).send(MESSAGE) in {"prov-4", "slow"}
    assert len(provider.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_4xx_is_permanent_and_not_retried(provider: FakeProvider, status: int) -> None:
    provider.script = [(status, {"error": "bad number"}, 0.0)]
    with pytest.raises(PermanentFailure, match=f"http {status}"):
        _backend(provider).send(MESSAGE)
    assert len(provider.requests) == 1


def test_connection_refused_is_temporary() -> None:
    server = FakeProvider()
    url = server.url
    server.server_close()  # nothing listens there now
    with pytest.raises(TemporaryFailure):
        HttpSmsBackend(url, "t", timeout=0.5, backoff=0.01).send(MESSAGE)


def test_a_missing_id_falls_back_to_the_reference(provider: FakeProvider) -> None:
    provider.script = [(202, {}, 0.0)]
    assert _backend(provider).send(MESSAGE) == f"http-{MESSAGE.uuid}"


@pytest.mark.parametrize(("url", "token"), [("", "t"), ("ftp://x", "t"), ("http://x", "")])
def test_configuration_is_checked(url: str, token: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend(url, token)
