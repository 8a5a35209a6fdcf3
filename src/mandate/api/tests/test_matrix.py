"""Every API route for every role: anonymous, a member, a rep, the branch secretary, another
branch's secretary, the regional and national officers, the fund panel, and a token without
the route's scope. Objects belong to Liverpool; out of reach is 404, never a hint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver

from mandate.api.actions import token_create
from mandate.api.scopes import Scope
from mandate.api.tests.conftest import ALL_SCOPES, Api
from mandate.api.tests.scene import CSV, Scene, build_scene
from mandate.conftest import World

ROLES = ("member", "rep", "secretary", "outsider", "regional", "national", "panel")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # ninja's pattern, as in the schema
    scope: Scope
    allowed: frozenset[str]  # roles that reach it; everyone else gets 404
    ok: frozenset[int]  # what an allowed role gets
    call: Callable[[Api, World, Scene], Any]


def _r(method: str, path: str, scope: Scope, allowed: set[str], ok: set[int], call: Any) -> Route:
    return Route(method, path, scope, frozenset(allowed), frozenset(ok), call)


EVERYONE = set(ROLES)
READERS = {"secretary", "rep", "regional", "national"}
IMPORTERS = {"secretary", "regional", "national"}


def _members(w: World, s: Scene) -> str:
    return f"/api/branches/{w.liverpool.slug}/members"


def _upload() -> dict[str, Any]:
    return {"file": SimpleUploadedFile("register.csv", CSV.encode(), "text/csv")}


def _skip(a: Api, w: World, s: Scene) -> Any:
    base = f"/api/calls/{s.assignment.pk}"
    held = a.post(f"{base}/next")
    target = s.assignment.targets.order_by("pk").first()
    assert target is not None
    if held.status_code == 200 and held.json()["contact"]:
        target_id = held.json()["contact"]["target_id"]
    else:
        target_id = target.pk
    return a.post(f"{base}/contacts/{target_id}/skip")


ROUTES = [
    _r(
        "GET",
        "/branches/{branch}/members",
        Scope.MEMBERS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(_members(w, s)),
    ),
    _r(
        "GET",
        "/branches/{branch}/members/{member_id}",
        Scope.MEMBERS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"{_members(w, s)}/{w.member.pk}"),
    ),
    _r(
        "POST",
        "/branches/{branch}/imports",
        Scope.MEMBERS_WRITE,
        IMPORTERS,
        {201},
        lambda a, w, s: a.post(f"/api/branches/{w.liverpool.slug}/imports", _upload()),
    ),
    _r(
        "GET",
        "/branches/{branch}/imports/{run_id}",
        Scope.MEMBERS_WRITE,
        IMPORTERS,
        {200},
        lambda a, w, s: a.get(f"/api/branches/{w.liverpool.slug}/imports/{s.run.pk}"),
    ),
    # The first allowed role applies it; the rest find it applied already.
    _r(
        "POST",
        "/branches/{branch}/imports/{run_id}/apply",
        Scope.MEMBERS_WRITE,
        IMPORTERS,
        {200, 409},
        lambda a, w, s: a.post(f"/api/branches/{w.liverpool.slug}/imports/{s.run.pk}/apply"),
    ),
    _r(
        "GET",
        "/disputes",
        Scope.DISPUTES_READ,
        EVERYONE,
        {200},
        lambda a, w, s: a.get("/api/disputes"),
    ),
    _r(
        "GET",
        "/disputes/{slug}",
        Scope.DISPUTES_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/disputes/{s.granted.dispute.slug}"),
    ),
    _r(
        "GET",
        "/disputes/{slug}/actions",
        Scope.ACTIONS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/disputes/{s.granted.dispute.slug}/actions"),
    ),
    _r(
        "GET",
        "/actions/{action_id}",
        Scope.ACTIONS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/actions/{s.action.pk}"),
    ),
    _r(
        "GET",
        "/ballots",
        Scope.BALLOTS_READ,
        EVERYONE,
        {200},
        lambda a, w, s: a.get("/api/ballots"),
    ),
    _r(
        "GET",
        "/ballots/{ballot_id}",
        Scope.BALLOTS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/ballots/{s.granted.pk}"),
    ),
    _r(
        "GET",
        "/ballots/{ballot_id}/results",
        Scope.BALLOTS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/ballots/{s.granted.pk}/results"),
    ),
    _r(
        "GET",
        "/ballots/{ballot_id}/mandates",
        Scope.BALLOTS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/ballots/{s.granted.pk}/mandates"),
    ),
    # Branch officers and reps see the ballot but may not import its results: 403, not 404.
    _r(
        "POST",
        "/ballots/{ballot_id}/results",
        Scope.RESULTS_WRITE,
        {"regional", "national"},
        {400},
        lambda a, w, s: a.post(
            f"/api/ballots/{s.granted.pk}/results",
            {"file": SimpleUploadedFile("r.csv", b"not a report", "text/csv"), "dry_run": "true"},
        ),
    ),
    _r("GET", "/calls", Scope.CALLS_WORK, EVERYONE, {200}, lambda a, w, s: a.get("/api/calls")),
    _r(
        "POST",
        "/calls/{assignment_id}/next",
        Scope.CALLS_WORK,
        {"rep", "secretary"},
        {200},
        lambda a, w, s: a.post(f"/api/calls/{s.assignment.pk}/next"),
    ),
    # An allowed caller gets as far as the outcome check.
    _r(
        "POST",
        "/calls/{assignment_id}/contacts/{target_id}/outcome",
        Scope.CALLS_WORK,
        {"rep", "secretary"},
        {400},
        lambda a, w, s: a.post(
            f"/api/calls/{s.assignment.pk}/contacts/1/outcome", {"outcome": "nonsense"}, json=True
        ),
    ),
    _r(
        "POST",
        "/calls/{assignment_id}/contacts/{target_id}/skip",
        Scope.CALLS_WORK,
        {"rep", "secretary"},
        {200},
        _skip,
    ),
    _r(
        "GET",
        "/me/ballots",
        Scope.TURNOUT_WRITE,
        {"member"},
        {200},
        lambda a, w, s: a.get("/api/me/ballots"),
    ),
    _r(
        "POST",
        "/me/ballots/{ballot_id}/report",
        Scope.TURNOUT_WRITE,
        {"member"},
        {200},
        lambda a, w, s: a.post(
            f"/api/me/ballots/{s.ballot.pk}/report", {"answer": "voted"}, json=True
        ),
    ),
    _r(
        "GET",
        "/me/votes",
        Scope.VOTES_CAST,
        {"member"},
        {200},
        lambda a, w, s: a.get("/api/me/votes"),
    ),
    # An allowed voter gets as far as the choice check (no vote is cast here).
    _r(
        "POST",
        "/me/votes/{poll_id}",
        Scope.VOTES_CAST,
        {"member"},
        {400},
        lambda a, w, s: a.post(f"/api/me/votes/{s.poll.pk}", {"choice": 999_999}, json=True),
    ),
    _r(
        "GET",
        "/branches/{branch}/pickets",
        Scope.PICKETS_READ,
        READERS,
        {200},
        lambda a, w, s: a.get(f"/api/branches/{w.liverpool.slug}/pickets"),
    ),
    _r("GET", "/funds", Scope.FUNDS_READ, EVERYONE, {200}, lambda a, w, s: a.get("/api/funds")),
    # Officers see a branch fund's totals; its panel its claims too; reps neither.
    _r(
        "GET",
        "/funds/{fund_id}",
        Scope.FUNDS_READ,
        IMPORTERS | {"panel"},
        {200},
        lambda a, w, s: a.get(f"/api/funds/{s.fund.pk}"),
    ),
    _r("GET", "/polls", Scope.VOTES_READ, EVERYONE, {200}, lambda a, w, s: a.get("/api/polls")),
    _r(
        "GET",
        "/polls/{poll_id}",
        Scope.VOTES_READ,
        {"secretary", "regional", "national"},
        {200},
        lambda a, w, s: a.get(f"/api/polls/{s.poll.pk}"),
    ),
]
# Seen but not theirs to change: the ballot's results import answers 403 to these roles.
FORBIDDEN = {("POST", "/ballots/{ballot_id}/results"): {"secretary", "rep"}}


def _user(world: World, role: str) -> Any:
    return world.member_user if role == "member" else getattr(world, role)


def test_the_matrix_covers_every_api_route() -> None:
    from mandate.api.api import api

    documented = {
        (method, path.removeprefix("/api"))
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in (m.upper() for m in item)
    }
    assert documented == {(r.method, r.path) for r in ROUTES}
    assert get_resolver().resolve("/api/disputes")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_for_every_role(world: World, route: Route) -> None:
    scene = build_scene(world)
    anonymous = Api("")
    anonymous.client = Client()
    assert route.call(anonymous, world, scene).status_code == 401
    for role in ROLES:
        user = _user(world, role)
        api = Api(token_create(user=user, name=role, scopes=ALL_SCOPES).raw)
        status = route.call(api, world, scene).status_code
        if role in route.allowed:
            assert status in route.ok, (role, status)
        elif role in FORBIDDEN.get((route.method, route.path), set()):
            assert status == 403, (role, status)
        else:
            assert status == 404, (role, status)
    # The right role with a token lacking the route's scope.
    strongest = "national" if "national" in route.allowed else sorted(route.allowed)[0]
    others = [s for s in ALL_SCOPES if s != route.scope.value]
    narrow = Api(token_create(user=_user(world, strongest), name="narrow", scopes=others).raw)
    response = route.call(narrow, world, scene)
    assert response.status_code == 403
    assert route.scope.value in response.json()["detail"]
