"""Who may open each register page: anonymous, outsider, rep, member, officers."""

from __future__ import annotations

import pytest
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.members.actions import segment_save
from mandate.members.models import Segment


def _client(client: Client, username: str | None) -> Client:
    if username:
        assert client.login(username=username, password=PASSWORD)
    return client


def _urls(world: World) -> dict[str, tuple[str, str]]:
    slug = world.liverpool.slug
    segment = segment_save(
        branch=world.liverpool, name="Active", filters={"status": "active"}, actor=None
    )
    base = f"/branches/{slug}/members/"
    return {
        "list": ("get", base),
        "detail": ("get", f"{base}{world.covered.pk}/"),
        "edit": ("get", f"{base}{world.covered.pk}/edit/"),
        "segments": ("get", f"{base}segments/"),
        "export": ("post", f"{base}export/"),
        "segment_save": ("post", f"{base}segments/save/"),
        "segment_delete": ("post", f"{base}segments/{segment.pk}/delete/"),
    }


PAGES = ["list", "detail", "edit", "segments", "export", "segment_save", "segment_delete"]


def _request(client: Client, method: str, url: str) -> int:
    data = {"name": "Everyone"} if url.endswith("/save/") else {}
    response = client.post(url, data) if method == "post" else client.get(url)
    return response.status_code


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client: Client, world: World, page: str) -> None:
    method, url = _urls(world)[page]
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username", ["outsider", "member", "panel"])
def test_people_outside_the_register_get_404(
    client: Client, world: World, page: str, username: str
) -> None:
    method, url = _urls(world)[page]
    assert _request(_client(client, username), method, url) == 404


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("list", 200),
        ("detail", 200),
        ("edit", 200),
        ("segments", 200),
        ("export", 200),
        ("segment_save", 302),
        ("segment_delete", 302),
    ],
)
@pytest.mark.parametrize("username", ["secretary", "regional", "national"])
def test_officers_reach_every_page(
    client: Client, world: World, page: str, status: int, username: str
) -> None:
    method, url = _urls(world)[page]
    assert _request(_client(client, username), method, url) == status


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("list", 200),
        ("detail", 200),
        ("edit", 200),
        ("segments", 200),
        # Reps hold neither EXPORT_MEMBERS nor MANAGE_SEGMENTS.
        ("export", 404),
        ("segment_save", 404),
        ("segment_delete", 404),
    ],
)
def test_rep_reaches_covered_members_only(
    client: Client, world: World, page: str, status: int
) -> None:
    method, url = _urls(world)[page]
    assert _request(_client(client, "rep"), method, url) == status
    assert Segment.objects.filter(name="Active").exists()


@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_rep_gets_404_for_an_uncovered_member(client: Client, world: World, suffix: str) -> None:
    url = f"/branches/{world.liverpool.slug}/members/{world.uncovered.pk}/{suffix}"
    assert _client(client, "rep").get(url).status_code == 404
    assert _client(client, "secretary").get(url).status_code == 200


def test_member_of_another_branch_is_404_under_this_branch(client: Client, world: World) -> None:
    # The national officer reaches both members, but not one branch's member under another's URL.
    url = f"/branches/{world.liverpool.slug}/members/{world.ucl_member.pk}/"
    assert _client(client, "national").get(url).status_code == 404


@pytest.mark.parametrize("page", ["export", "segment_save", "segment_delete"])
def test_mutations_refuse_get(client: Client, world: World, page: str) -> None:
    _, url = _urls(world)[page]
    assert _client(client, "secretary").get(url).status_code == 405


def test_edit_refuses_other_methods(client: Client, world: World) -> None:
    _, url = _urls(world)["edit"]
    assert _client(client, "secretary").delete(url).status_code == 405
