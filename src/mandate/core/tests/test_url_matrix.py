"""Walk every URL pattern: anonymous visitors are sent to log in, and an officer of another
branch gets 404 on anything under a branch that is not theirs. Later features are covered the
moment their routes are added."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from mandate.conftest import PASSWORD, World
from mandate.core import actions as core_actions
from mandate.core.models import RoleKind, User

# Routes anyone may open without logging in.
PUBLIC = {"login", "healthz", "password_reset"}
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, str]]:
    for p in patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin has its own login, for superusers only
            if route.startswith("api/"):
                continue  # token-authenticated (401, not a login page): api/tests/test_matrix.py
            yield from _routes(p.url_patterns, prefix + route)
        else:
            yield prefix + route, p.name or ""


def _fill(route: str, branch_slug: str) -> str:
    def value(match: re.Match[str]) -> str:
        conv, name = match.group("conv") or "str", match.group("name")
        if name == "branch":
            return branch_slug
        return {
            "int": "1",
            "slug": "some-slug",
            "uuid": "00000000-0000-0000-0000-000000000000",
        }.get(conv, "x")

    path = _PARAM.sub(value, route)
    return "/" + path.lstrip("^").rstrip("$")


def all_routes() -> list[tuple[str, str]]:
    return sorted(set(_routes(get_resolver().url_patterns)))


def test_the_walk_finds_the_routes() -> None:
    names = {name for _, name in all_routes()}
    assert {"home", "audit", "list", "detail", "branch_people"} <= names


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    client = Client()
    for route, name in all_routes():
        if name in PUBLIC or "<token" in route:
            continue
        url = _fill(route, world.liverpool.slug)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 403, 404, 405), (method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), (method, url)


def test_another_branchs_officer_gets_404_under_a_branch(world: World) -> None:
    client = Client()
    assert client.login(username="outsider", password=PASSWORD)
    checked = 0
    for route, _ in all_routes():
        if "<slug:branch>" not in route:
            continue
        url = _fill(route, world.liverpool.slug)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (method, url, response.status_code)
        checked += 1
    assert checked >= 3


# Every role ------------------------------------------------------------------------------------
# Each persona walks every route (GET and POST). Nothing answers 5xx; a logged-in user is never
# sent to the login page; the pages each role's work needs open; the pages it must not reach answer
# 404 (so nobody learns what exists outside their scope).

ROLES = ("member", "rep", "caller", "panel", "secretary", "regional", "national", "outsider")
ALLOWED = {200, 204, 302, 400, 403, 404, 405}

# What each role's work needs: these pages open (200) for them, under Liverpool where it applies.
MUST_OPEN: dict[str, set[str]] = {
    "member": {"home", "my_details", "my_votes", "security:account"},
    "rep": {"home", "members:list", "my_votes", "security:account"},
    "caller": {"home", "calls:index", "security:account"},
    "panel": {"home", "security:account"},
    "secretary": {
        "home",
        "members:list",
        "members:import",
        "branch_people",
        "audit",
        "disputes:list",
        "ballots:index",
        "meetings:index",
        "votes:index",
        "actions:index",
        "security:account",
    },
    "regional": {"home", "members:list", "branch_people", "audit", "disputes:list"},
    "national": {"home", "members:list", "branch_people", "audit", "security:people"},
    "outsider": {"home", "security:account"},
}
# Liverpool's register and its people: never for members, callers, the fund panel or another
# branch's officer; the national two-factor reset only for national officers.
_REGISTER = {"members:list", "members:import", "members:export", "branch_people"}
MUST_HIDE: dict[str, set[str]] = {
    "member": _REGISTER | {"security:people"},
    "caller": _REGISTER | {"security:people"},
    "panel": _REGISTER | {"security:people"},
    "outsider": _REGISTER | {"security:people"},
    "rep": {"members:import", "members:export", "branch_people", "security:people"},
    "secretary": {"security:people"},
    "regional": {"security:people"},
    "national": set(),
}


def _persona(world: World, role: str) -> User:
    if role == "caller":
        caller = User.objects.filter(username="caller").first()
        if caller is None:
            caller = core_actions.user_create(username="caller", password=PASSWORD)
            core_actions.role_grant(user=caller, kind=RoleKind.CALLER, branch=world.liverpool)
        return caller
    user: User = getattr(world, {"member": "member_user"}.get(role, role))
    return user


def _walk_as(world: World, role: str) -> dict[str, dict[str, int]]:
    client = Client()
    client.force_login(_persona(world, role))
    seen: dict[str, dict[str, int]] = {}
    # Token links are public (the token is the credential): the anonymous walk covers them.
    urls = [
        _fill(route, world.liverpool.slug) for route, _ in all_routes() if "<str:token" not in route
    ]
    # Every GET first: a POST may change what the persona holds (revoking a role, say).
    for method in ("get", "post"):
        for url in urls:
            name = resolve(url).view_name
            if name == "logout":
                continue
            response = getattr(client, method)(url)
            status = response.status_code
            assert status in ALLOWED, (role, method, url, status)
            if status == 302:
                assert not response["Location"].startswith("/login/"), (role, method, url)
            seen.setdefault(name, {})[method] = status
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(world: World, role: str) -> None:
    seen = _walk_as(world, role)
    for name in MUST_OPEN[role]:
        assert seen[name]["get"] == 200, (role, name, seen[name])
    for name in MUST_HIDE[role]:
        if name in seen:
            # 405 is the method check, made before anything is looked up.
            statuses = set(seen[name].values())
            assert statuses <= {404, 405} and 404 in statuses, (role, name, seen[name])


# Guessed ids ------------------------------------------------------------------------------------
# Liverpool's objects (a local ballot and its dispute, a call assignment, a meeting, an e-ballot,
# its members) are asked for by id by UCL's officer, under UCL's own branch pages and everywhere
# else: every answer is 404 (or 405 for the wrong method), never the object and never 403.


def _liverpool_objects(world: World) -> set[int]:
    import datetime as dt

    from django.utils import timezone

    from mandate.calls.actions import assignment_create
    from mandate.meetings.actions import meeting_create
    from mandate.turnout.tests.factories import open_ballot
    from mandate.votes.tests.conftest import open_poll

    ballot = open_ballot(world)
    assignment = assignment_create(
        ballot=ballot,
        branch=world.liverpool,
        name="Evening calls",
        ends_at=timezone.now() + dt.timedelta(days=2),
        actor=world.secretary,
    )
    meeting = meeting_create(
        actor=world.secretary,
        branch=world.liverpool,
        kind="members",
        title="Branch meeting",
        mode="in_person",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )
    poll = open_poll([world.member, world.covered], branch=world.liverpool)
    ids = {ballot.pk, ballot.dispute.pk, assignment.pk, meeting.pk, poll.pk}
    ids |= {world.member.pk, world.covered.pk, world.uncovered.pk}
    return ids


def test_another_branchs_officer_guessing_ids_gets_404(world: World) -> None:
    ids = _liverpool_objects(world)
    client = Client()
    client.force_login(world.outsider)
    checked = 0
    for route, _ in all_routes():
        if "<int:" not in route or "<str:token" in route or "<int:role>" in route:
            continue  # role ids are people's, and UCL's officer holds role 3 themself
        for slug in (world.ucl.slug, world.liverpool.slug):
            for guess in sorted(ids):
                url = _PARAM.sub(
                    lambda m, g=guess, s=slug: (
                        s
                        if m.group("name") == "branch"
                        else str(g)
                        if m.group("conv") == "int"
                        else "x"
                    ),
                    route,
                )
                url = "/" + url
                for method in ("get", "post"):
                    status = getattr(client, method)(url).status_code
                    assert status in (404, 405), (method, url, status)
                checked += 1
            if "<slug:branch>" not in route:
                break
    assert checked > 100
