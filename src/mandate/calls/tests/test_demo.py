from __future__ import annotations

import random

from mandate.calls.demo import build_calls
from mandate.calls.models import CallAssignment, CallLog
from mandate.calls.tests import factories as f
from mandate.conftest import World
from mandate.core.demo import DemoContext
from mandate.core.models import User


def _ctx(world: World, lines: list[str]) -> DemoContext:
    return DemoContext(
        scale="default",
        rng=random.Random(1),
        out=lines.append,
        union=world.union,
        branches=[world.liverpool, world.ucl],
    )


def test_demo_builds_a_phone_bank_on_the_open_ballot(world: World) -> None:
    members = [f.phone_member(world.liverpool, str(i)) for i in range(12)]
    f.open_ballot(world, members, national=True)
    lines: list[str] = []
    build_calls(_ctx(world, lines))
    assignment = CallAssignment.objects.get()
    assert assignment.constituency.employer == world.liverpool_employer
    assert set(assignment.callers.values_list("user__username", flat=True)) == {
        "caller1",
        "caller2",
    }
    assert CallLog.objects.count() == 8
    assert User.objects.get(username="caller1").check_password("mandate-demo")
    assert "8 calls made" in lines[-1]


def test_demo_skips_without_an_open_ballot(world: World) -> None:
    lines: list[str] = []
    build_calls(_ctx(world, lines))
    assert not CallAssignment.objects.exists() and "skipped" in lines[-1]
