"""Grants and the two-factor state are remembered between a user's requests, and forgotten the
moment their roles, a rep's reach or their devices change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.conftest import World
from mandate.core import access_cache, policy
from mandate.core import actions as core_actions
from mandate.core.models import Role, RoleKind, User, Workplace
from mandate.core.security import actions as security_actions

pytestmark = pytest.mark.django_db

REQUIRED = override_settings(MANDATE_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)


def _get(client: Client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url).status_code
    return status, [q["sql"] for q in ctx.captured_queries]


def _touches(queries: list[str], table: str) -> bool:
    return any(f'"{table}"' in q for q in queries)


def _version(user: User) -> int:
    return User.objects.values_list("access_version", flat=True).get(pk=user.pk)


def test_grants_are_read_once_then_remembered(world: World) -> None:
    client = Client()
    client.force_login(world.secretary)
    url = reverse("home")
    status, first = _get(client, url)
    assert status == 200 and _touches(first, "core_role")
    status, second = _get(client, url)
    assert status == 200 and not _touches(second, "core_role")


def test_a_role_granted_or_revoked_counts_at_the_next_request(world: World) -> None:
    client = Client()
    client.force_login(world.member_user)
    url = reverse("branch_people", args=[world.liverpool.slug])
    assert client.get(url).status_code == 404
    before = _version(world.member_user)
    role = core_actions.role_grant(
        user=world.member_user, kind=RoleKind.BRANCH_OFFICER, branch=world.liverpool
    )
    assert _version(world.member_user) > before
    assert client.get(url).status_code == 200
    core_actions.role_revoke(role=role, actor=world.secretary)
    assert client.get(url).status_code == 404


def test_a_reps_workplaces_changed_count_at_the_next_request(world: World) -> None:
    rep_role = Role.objects.get(user=world.rep, kind=RoleKind.REP)
    client = Client()
    client.force_login(world.rep)
    client.get(reverse("home"))
    added = Workplace.objects.create(employer=world.liverpool_employer, name="Library")
    before = _version(world.rep)
    rep_role.workplaces.add(added)
    assert _version(world.rep) > before
    fresh = User.objects.get(pk=world.rep.pk)
    assert added.pk in policy.grants(fresh).rep_reach[world.liverpool.pk][0]
    before = _version(world.rep)
    rep_role.workplaces.remove(added)
    assert _version(world.rep) > before
    fresh = User.objects.get(pk=world.rep.pk)
    assert added.pk not in policy.grants(fresh).rep_reach[world.liverpool.pk][0]


def test_an_entry_from_an_older_version_is_not_used(world: World) -> None:
    """Another process's change: only the version on the user row says so."""
    user = User.objects.get(pk=world.member_user.pk)
    assert policy.Perm.MANAGE_ROLES not in policy.grants(user).by_branch[world.liverpool.pk]
    Role.objects.bulk_create(  # no signal: as if done in another process
        [Role(user=world.member_user, kind=RoleKind.BRANCH_OFFICER, branch=world.liverpool)]
    )
    same = User.objects.get(pk=world.member_user.pk)
    assert policy.Perm.MANAGE_ROLES not in policy.grants(same).by_branch[world.liverpool.pk]
    User.objects.filter(pk=user.pk).update(access_version=user.access_version + 1)
    bumped = User.objects.get(pk=world.member_user.pk)
    assert policy.Perm.MANAGE_ROLES in policy.grants(bumped).by_branch[world.liverpool.pk]


def test_a_reused_id_is_not_taken_for_the_same_account(world: World) -> None:
    user = User.objects.get(pk=world.member_user.pk)
    policy.grants(user)
    stand_in = User(pk=user.pk, username="someone-else", access_version=user.access_version)
    assert access_cache.recall("grants", stand_in) is None


@REQUIRED
def test_two_factor_state_is_remembered_until_a_device_changes(world: World) -> None:
    """A rep need not use a second factor; once they enrol, they must verify."""
    client = Client()
    client.force_login(world.rep)
    url = reverse("home")
    status, first = _get(client, url)
    assert status == 200 and _touches(first, "otp_totp_totpdevice")
    status, second = _get(client, url)
    assert status == 200 and not _touches(second, "otp_totp_totpdevice")

    TOTPDevice.objects.create(user=world.rep, name="Authenticator app", confirmed=True)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("security:verify")
    )

    security_actions.twofactor_reset(actor=world.national, user=world.rep)
    assert client.get(url).status_code == 200


@REQUIRED
def test_an_officer_without_a_device_is_sent_to_set_up_every_time(world: World) -> None:
    client = Client()
    client.force_login(world.secretary)
    url = reverse("home")
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("security:setup"))


def test_saving_a_stale_copy_of_the_user_keeps_the_raised_version(world: World) -> None:
    stale = User.objects.get(pk=world.member_user.pk)
    role = core_actions.role_grant(
        user=world.member_user, kind=RoleKind.BRANCH_OFFICER, branch=world.liverpool
    )
    raised = _version(world.member_user)
    assert raised > stale.access_version
    stale.set_password("another-long-password-1")
    stale.save()
    assert _version(world.member_user) == raised
    assert User.objects.get(pk=stale.pk).check_password("another-long-password-1")
    core_actions.role_revoke(role=role, actor=world.secretary)
    assert _version(world.member_user) > raised
