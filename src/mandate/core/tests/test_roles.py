from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent, Role, RoleKind, User


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def people_url(world: World) -> str:
    return f"/branches/{world.liverpool.slug}/people/"


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("secretary", 200),
        ("regional", 200),
        ("national", 200),
        ("outsider", 404),
        ("rep", 404),
        ("member", 404),
        ("panel", 404),
    ],
)
def test_people_page_access(client: Client, world: World, username: str, status: int) -> None:
    assert login(client, username).get(people_url(world)).status_code == status


def test_secretary_creates_a_rep_login(client: Client, world: World) -> None:
    hls = world.liverpool_employer.workplaces.get(name__startswith="Health")
    response = login(client, "secretary").post(
        people_url(world),
        {"username": "newrep", "first_name": "Ned", "kind": "rep", "workplaces": [hls.pk]},
        follow=True,
    )
    assert "one-time password" in response.content.decode()
    role = Role.objects.get(user__username="newrep")
    assert role.kind == RoleKind.REP and role.branch == world.liverpool
    assert list(role.workplaces.all()) == [hls]
    assert AuditEvent.objects.filter(action="role.grant", object_id=str(role.pk)).exists()


def test_rep_without_reach_is_refused_and_nothing_written(client: Client, world: World) -> None:
    before = User.objects.count()
    response = login(client, "secretary").post(
        people_url(world), {"username": "newrep", "kind": "rep"}
    )
    assert response.status_code == 200
    assert "at least one workplace" in response.content.decode()
    assert User.objects.count() == before


def test_member_role_links_the_member_record(client: Client, world: World) -> None:
    login(client, "secretary").post(
        people_url(world),
        {"username": "cat", "kind": "member", "membership_number": "L0002"},
    )
    world.covered.refresh_from_db()
    assert world.covered.user is not None and world.covered.user.username == "cat"


def test_member_role_for_another_branchs_member_is_refused(client: Client, world: World) -> None:
    response = login(client, "secretary").post(
        people_url(world), {"username": "ulla", "kind": "member", "membership_number": "U0001"}
    )
    assert "No member of this branch" in response.content.decode()
    assert not User.objects.filter(username="ulla").exists()


def test_branch_officers_cannot_grant_national_roles(client: Client, world: World) -> None:
    response = login(client, "secretary").post(
        people_url(world), {"username": "x", "kind": "national_officer"}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_revoke_needs_post_and_scope(client: Client, world: World) -> None:
    role = Role.objects.get(user=world.rep)
    url = f"/branches/{world.liverpool.slug}/people/{role.pk}/revoke/"
    assert login(client, "secretary").get(url).status_code == 405
    assert login(client, "outsider").post(url).status_code == 404
    # An outsider cannot reach the role through their own branch's URL either.
    other = f"/branches/{world.ucl.slug}/people/{role.pk}/revoke/"
    assert login(client, "outsider").post(other).status_code == 404
    assert Role.objects.filter(pk=role.pk).exists()
    login(client, "secretary").post(url)
    assert not Role.objects.filter(pk=role.pk).exists()


def test_last_branch_officer_cannot_remove_themselves(client: Client, world: World) -> None:
    role = Role.objects.get(user=world.secretary)
    url = f"/branches/{world.liverpool.slug}/people/{role.pk}/revoke/"
    response = login(client, "secretary").post(url, follow=True)
    assert "only officer" in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


def test_grant_role_command(world: World) -> None:
    out = StringIO()
    call_command(
        "grant-role",
        "--user",
        "jo",
        "--role",
        "rep",
        "--branch",
        world.liverpool.slug,
        "--workplace",
        "main campus",
        "--create",
        stdout=out,
    )
    assert "One-time password:" in out.getvalue()
    assert Role.objects.get(user__username="jo").workplaces.get().name == "Main campus"
    with pytest.raises(CommandError, match="no 'Moon base'"):
        call_command(
            "grant-role",
            "--user",
            "jo",
            "--role",
            "rep",
            "--branch",
            world.liverpool.slug,
            "--workplace",
            "Moon base",
        )
    with pytest.raises(CommandError, match="add --create"):
        call_command("grant-role", "--user", "nobody", "--role", "national_officer")
    with pytest.raises(CommandError, match="whole union"):
        call_command(
            "grant-role",
            "--user",
            "jo",
            "--role",
            "national_officer",
            "--branch",
            world.liverpool.slug,
        )


def test_password_change_page(client: Client, world: World) -> None:
    login(client, "rep")
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-pass-9",
            "new_password2": "a-much-longer-pass-9",
        },
    )
    assert response.status_code == 302
    assert Client().login(username="rep", password="a-much-longer-pass-9")
