"""The per-day loss the funds pay against: expected by policy, deducted by payslip, flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mandate.conftest import World
from mandate.members.models import Member
from mandate.pay import actions
from mandate.pay.actions import PayError
from mandate.pay.loss import DayLoss, losses_for, losses_for_many
from mandate.pay.models import DayTaken
from mandate.pay.queries import branch_pay
from mandate.pay.tests.factories import STRIKE_DAYS, TODAY, called_action, policy

D = Decimal
pytestmark = pytest.mark.django_db


def _record(world: World, member: Member, action: object, days: list[dt.date]) -> list[DayTaken]:
    return actions.days_record(
        member=member,
        picks=[(action, d) for d in days],  # type: ignore[misc]
        actor=world.member_user,
        today=TODAY,
    )


def test_hartley_expected_strike_days_without_a_policy(world: World) -> None:
    action = called_action(world)
    _record(world, world.member, action, STRIKE_DAYS)
    losses = losses_for(world.member, action.dispute)
    assert [d.day for d in losses] == STRIKE_DAYS
    # 42,000 / 365 = 115.068... -> 115.07 a day.
    assert {d.expected for d in losses} == {D("115.07")}
    assert all(d.kind == "strike" and d.percent_withheld == 100 for d in losses)
    assert all(d.deducted is None and d.loss == D("115.07") and not d.evidence for d in losses)
    assert losses[0].action_id == action.pk


def test_1_260_policy_and_a_later_version_does_not_rewrite_the_past(world: World) -> None:
    old = policy(world, divisor=260)
    assert old.is_working_days and old.is_contractual
    # The employer goes back to 1/365 from 3 March: 2 March keeps 1/260.
    new = policy(world, effective_from=dt.date(2026, 3, 3))
    assert not new.is_working_days
    action = called_action(world)
    _record(world, world.member, action, STRIKE_DAYS)
    losses = losses_for(world.member, action.dispute)
    assert [d.expected for d in losses] == [D("161.54"), D("115.07"), D("115.07")]
    assert [d.working_days_divisor for d in losses] == [True, False, False]


def test_asos_docked_at_100_percent_is_flagged_as_a_lockout(world: World) -> None:
    days = [dt.date(2026, 3, 10)]
    policy(world, asos_percent="100", asos_from=dt.date(2026, 3, 1))
    action = called_action(world, days, kind="asos")
    _record(world, world.member, action, days)
    (day,) = losses_for(world.member, action.dispute)
    assert day.lockout and day.expected == D("115.07")


def test_payslip_deductions_and_over_deduction(world: World) -> None:
    policy(world)
    action = called_action(world)
    taken = _record(world, world.member, action, STRIKE_DAYS)
    # The employer took 1/260 for two days: 2 x 161.54 = 323.08.
    actions.payslip_record(
        member=world.member,
        pay_date=dt.date(2026, 3, 27),
        amount=D("323.08"),
        days=taken[:2],
        evidence=None,
        actor=world.member_user,
    )
    losses = losses_for(world.member, action.dispute)
    assert [d.deducted for d in losses] == [D("161.54"), D("161.54"), None]
    assert [d.over for d in losses] == [D("46.47"), D("46.47"), D("0.00")]
    assert [d.over_deducted for d in losses] == [True, True, False]
    assert [d.loss for d in losses] == [D("161.54"), D("161.54"), D("115.07")]
    summary = branch_pay(world.liverpool, action.dispute)
    assert summary.over_total == D("92.94")
    assert [r.member for r in summary.over_rows] == [world.member]


def test_a_correct_deduction_is_not_flagged(world: World) -> None:
    action = called_action(world)
    taken = _record(world, world.member, action, STRIKE_DAYS)
    actions.payslip_record(
        member=world.member,
        pay_date=dt.date(2026, 3, 27),
        amount=D("345.21"),
        days=taken,
        evidence=None,
        actor=world.member_user,
    )
    losses = losses_for(world.member, action.dispute)
    assert [d.deducted for d in losses] == [D("115.07")] * 3
    assert not any(d.over_deducted for d in losses)
    assert branch_pay(world.liverpool, action.dispute).over_rows == []


def test_asos_from_the_notice_spread_over_payrolls(world: World) -> None:
    days = [dt.date(2026, 3, 9), dt.date(2026, 3, 10), dt.date(2026, 3, 11)]
    # Wiluszynski: 20% withheld from the notice of 10 March, spread over three payrolls.
    policy(world, asos_percent="20", asos_from=dt.date(2026, 3, 10), payrolls=3)
    action = called_action(world, days, kind="asos")
    taken = _record(world, world.member, action, days)
    losses = losses_for(world.member, action.dispute)
    assert [d.percent_withheld for d in losses] == [D("0"), D("20"), D("20")]
    assert [d.expected for d in losses] == [D("0.00"), D("23.01"), D("23.01")]
    assert {d.payrolls for d in losses} == {3}
    assert losses[1].instalments == [D("7.67"), D("7.67"), D("7.67")]
    assert not any(d.lockout for d in losses)
    # Three instalments of 46.02 / 3: 15.34 each; none of them is an over-deduction.
    for month in (3, 4, 5):
        actions.payslip_record(
            member=world.member,
            pay_date=dt.date(2026, month, 27),
            amount=D("15.34"),
            days=taken[1:],
            evidence=None,
            actor=world.member_user,
        )
    losses = losses_for(world.member, action.dispute)
    assert [d.deducted for d in losses] == [None, D("23.01"), D("23.01")]
    assert not any(d.over_deducted for d in losses)
    assert [d.payslips for d in losses] == [0, 3, 3]


def test_asos_deduction_before_the_notice_is_flagged(world: World) -> None:
    days = [dt.date(2026, 3, 9)]
    policy(world, asos_percent="20", asos_from=dt.date(2026, 3, 10))
    action = called_action(world, days, kind="asos")
    taken = _record(world, world.member, action, days)
    actions.payslip_record(
        member=world.member,
        pay_date=dt.date(2026, 3, 27),
        amount=D("115.07"),
        days=taken,
        evidence=None,
        actor=world.member_user,
    )
    (day,) = losses_for(world.member, action.dispute)
    assert day.expected == D("0.00") and day.over == D("115.07")


def test_a_day_not_called_is_refused(world: World) -> None:
    action = called_action(world)
    with pytest.raises(PayError, match="was not called for"):
        _record(world, world.member, action, [dt.date(2026, 3, 5)])
    with pytest.raises(PayError, match="has not happened yet"):
        actions.days_record(
            member=world.member,
            picks=[(action, STRIKE_DAYS[0])],
            actor=None,
            today=STRIKE_DAYS[0] - dt.timedelta(days=1),
        )
    # A UCL member is not called by a Liverpool action.
    with pytest.raises(PayError, match="You were not called"):
        _record(world, world.ucl_member, action, STRIKE_DAYS[:1])
    # Nothing partial: one bad day refuses the whole set.
    with pytest.raises(PayError):
        _record(world, world.member, action, [STRIKE_DAYS[0], dt.date(2026, 3, 5)])
    assert not DayTaken.objects.exists()
    _record(world, world.member, action, STRIKE_DAYS[:1])
    with pytest.raises(PayError, match="already recorded"):
        _record(world, world.member, action, STRIKE_DAYS[:1])


def test_losses_for_many_uses_a_fixed_number_of_queries(world: World) -> None:
    action = called_action(world)
    for m in (world.member, world.covered, world.uncovered):
        taken = _record(world, m, action, STRIKE_DAYS)
        actions.payslip_record(
            member=m,
            pay_date=dt.date(2026, 3, 27),
            amount=D("400"),
            days=taken,
            evidence=None,
            actor=None,
        )
    members = Member.objects.filter(branch=world.liverpool)
    with CaptureQueriesContext(connection) as ctx:
        result = losses_for_many(members, action.dispute)
    assert len(ctx.captured_queries) <= 6
    assert set(result) == {world.member.pk, world.covered.pk, world.uncovered.pk}
    # 31,000 / 365 = 84.93; 55,000 / 365 = 150.68.
    assert result[world.covered.pk][0].expected == D("84.93")
    assert result[world.uncovered.pk][0].expected == D("150.68")
    assert sum((d.deducted or 0 for d in result[world.member.pk]), D(0)) == D("400.00")
    assert (
        losses_for_many([world.member], action.dispute)[world.member.pk]
        == (result[world.member.pk])
    )


def test_dayloss_loss_property() -> None:
    base = {
        "day": dt.date(2026, 3, 2),
        "action_id": 1,
        "kind": "strike",
        "percent_withheld": D("100"),
        "expected": D("115.07"),
        "evidence": False,
    }
    assert DayLoss(**base, deducted=None).loss == D("115.07")  # type: ignore[arg-type]
    assert DayLoss(**base, deducted=D("90")).loss == D("90")  # type: ignore[arg-type]


def test_days_of_an_action_not_yet_called_or_suspended_are_refused(world: World) -> None:
    from django.utils import timezone

    from mandate.actions.models import Action, ActionStatus

    action = called_action(world)
    Action.objects.filter(pk=action.pk).update(called_at=None, status=ActionStatus.NOTICE_SERVED)
    action.refresh_from_db()
    with pytest.raises(PayError, match="was not called for"):
        _record(world, world.member, action, STRIKE_DAYS[:1])
    suspended = timezone.make_aware(dt.datetime.combine(STRIKE_DAYS[1], dt.time(7)))
    Action.objects.filter(pk=action.pk).update(
        called_at=suspended - dt.timedelta(days=10),
        status=ActionStatus.SUSPENDED,
        suspended_at=suspended,
    )
    action.refresh_from_db()
    with pytest.raises(PayError, match="was suspended from Tue 3 March 2026"):
        _record(world, world.member, action, STRIKE_DAYS[1:2])
    assert len(_record(world, world.member, action, STRIKE_DAYS[:1])) == 1


def test_salary_is_found_when_the_dispute_lists_no_parties(world: World) -> None:
    action = called_action(world)
    _record(world, world.member, action, STRIKE_DAYS[:1])
    action.dispute.parties.clear()
    (day,) = losses_for(world.member, action.dispute)
    assert day.salary_known and day.expected == D("115.07")


def test_unknown_salary_is_said_and_expects_nothing(world: World) -> None:
    action = called_action(world)
    _record(world, world.member, action, STRIKE_DAYS[:1])
    world.member.employments.update(annual_salary=None)
    (day,) = losses_for(world.member, action.dispute)
    assert not day.salary_known and day.expected == D("0.00") and day.loss == D("0.00")
