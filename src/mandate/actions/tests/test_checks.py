"""Lawful and unlawful calls, each with the rule and citation that decides it.

The ballots are run through the real ballot actions; numbers of days come from the rulebook:
a notice received on 17 Feb 2026 needs 14 days (regime B), one received on 18 Feb 10 (regime C).
"""

from __future__ import annotations

import datetime as dt

import pytest

from mandate.actions import actions
from mandate.actions.checks import CheckResult, action_checks, failing
from mandate.actions.models import Action, ActionStatus
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.ballots.models import Ballot
from mandate.conftest import World
from mandate.core.errors import InvalidState
from mandate.disputes import actions as dispute_actions
from mandate.members.actions import member_create

# A regime B ballot (opened before 18 Feb 2026: 6-month mandate) and a regime C one.
OPENS_B = dt.date(2026, 1, 5)
OPENS_C = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 11, 22)


def serve(world: World, action: Action, received_on: dt.date) -> None:
    notice = actions.notice_prepare(
        action=action, employer=world.liverpool_employer, actor=world.secretary
    )
    actions.notice_mark_served(
        notice=notice,
        received_on=received_on,
        method="hand",
        proof_note="Signed receipt from the registrar's office",
        actor=world.secretary,
    )


def failed(results: list[CheckResult], rule_id: str) -> list[CheckResult]:
    return [r for r in failing(results) if r.rule_id == rule_id]


def only_failure(action: Action, rule_id: str, today: dt.date = TODAY) -> CheckResult:
    results = action_checks(action, today=today)
    bad = failing(results)
    assert [r.rule_id for r in bad] == [rule_id], [r.message for r in bad]
    return bad[0]


@pytest.fixture
def ballot_b(world: World) -> Ballot:
    return granted_ballot(world, opens=OPENS_B)


@pytest.fixture
def ballot_c(world: World) -> Ballot:
    return granted_ballot(world, opens=OPENS_C)


def test_lawful_call_regime_c_passes_every_check_and_is_called(
    world: World, ballot_c: Ballot
) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4), dt.date(2026, 5, 5)])
    serve(world, action, dt.date(2026, 4, 24))  # 10 days before 4 May
    action.refresh_from_db()
    assert action.status == ActionStatus.NOTICE_SERVED
    assert failing(action_checks(action, today=TODAY)) == []
    called = actions.action_call(action=action, actor=world.secretary, today=TODAY)
    assert called.status == ActionStatus.CALLED


def test_late_notice_regime_c_10_days_s234a(world: World, ballot_c: Ballot) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 25))  # 9 days: one day late
    bad = only_failure(action, "A-notice")
    assert "regime C: 10 days" in bad.message and "1 day late" in bad.message
    assert "s234A" in bad.citation
    with pytest.raises(actions.ActionBlocked, match="A-notice"):
        actions.action_call(action=action, actor=world.secretary, today=TODAY)
    action.refresh_from_db()
    assert action.status == ActionStatus.NOTICE_SERVED


def test_notice_received_17_feb_2026_needs_14_days_regime_b_s234a(
    world: World, ballot_b: Ballot
) -> None:
    # 2 March is 13 days after 17 February: late under regime B (14 days).
    action = strike(world, ballot_b, [dt.date(2026, 3, 2)])
    serve(world, action, dt.date(2026, 2, 17))
    bad = only_failure(action, "A-notice")
    assert "regime B: 14 days" in bad.message
    assert "Trade Union Act 2016" in bad.citation or "s234A" in bad.citation


def test_notice_received_18_feb_2026_needs_10_days_regime_c_s234a(
    world: World, ballot_b: Ballot
) -> None:
    # The same first day, the notice received a day later: regime C by receipt, in time.
    action = strike(world, ballot_b, [dt.date(2026, 3, 2)])
    serve(world, action, dt.date(2026, 2, 18))
    assert failing(action_checks(action, today=TODAY)) == []
    notice = action.notices.get()
    assert notice.regime == "C"


def test_regime_b_14_days_in_time_s234a(world: World, ballot_b: Ballot) -> None:
    action = strike(world, ballot_b, [dt.date(2026, 2, 16)])
    serve(world, action, dt.date(2026, 2, 2))
    assert failing(action_checks(action, today=TODAY)) == []


def test_date_after_mandate_last_day_s234(world: World, ballot_b: Ballot) -> None:
    mandate = ballot_b.constituencies.get().mandates.get(question="strike")
    assert mandate.last_day is not None
    after = mandate.last_day + dt.timedelta(days=1)
    action = strike(world, ballot_b, [mandate.last_day, after])
    serve(world, action, mandate.last_day - dt.timedelta(days=20))
    bad = only_failure(action, "A-mandate")
    assert f"{after:%d %b %Y}" in bad.message
    assert "s234" in bad.citation


def test_unballoted_joiner_s232a(world: World, ballot_c: Ballot) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 20))
    member_create(
        branch=world.liverpool,
        membership_number="L0099",
        first_name="Nia",
        last_name="New",
        employments=[{"employer": world.liverpool_employer, "job_category": "Lecturer"}],
    )
    bad = only_failure(action, "B-called")
    assert "1 member joined after the ballot and must not be called" in bad.message
    assert "Nia" not in bad.message and "s232A" in bad.citation
    actions.action_set_flags(action=action, actor=world.secretary, exclude_unballoted=True)
    action.refresh_from_db()
    assert failing(action_checks(action, today=TODAY)) == []


def test_notice_missing_an_added_date_s234a(world: World, ballot_c: Ballot) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 20))
    actions.action_add_days(action=action, dates=[dt.date(2026, 5, 6)], actor=world.secretary)
    bad = only_failure(action, "A-content")
    assert "06 May 2026" in bad.message and "new notice" in bad.message
    # A second notice covering the new date (received in time for it) cures it.
    serve(world, action, dt.date(2026, 4, 24))
    assert failing(action_checks(action, today=TODAY)) == []


def test_no_s231a_result_letter_metrobus(world: World) -> None:
    ballot = granted_ballot(world, opens=OPENS_C, result_notice=False)
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    results = action_checks(action, today=TODAY)
    inform = failed(results, "T-inform")
    assert inform and "Metrobus" in inform[0].citation and "s231A" in inform[0].citation
    assert failed(results, "A-notice")  # and no notice could be served
    notice = actions.notice_prepare(
        action=action, employer=world.liverpool_employer, actor=world.secretary
    )
    with pytest.raises(InvalidState, match="s231A result letter"):
        actions.notice_mark_served(
            notice=notice,
            received_on=dt.date(2026, 4, 20),
            method="hand",
            proof_note="x",
            actor=None,
        )


def test_call_before_the_ballot_closed_s233(world: World, ballot_c: Ballot) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 20))
    bad = only_failure(action, "A-early", today=ballot_c.closes)
    assert "s233" in bad.citation
    assert failing(action_checks(action, today=ballot_c.closes + dt.timedelta(days=1))) == []


def test_unmet_precondition_royal_mail_2017(world: World, ballot_c: Ballot) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 20))
    dispute_actions.precondition_add(
        dispute=ballot_c.dispute, description="Exhaust the collective disputes procedure"
    )
    bad = only_failure(action, "D-precondition")
    assert "Exhaust the collective disputes procedure" in bad.message
    assert "Royal Mail" in bad.citation


def test_resumption_after_suspension_needs_new_notice_s234a_7(
    world: World, ballot_c: Ballot
) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4), dt.date(2026, 11, 30)])
    serve(world, action, dt.date(2026, 4, 20))
    actions.action_call(action=action, actor=world.secretary, today=TODAY)
    actions.action_transition(action=action, status=ActionStatus.SUSPENDED, actor=None)
    action.refresh_from_db()
    bad = only_failure(action, "A-notice")
    assert "suspended" in bad.message and "s234A(7)" in bad.citation
    with pytest.raises(actions.ActionBlocked):
        actions.action_call(action=action, actor=world.secretary, today=TODAY)
    actions.action_set_flags(action=action, actor=None, employer_agreed_resumption=True)
    called = actions.action_call(action=action, actor=world.secretary, today=TODAY)
    assert called.status == ActionStatus.CALLED and called.suspended_at is None


def test_no_mandate_on_a_question_not_passed_s229(world: World, ballot_c: Ballot) -> None:
    constituency = ballot_c.constituencies.get()
    mandate = constituency.mandates.get(question="asos")
    mandate.granted = False
    mandate.reasons = ["Turnout below 50%."]
    mandate.save()
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)], kind="asos")
    serve(world, action, dt.date(2026, 4, 20))
    bad = only_failure(action, "A-mandate")
    assert "No mandate for action short of strike" in bad.message


def test_served_notice_is_fixed(world: World, ballot_c: Ballot) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 20))
    notice = action.notices.get()
    with pytest.raises(InvalidState, match="cannot be changed"):
        actions.notice_mark_served(
            notice=notice,
            received_on=dt.date(2026, 4, 21),
            method="hand",
            proof_note="again",
            actor=None,
        )


def _agree(world: World, action: Action, days: int | None) -> None:
    notice = action.notices.get(employer=world.liverpool_employer)
    actions.notice_agreement_record(
        notice=notice,
        actor=world.secretary,
        days=days,
        agreed_by="Director of HR",
        agreed_on=dt.date(2026, 1, 20),
        reference="Email of 20 January 2026",
        today=TODAY,
    )


def test_agreed_7_days_makes_a_regime_b_notice_in_time_s234a_4_b(
    world: World, ballot_b: Ballot
) -> None:
    # 13 days' notice under regime B: late at 14 days, in time with 7 agreed.
    action = strike(world, ballot_b, [dt.date(2026, 3, 2)])
    serve(world, action, dt.date(2026, 2, 17))
    assert failed(action_checks(action, today=TODAY), "A-notice")
    _agree(world, action, 7)
    results = action_checks(action, today=TODAY)
    assert failing(results) == []
    (ok,) = [r for r in results if r.rule_id == "A-notice"]
    assert "regime B: 7 days by agreement" in ok.message
    assert "agreed with the employer on 20 January 2026 (Director of HR; Email of 20" in ok.message
    assert "s234A" in ok.message


def test_agreement_below_the_legal_floor_is_raised_to_7_days_s234a_4_b(
    world: World, ballot_b: Ballot
) -> None:
    # 6 days' notice: even with 3 days agreed, the law allows no fewer than 7.
    action = strike(world, ballot_b, [dt.date(2026, 2, 16)])
    serve(world, action, dt.date(2026, 2, 10))
    _agree(world, action, 3)
    bad = only_failure(action, "A-notice")
    assert "no fewer than 7 days by agreement" in bad.message and "1 day late" in bad.message


def test_agreed_10_days_under_regime_b_holds_the_union_to_10(
    world: World, ballot_b: Ballot
) -> None:
    action = strike(world, ballot_b, [dt.date(2026, 2, 16)])
    serve(world, action, dt.date(2026, 2, 7))  # 9 days
    _agree(world, action, 10)
    bad = only_failure(action, "A-notice")
    assert "regime B: 10 days by agreement" in bad.message


def test_no_shorter_notice_by_agreement_under_regime_c_era_2025(
    world: World, ballot_c: Ballot
) -> None:
    action = strike(world, ballot_c, [dt.date(2026, 5, 4)])
    serve(world, action, dt.date(2026, 4, 27))  # 7 days
    _agree(world, action, 7)
    bad = only_failure(action, "A-notice")
    assert "regime C: 10 days" in bad.message
    assert "allows no shorter period by agreement" in bad.message
    assert "the statutory 10 days apply" in bad.message


def test_draft_agreement_moves_the_deadline_and_withdrawal_restores_it(
    world: World, ballot_b: Ballot
) -> None:
    action = strike(world, ballot_b, [dt.date(2026, 2, 16)])
    actions.notice_prepare(action=action, employer=world.liverpool_employer, actor=None)
    before = failed(action_checks(action, today=dt.date(2026, 1, 25)), "A-notice")[0]
    assert "received by 02 February 2026" in before.message
    _agree(world, action, 7)
    after = failed(action_checks(action, today=dt.date(2026, 1, 25)), "A-notice")[0]
    assert "received by 09 February 2026" in after.message
    assert "notice period agreed with the employer" in after.message
    _agree(world, action, None)
    notice = action.notices.get()
    assert notice.agreed_notice_days is None and notice.agreed_by == ""


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"days": 0}, "1 to 90"),
        ({"agreed_by": " "}, "who agreed"),
        ({"agreed_on": None}, "the day the employer agreed"),
        ({"agreed_on": dt.date(2026, 12, 1)}, "in the future"),
        ({"reference": ""}, "where the agreement is recorded"),
    ],
)
def test_agreement_needs_who_when_and_evidence(
    world: World, ballot_b: Ballot, fields: dict[str, object], error: str
) -> None:
    from mandate.actions.actions import ActionError

    action = strike(world, ballot_b, [dt.date(2026, 2, 16)])
    notice = actions.notice_prepare(action=action, employer=world.liverpool_employer, actor=None)
    kwargs: dict[str, object] = {
        "days": 7,
        "agreed_by": "Director of HR",
        "agreed_on": dt.date(2026, 1, 20),
        "reference": "Email",
        **fields,
    }
    with pytest.raises(ActionError, match=error):
        actions.notice_agreement_record(
            notice=notice,
            actor=None,
            today=TODAY,
            **kwargs,  # type: ignore[arg-type]
        )
    notice.refresh_from_db()
    assert notice.agreed_notice_days is None
