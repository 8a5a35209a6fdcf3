"""Two-factor authentication: who must use it, enrolment, verification, backup codes, resets."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import resolve, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.conftest import PASSWORD, World
from mandate.core import actions as core_actions
from mandate.core.models import AuditEvent, RoleKind, User
from mandate.core.security.tests.helpers import code, enrol, verified_client
from mandate.core.tests.test_url_matrix import _fill, all_routes

pytestmark = pytest.mark.django_db

REQUIRED = override_settings(MANDATE_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)

# Routes an unverified officer may still open (the token links carry their own credential).
EXEMPT = {
    "login",
    "logout",
    "healthz",
    "security:verify",
    "security:setup",
    "ballot_link",
    "ballot_published",
    "calendar_feed",
    "password_reset",
}


def _officers(world: World) -> list[User]:
    return [world.secretary, world.regional, world.national, world.panel]


def _guarded_routes(world: World) -> list[str]:
    urls = []
    for route, _ in all_routes():
        url = _fill(route, world.liverpool.slug)
        match = resolve(url)
        if match.view_name in EXEMPT or "gtvo_link" in match.namespaces:
            continue
        urls.append(url)
    return urls


@REQUIRED
def test_every_route_sends_an_officer_without_a_device_to_set_one_up(world: World) -> None:
    urls = _guarded_routes(world)
    assert len(urls) > 50
    for user in _officers(world):
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, (user.username, url, response.status_code)
            assert response["Location"].startswith("/security/setup/?next="), (user.username, url)


@REQUIRED
def test_every_route_sends_an_enrolled_officer_to_verification_until_verified(
    world: World,
) -> None:
    urls = _guarded_routes(world)
    for user in _officers(world):
        enrol(user)
        client = Client()
        client.force_login(user)
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 302, (user.username, method, url)
                assert response["Location"].startswith("/security/verify/?next="), url


@REQUIRED
def test_members_reps_and_callers_are_not_forced(world: World) -> None:
    caller = core_actions.user_create(username="caller", password=PASSWORD)
    core_actions.role_grant(user=caller, kind=RoleKind.CALLER, branch=world.liverpool)
    for user in (world.member_user, world.rep, caller):
        client = Client()
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, user.username
        assert client.get(reverse("my_votes")).status_code == 200


@REQUIRED
def test_a_member_who_chose_two_factor_must_verify(world: World) -> None:
    enrol(world.member_user)
    client = Client()
    client.force_login(world.member_user)
    response = client.get("/me/")
    assert response["Location"] == "/security/verify/?next=%2Fme%2F"


@REQUIRED
def test_an_htmx_request_gets_a_full_page_redirect(world: World) -> None:
    client = Client()
    client.force_login(world.secretary)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert not response.content
    assert response["HX-Redirect"].startswith("/security/setup/")


@REQUIRED
def test_the_public_token_links_are_not_held_up(world: World) -> None:
    client = Client()
    client.force_login(world.secretary)
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/ballot/not-a-token/").status_code in (200, 404)
    assert client.get("/v/not-a-token/").status_code in (200, 404)


@REQUIRED
def test_enrolment_with_a_qr_code_then_backup_codes(world: World) -> None:
    client = Client()
    assert client.login(username="secretary", password=PASSWORD)
    page = client.get("/security/setup/?next=/branches/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "Type this key instead" in body
    device = TOTPDevice.objects.get(user=world.secretary)
    assert not device.confirmed
    # Reloading shows the same pending secret.
    client.get("/security/setup/")
    assert TOTPDevice.objects.filter(user=world.secretary).count() == 1

    wrong = client.post("/security/setup/", {"code": "12345", "next": "/branches/"})
    assert "Type the 6 digits" in wrong.content.decode()
    bad = client.post("/security/setup/", {"code": "000000", "next": "/branches/"})
    assert "did not match" in bad.content.decode()

    done = client.post("/security/setup/", {"code": code(device), "next": "/branches/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/branches/").status_code == 200
    assert AuditEvent.objects.filter(action="twofactor.enrol", object_id=str(world.secretary.pk))


@REQUIRED
def test_login_then_code_then_the_page_asked_for(world: World) -> None:
    device = enrol(world.secretary)
    client = Client()
    response = client.post("/login/", {"username": "secretary", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/branches/")
    assert response["Location"] == "/security/verify/?next=%2Fbranches%2F"
    bad = client.post("/security/verify/", {"code": "000000", "next": "/branches/"})
    assert "That code did not work" in bad.content.decode()
    assert client.get("/branches/").status_code == 302
    good = client.post("/security/verify/", {"code": code(device), "next": "/branches/"})
    assert good["Location"] == "/branches/"
    assert client.get("/branches/").status_code == 200


@REQUIRED
def test_verification_never_redirects_off_site(world: World) -> None:
    device = enrol(world.secretary)
    client = Client()
    client.force_login(world.secretary)
    good = client.post("/security/verify/", {"code": code(device), "next": "https://evil.example/"})
    assert good["Location"] == "/"


@REQUIRED
def test_a_backup_code_works_once_and_is_audited(world: World) -> None:
    device = enrol(world.national)
    backup = StaticDevice.objects.create(user=world.national, name="Backup codes")
    StaticToken.objects.create(device=backup, token="abcd2345")
    for attempt in range(2):
        client = Client()
        client.force_login(world.national)
        response = client.post("/security/verify/", {"code": "abcd 2345", "next": "/"})
        if attempt == 0:
            assert response["Location"] == "/"
        else:
            assert response.status_code == 200  # used up: the form again
    assert AuditEvent.objects.filter(action="twofactor.backup_code_used").count() == 1
    assert device.pk


@REQUIRED
def test_an_enrolled_but_unverified_user_cannot_enrol_a_second_device(world: World) -> None:
    enrol(world.secretary)
    client = Client()
    client.force_login(world.secretary)
    response = client.get("/security/setup/")
    assert response["Location"].startswith("/security/verify/")
    assert client.post("/security/backup-codes/")["Location"].startswith("/security/verify/")
    assert TOTPDevice.objects.filter(user=world.secretary).count() == 1


@REQUIRED
def test_new_backup_codes_replace_the_old(world: World) -> None:
    device = enrol(world.secretary)
    client = verified_client(world.secretary, device)
    first = re.findall(
        r"<code>(\w+)</code>", client.post("/security/backup-codes/").content.decode()
    )
    second = re.findall(
        r"<code>(\w+)</code>", client.post("/security/backup-codes/").content.decode()
    )
    assert len(first) == len(second) == 10
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert stored == set(second)


@REQUIRED
def test_a_member_may_turn_it_off_an_officer_may_not(world: World) -> None:
    member_device = enrol(world.member_user)
    client = verified_client(world.member_user, member_device)
    assert client.post("/security/turn-off/").status_code == 302
    assert not TOTPDevice.objects.filter(user=world.member_user).exists()

    officer_device = enrol(world.secretary)
    client = verified_client(world.secretary, officer_device)
    assert client.post("/security/turn-off/").status_code == 400
    assert TOTPDevice.objects.filter(user=world.secretary).exists()


@REQUIRED
def test_a_national_officer_resets_a_lost_device_and_it_is_audited(world: World) -> None:
    lost = enrol(world.secretary)
    national = verified_client(world.national, enrol(world.national))
    found = national.get("/security/people/?q=secre")
    assert "secretary" in found.content.decode()
    response = national.post(f"/security/people/{world.secretary.pk}/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    event = AuditEvent.objects.get(action="twofactor.reset")
    assert event.actor == world.national
    assert event.object_id == str(world.secretary.pk)
    # The secretary's next request asks them to enrol again.
    client = Client()
    client.force_login(world.secretary)
    assert client.get("/")["Location"].startswith("/security/setup/")


@REQUIRED
def test_nobody_else_may_reset(world: World) -> None:
    for user in (world.secretary, world.regional, world.outsider, world.rep, world.member_user):
        device = enrol(user)
        client = verified_client(user, device)
        assert client.get("/security/people/").status_code == 404, user.username
        assert client.post(f"/security/people/{world.panel.pk}/reset/").status_code == 404
    assert not AuditEvent.objects.filter(action="twofactor.reset").exists()


def test_the_reset_command(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    enrol(world.regional)
    call_command("twofactor", "status", "regional")
    assert "two-factor on (required)" in capsys.readouterr().out
    call_command("twofactor", "reset", "regional")
    assert "removed 1 device" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=world.regional).exists()
    assert AuditEvent.objects.filter(action="twofactor.reset", actor=None).count() == 1
    with pytest.raises(CommandError, match="No login named"):
        call_command("twofactor", "reset", "nobody")


def test_the_code_command_is_for_the_demo_only(world: World) -> None:
    enrol(world.secretary)
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("twofactor", "code", "secretary")


@override_settings(DEBUG=True)
def test_the_code_command_prints_a_code_that_verifies(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    device = enrol(world.secretary)
    call_command("twofactor", "code", "secretary")
    printed = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", printed)
    assert device.verify_token(printed)


def test_two_factor_is_off_under_tests_so_other_tests_log_in(world: World) -> None:
    enrol(world.secretary)
    client = Client()
    client.force_login(world.secretary)
    assert client.get("/").status_code == 200
