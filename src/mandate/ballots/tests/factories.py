"""Ballots for tests, built through the real actions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mandate.ballots import actions
from mandate.ballots.models import Ballot
from mandate.conftest import World
from mandate.disputes.models import Dispute, DisputeScope

SAMPLES = Path(__file__).resolve().parents[5] / "shared" / "samples" / "scrutineer-reports"
if not SAMPLES.exists():  # a checkout outside /work: the samples travel with the shared tree
    SAMPLES = Path("/work/shared/samples/scrutineer-reports")
PAY = SAMPLES / "ucu-2021-pay-four-fights.xlsx"
PENSIONS = SAMPLES / "ucu-2021-uss-pensions.xlsx"
OPENS_2021 = dt.date(2021, 10, 18)
CLOSES_2021 = dt.date(2021, 11, 4)


def national_dispute(name: str = "Pay and conditions 2021") -> Dispute:
    from django.utils.text import slugify

    return Dispute.objects.create(name=name, slug=slugify(name), scope=DisputeScope.NATIONAL)


def local_dispute(world: World, name: str = "Liverpool redundancies") -> Dispute:
    from django.utils.text import slugify

    dispute = Dispute.objects.create(
        name=name, slug=slugify(name), scope=DisputeScope.LOCAL, branch=world.liverpool
    )
    dispute.parties.add(world.liverpool_employer)
    return dispute


def historic_ballot(name: str = "Four Fights 2021") -> Ballot:
    """A 2021 ballot recorded after the fact, with no constituencies yet (regime B)."""
    return actions.ballot_create(
        dispute=national_dispute(f"{name} dispute"),
        name=name,
        opens=OPENS_2021,
        closes=CLOSES_2021,
        actor=None,
    )


def local_ballot(
    world: World,
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    scrutineer: str = "Civica Election Services",
) -> Ballot:
    # Opening three weeks ahead: the notice deadlines are still to come.
    opens = opens or dt.date.today() + dt.timedelta(days=21)
    closes = closes or opens + dt.timedelta(days=21)
    return actions.ballot_create(
        dispute=local_dispute(world),
        name="Liverpool redundancies ballot",
        opens=opens,
        closes=closes,
        scrutineer=scrutineer,
        actor=world.secretary,
    )
