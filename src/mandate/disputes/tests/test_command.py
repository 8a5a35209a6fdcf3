from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mandate.conftest import World
from mandate.core.models import AuditEvent
from mandate.disputes.models import Dispute


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("dispute", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_only_the_slug(world: World) -> None:
    out, err = run("create", "--name", "Four Fights 2026: pay, equality")
    assert out == "four-fights-2026-pay-equality\n"
    assert err == ""
    dispute = Dispute.objects.get(slug=out.strip())
    assert dispute.is_national and dispute.parties.count() == 2
    assert AuditEvent.objects.filter(action="dispute.create", actor=None).count() == 1


def test_create_local_with_employer_and_demands(world: World) -> None:
    out, _ = run(
        "create",
        "--name",
        "HLS redundancies",
        "--branch",
        world.liverpool.slug,
        "--employer",
        world.liverpool_employer.slug,
        "--demand",
        "No compulsory redundancies",
        "--demand",
        "Reinstate the two",
    )
    dispute = Dispute.objects.get(slug=out.strip())
    assert dispute.branch == world.liverpool
    assert list(dispute.parties.all()) == [world.liverpool_employer]
    assert [d.title for d in dispute.demands.all()] == [
        "No compulsory redundancies",
        "Reinstate the two",
    ]


def test_national_with_chosen_employers(world: World) -> None:
    out, _ = run("create", "--name", "Pensions", "--employer", world.ucl_employer.slug)
    assert list(Dispute.objects.get(slug=out.strip()).parties.all()) == [world.ucl_employer]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--branch", "atlantis"], "No branch has the slug 'atlantis'."),
        (["--name", "x", "--employer", "nowhere", "--employer", "elsewhere"], "No employer has the slug 'nowhere', 'elsewhere'."),
        (["--name", "   "], "Give the dispute's name."),
        (["--name", "x", "--branch", "ucl", "--employer", "university-of-liverpool"], "can only be with that branch's employers"),
    ],
)  # fmt: skip
def test_bad_input_is_a_command_error_and_writes_nothing(
    world: World, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run("create", *args)
    assert not Dispute.objects.exists()


def test_name_is_required(world: World) -> None:
    with pytest.raises(CommandError, match="--name"):
        run("create")


def test_list(world: World) -> None:
    slug = run("create", "--name", "HLS", "--branch", world.liverpool.slug)[0].strip()
    run("create", "--name", "Pay")
    out, _ = run("list")
    assert out.splitlines() == [
        f"{slug}\topen\t{world.liverpool.slug}\tHLS",
        "pay\topen\tnational\tPay",
    ]
