"""Walk every URL pattern: anonymous visitors are sent to log in, and an officer of another
branch gets 404 on anything under a branch that is not theirs. Later features are covered the
moment their routes are added."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from mandate.conftest import PASSWORD, World

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
