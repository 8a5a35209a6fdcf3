"""Tokens: stored hashed, shown once, scoped, expiring, revocable, rate-limited, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone

from mandate.api import actions
from mandate.api.models import ApiToken
from mandate.api.tests.conftest import Api
from mandate.conftest import PASSWORD, World
from mandate.core.errors import DomainError
from mandate.core.models import AuditEvent


def test_the_raw_token_is_not_stored_only_its_sha256(world: World) -> None:
    made = actions.token_create(user=world.secretary, name="sync", scopes=["members:read"])
    row = ApiToken.objects.get(pk=made.token.pk)
    assert made.raw.startswith("mdt_") and len(made.raw) > 40
    assert row.digest == hashlib.sha256(made.raw.encode()).hexdigest()
    stored = [
        str(v)
        for v in ApiToken.objects.values_list(*[f.attname for f in ApiToken._meta.fields]).get()
    ]
    assert all(made.raw not in value for value in stored)
    assert made.raw.startswith(row.prefix) and len(row.prefix) < 12
    event = AuditEvent.objects.get(action="api.token.create")
    assert made.raw not in str(event.detail) and event.detail["scopes"] == ["members:read"]


def test_two_tokens_differ(world: World) -> None:
    a = actions.token_create(user=world.secretary, name="a", scopes=["members:read"])
    b = actions.token_create(user=world.secretary, name="a", scopes=["members:read"])
    assert a.raw != b.raw


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["members:delete"]}, "scopes"),
        ({"days": 0}, "days"),
        ({"days": 400}, "days"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(
    world: World, kwargs: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"name": "sync", "scopes": ["members:read"], "days": 30, **kwargs}
    with pytest.raises(DomainError) as raised:
        actions.token_create(user=world.secretary, **values)  # type: ignore[arg-type]
    assert raised.value.message.startswith(f"{field}:")
    assert not ApiToken.objects.exists()


def test_unknown_missing_and_malformed_tokens_get_401(world: World) -> None:
    for header in ("", "Bearer", "Bearer mdt_nope", "Basic abc", "Bearer " + "x" * 500):
        response = Client().get(
            "/api/disputes", headers={"Authorization": header} if header else {}
        )
        assert response.status_code == 401
        assert response.json()["detail"].startswith("Send a live API token")
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working_at_once(world: World, api_for: Callable[..., Api]) -> None:
    api = api_for(world.secretary)
    assert api.get("/api/disputes").status_code == 200
    token = ApiToken.objects.get()
    actions.token_revoke(token=token, actor=world.secretary)
    assert api.get("/api/disputes").status_code == 401
    assert AuditEvent.objects.filter(action="api.token.revoke", object_id=str(token.pk)).exists()
    with pytest.raises(DomainError):
        actions.token_revoke(token=token, actor=world.secretary)


def test_an_expired_token_gets_401(world: World) -> None:
    made = actions.token_create(user=world.secretary, name="old", scopes=["disputes:read"], days=1)
    api = Api(made.raw)
    assert api.get("/api/disputes").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.get("/api/disputes").status_code == 401


def test_an_inactive_users_token_gets_401(world: World, api_for: Callable[..., Api]) -> None:
    api = api_for(world.secretary)
    world.secretary.is_active = False
    world.secretary.save(update_fields=["is_active"])
    assert api.get("/api/disputes").status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(world: World) -> None:
    made = actions.token_create(user=world.secretary, name="s", scopes=["disputes:read"])
    assert made.token.last_used_at is None
    now = timezone.now()
    assert actions.token_authenticate(made.raw, now=now) is not None
    assert ApiToken.objects.get().last_used_at == now
    actions.token_authenticate(made.raw, now=now + dt.timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == now
    later = now + dt.timedelta(minutes=2)
    actions.token_authenticate(made.raw, now=later)
    assert ApiToken.objects.get().last_used_at == later


def test_a_token_without_the_scope_gets_403_naming_it(world: World) -> None:
    api = Api(actions.token_create(user=world.national, name="d", scopes=["disputes:read"]).raw)
    response = api.get(f"/api/branches/{world.liverpool.slug}/members")
    assert response.status_code == 403
    assert "members:read" in response.json()["detail"]


@override_settings(MANDATE_API_RATE_PER_MINUTE=3)
def test_each_token_has_its_own_rate_limit(world: World, api_for: Callable[..., Api]) -> None:
    first, second = api_for(world.secretary), api_for(world.secretary)
    answers = [first.get("/api/disputes") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert answers[0]["X-RateLimit-Limit"] == "3"
    limited = first.get("/api/disputes")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "3 a minute" in limited.json()["detail"]
    assert second.get("/api/disputes").status_code == 200


def test_the_rate_limit_window_resets(world: World) -> None:
    from mandate.api import ratelimit

    with override_settings(MANDATE_API_RATE_PER_MINUTE=2):
        assert ratelimit.hit(7, now=600.0).allowed
        assert ratelimit.hit(7, now=601.0).allowed
        assert not ratelimit.hit(7, now=602.0).allowed
        assert ratelimit.hit(7, now=660.0).allowed


# The command ------------------------------------------------------------------------------


def test_command_creates_lists_and_revokes(world: World) -> None:
    out = StringIO()
    call_command(
        "api-token",
        "create",
        "--user",
        "secretary",
        "--name",
        "sync",
        "--scope",
        "members:read",
        "--scope",
        "ballots:read",
        "--days",
        "30",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    assert Api(raw).get(f"/api/branches/{world.liverpool.slug}/members").status_code == 200
    token = ApiToken.objects.get()
    listing = StringIO()
    call_command("api-token", "list", "--user", "secretary", stdout=listing)
    assert token.prefix in listing.getvalue() and raw not in listing.getvalue()
    call_command("api-token", "revoke", str(token.pk), stdout=StringIO())
    assert Api(raw).get("/api/disputes").status_code == 401


def test_command_errors_name_the_problem(world: World) -> None:
    with pytest.raises(CommandError, match="--user"):
        call_command(
            "api-token", "create", "--user", "nobody", "--name", "x", "--scope", "members:read"
        )
    with pytest.raises(CommandError, match="scopes"):
        call_command("api-token", "create", "--user", "secretary", "--name", "x")
    with pytest.raises(CommandError, match="No token"):
        call_command("api-token", "revoke", "999")


# The page ---------------------------------------------------------------------------------


def test_page_creates_a_token_shown_once_and_revokes_it(world: World) -> None:
    client = Client()
    assert client.login(username="rep", password=PASSWORD)
    response = client.post(
        "/account/api-tokens/", {"name": "my phone", "scopes": ["calls:work"], "days": "30"}
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw"]
    assert raw in response.content.decode()
    assert raw not in client.get("/account/api-tokens/").content.decode()
    token = ApiToken.objects.get(user=world.rep)
    response = client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_page_shows_errors(world: World) -> None:
    client = Client()
    assert client.login(username="rep", password=PASSWORD)
    response = client.post("/account/api-tokens/", {"name": "", "days": "9"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes", "days"}
    assert not ApiToken.objects.exists()


def test_nobody_can_revoke_someone_elses_token(world: World) -> None:
    made = actions.token_create(user=world.secretary, name="s", scopes=["disputes:read"])
    client = Client()
    assert client.login(username="outsider", password=PASSWORD)
    assert client.post(f"/account/api-tokens/{made.token.pk}/revoke/").status_code == 404
    assert made.token.prefix not in client.get("/account/api-tokens/").content.decode()
    assert ApiToken.objects.get().revoked_at is None


def test_page_needs_a_login(world: World) -> None:
    response = Client().get("/account/api-tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
