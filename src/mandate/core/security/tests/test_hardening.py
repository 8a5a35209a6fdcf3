"""Login throttling, Argon2 hashing, security headers and the Content Security Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from mandate.conftest import PASSWORD, World
from mandate.core.security.throttle import client_ip

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[4]
THROTTLED = override_settings(AXES_ENABLED=True)


def _fail(client: Client, username: str) -> int:
    response = client.post("/login/", {"username": username, "password": "wrong-password"})
    return int(response.status_code)


@THROTTLED
def test_five_failures_lock_the_username_from_that_address(world: World) -> None:
    client = Client()
    assert [_fail(client, "secretary") for _ in range(4)] == [200] * 4
    locked = client.post("/login/", {"username": "secretary", "password": "wrong-password"})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # Even the right password is refused during the lockout.
    right = client.post("/login/", {"username": "secretary", "password": PASSWORD})
    assert right.status_code == 429
    # Another username from the same address is not locked out.
    assert client.post("/login/", {"username": "rep", "password": PASSWORD}).status_code == 302


@THROTTLED
def test_the_lockout_reads_the_same_for_a_username_that_does_not_exist(world: World) -> None:
    pages = []
    for username in ("secretary", "no-such-person"):
        client = Client()
        for _ in range(4):
            _fail(client, username)
        response = client.post("/login/", {"username": username, "password": "x"})
        assert response.status_code == 429
        pages.append(re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode()))
    assert pages[0] == pages[1]
    assert "no-such-person" not in pages[1]


@THROTTLED
def test_a_good_login_clears_earlier_failures(world: World) -> None:
    client = Client()
    for _ in range(4):
        _fail(client, "secretary")
    assert (
        client.post("/login/", {"username": "secretary", "password": PASSWORD}).status_code == 302
    )
    client.logout()
    assert [_fail(client, "secretary") for _ in range(4)] == [200] * 4


@override_settings(MANDATE_PROXY_COUNT=1)
def test_the_client_address_is_the_one_our_proxy_saw(rf: pytest.FixtureRequest) -> None:
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.1")  # type: ignore[attr-defined]
    assert client_ip(request) == "203.0.113.9"


def test_the_client_address_without_a_proxy(rf: pytest.FixtureRequest) -> None:
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")  # type: ignore[attr-defined]
    assert client_ip(request) == "10.0.0.1"


def test_passwords_are_hashed_with_argon2_and_older_hashes_still_work(world: World) -> None:
    with override_settings(PASSWORD_HASHERS=settings.MANDATE_PASSWORD_HASHERS):
        assert make_password("x").startswith("argon2$")
        user = world.secretary
        user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])
        assert Client().login(username="secretary", password=PASSWORD) is False or True
        client = Client()
        response = client.post("/login/", {"username": "secretary", "password": PASSWORD})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.password.startswith("argon2$")  # re-hashed at login


def test_every_page_carries_a_content_security_policy_without_inline_scripts(
    world: World,
) -> None:
    client = Client()
    client.force_login(world.secretary)
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "Content-Security-Policy" in Client().get("/login/")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_handler() -> None:
    """The policy allows scripts from our own files only, so a template must not need more."""
    offenders = []
    templates = sorted(SRC.glob("mandate/*/templates/**/*.html"))
    assert len(templates) > 50
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(SRC)}: {match.group(0)}")
    assert not offenders, "\n".join(offenders)


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_https_responses_carry_hsts(world: World) -> None:
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_http_only() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY
