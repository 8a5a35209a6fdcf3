from __future__ import annotations

import random
from decimal import Decimal

from mandate.conftest import World
from mandate.core.demo import DemoContext
from mandate.disputes.demo import FOUR_FIGHTS, HLS, build_disputes
from mandate.disputes.models import Dispute, ExpectationStatus


def test_demo_builds_the_national_and_the_liverpool_disputes(world: World) -> None:
    lines: list[str] = []
    ctx = DemoContext(
        scale="default",
        rng=random.Random(2021),
        out=lines.append,
        union=world.union,
        branches=[world.liverpool, world.ucl],
    )
    build_disputes(ctx)

    national = Dispute.objects.get(name=FOUR_FIGHTS)
    assert national.is_national and national.parties.count() == 2
    assert national.demands.count() == 4
    assert national.expectations.count() == 4
    assert national.escalation_triggers().count() == 1
    assert national.timeline.filter(kind="offer", title__contains="3%").exists()
    assert ExpectationStatus.objects.filter(expectation__dispute=national).exists()

    local = Dispute.objects.get(name=HLS)
    assert local.branch == world.liverpool
    assert [d.title for d in local.demands.all()] == ["No compulsory redundancies"]
    at_risk = local.metrics.get(name="Compulsory redundancies at risk")
    assert [v.value for v in at_risk.values.all()] == [Decimal(47), Decimal(6), Decimal(2)]
    assert local.metrics.get(name__startswith="Students").values.get().value == 1500
    assert list(local.unmet_preconditions().values_list("description", flat=True)) == [
        "Joint consultation meeting held under the redundancy procedure"
    ]
    assert local.preconditions.filter(description__contains="ACAS", met_at__isnull=False).exists()
    assert local.timeline.filter(title__contains="97%").exists()
    assert all(e.date.year == 2026 for e in local.timeline.all())
    assert lines == [f"  2 disputes: {FOUR_FIGHTS}; {HLS}"]
