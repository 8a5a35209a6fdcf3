from __future__ import annotations

import random

import pytest

from mandate.api.demo import build_api
from mandate.api.models import ApiToken
from mandate.api.tests.conftest import Api
from mandate.conftest import World
from mandate.core.demo import DemoContext


def test_demo_gives_the_secretary_one_read_only_token(world: World) -> None:
    printed: list[str] = []
    ctx = DemoContext(scale="small", rng=random.Random(1), out=printed.append)
    ctx.users["secretary"] = world.secretary
    build_api(ctx)
    token = ApiToken.objects.get(user=world.secretary)
    assert all(scope.endswith(":read") for scope in token.scopes)
    raw = printed[-1].rsplit(" ", 1)[-1]
    assert Api(raw).get(f"/api/branches/{world.liverpool.slug}/members").status_code == 200
    assert Api(raw).post(f"/api/branches/{world.liverpool.slug}/imports").status_code in (403, 422)


@pytest.mark.django_db
def test_demo_step_without_the_login_does_nothing() -> None:
    ctx = DemoContext(scale="small", rng=random.Random(1), out=print)
    build_api(ctx)
    assert not ApiToken.objects.exists()
