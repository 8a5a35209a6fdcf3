"""The ballot's state machine, its checklist blocking opening, and freezing the electorate."""

from __future__ import annotations

import datetime as dt

import pytest

from mandate.ballots import actions
from mandate.ballots.models import (
    BallotState,
    ChecklistStep,
    ElectorateEntry,
    ExclusionReason,
    StepStatus,
)
from mandate.ballots.tests.factories import local_ballot
from mandate.core.errors import InvalidState
from mandate.members.actions import member_create

pytestmark = pytest.mark.django_db

OPENS = dt.date(2030, 3, 1)
CLOSES = dt.date(2030, 3, 22)


def tick(ballot, rule_id: str, on: dt.date) -> None:
    step = ChecklistStep.objects.get(ballot=ballot, rule_id=rule_id, employer__isnull=False)
    actions.step_record(
        step=step,
        done_on=on,
        method="Recorded delivery",
        evidence="Signed for",
        actor=None,
        today=on,
    )


def test_checklist_has_cited_deadlines_from_the_rulebook(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES)
    notice = ballot.steps.get(rule_id="B-notice")
    sample = ballot.steps.get(rule_id="B-sample")
    # s226A: the 7th and 3rd days before opening (regime C in 2030).
    assert notice.due == dt.date(2030, 2, 22) and notice.citation.startswith("TULRCA s226A")
    assert sample.due == dt.date(2030, 2, 26)
    assert notice.employer == world.liverpool_employer
    assert ballot.steps.filter(rule_id="T-inform").count() == 2


def test_open_refused_naming_missing_and_late_steps(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES)
    with pytest.raises(actions.ChecklistIncomplete) as caught:
        actions.ballot_open(ballot=ballot, actor=None, today=OPENS)
    problems = caught.value.problems
    assert any(p.startswith("B-notice (University of Liverpool) is overdue") for p in problems)
    assert any(p.startswith("B-sample (University of Liverpool) is overdue") for p in problems)
    # A late step is recorded as late and still blocks opening.
    tick(ballot, "B-notice", dt.date(2030, 2, 24))
    tick(ballot, "B-sample", dt.date(2030, 2, 25))
    assert ballot.steps.get(rule_id="B-notice").status == StepStatus.LATE
    with pytest.raises(actions.ChecklistIncomplete) as caught:
        actions.ballot_open(ballot=ballot, actor=None, today=OPENS)
    assert caught.value.problems == [
        "B-notice (University of Liverpool) is late: done on 24 February 2030, due by "
        "22 February 2030 (TULRCA s226A(1)(a))."
    ]
    ballot.refresh_from_db()
    assert ballot.state == BallotState.DRAFT
    assert not ElectorateEntry.objects.exists()


def test_open_freezes_electorate_with_exclusions_and_leavers(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES, scrutineer="")
    leaver = member_create(
        branch=world.liverpool,
        membership_number="L0099",
        first_name="Lee",
        last_name="Ver",
        employments=[{"employer": world.liverpool_employer, "end_date": dt.date(2030, 1, 31)}],
    )
    actions.exclusion_record(
        ballot=ballot,
        member_id=world.covered.pk,
        reason=ExclusionReason.VOLUNTARY_REDUNDANCY,
        actor=None,
    )
    tick(ballot, "B-notice", dt.date(2030, 2, 20))
    tick(ballot, "B-sample", dt.date(2030, 2, 25))
    # Three entitled, 50 or fewer: no scrutineer needed (s226C).
    entitled = actions.ballot_open(ballot=ballot, actor=world.secretary, today=OPENS)
    assert entitled == 2
    entries = {e.member_id: e for e in ElectorateEntry.objects.filter(constituency__ballot=ballot)}
    assert entries[world.member.pk].entitled and entries[world.uncovered.pk].entitled
    assert entries[world.covered.pk].exclusion_reason == ExclusionReason.VOLUNTARY_REDUNDANCY
    assert entries[leaver.pk].exclusion_reason == ExclusionReason.LEFT
    assert world.ucl_member.pk not in entries
    ballot.refresh_from_db()
    assert ballot.state == BallotState.OPEN and ballot.is_frozen
    assert ballot.constituencies.get().entitled_count == 2
    assert ballot.steps.get(rule_id="B-scrutineer").status == StepStatus.NOT_REQUIRED
    with pytest.raises(InvalidState, match="is open, so it cannot become open"):
        actions.ballot_open(ballot=ballot, actor=None, today=OPENS)
    with pytest.raises(InvalidState, match="frozen"):
        actions.exclusion_record(
            ballot=ballot, member_id=world.member.pk, reason=ExclusionReason.LEFT, actor=None
        )


def test_scrutineer_required_above_fifty(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES, scrutineer="")
    for i in range(51):
        member_create(
            branch=world.liverpool,
            membership_number=f"LX{i:03d}",
            first_name="A",
            last_name=f"M{i}",
            employments=[{"employer": world.liverpool_employer}],
        )
    tick(ballot, "B-notice", dt.date(2030, 2, 20))
    tick(ballot, "B-sample", dt.date(2030, 2, 25))
    with pytest.raises(actions.ChecklistIncomplete) as caught:
        actions.ballot_open(ballot=ballot, actor=None, today=OPENS)
    assert caught.value.problems[0].startswith("B-scrutineer is missing: 54 are entitled")


def test_open_refused_before_opening_day_and_transitions_guarded(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES)
    with pytest.raises(actions.ChecklistIncomplete, match="mark it open on the day"):
        actions.ballot_open(ballot=ballot, actor=None, today=OPENS - dt.timedelta(days=10))
    with pytest.raises(InvalidState, match="is draft, so it cannot become closed"):
        actions.ballot_close(ballot=ballot, actor=None)


def test_step_record_refuses_future_and_requires_a_reason_to_skip(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES)
    step = ballot.steps.get(rule_id="B-notice")
    with pytest.raises(actions.BallotError, match="in the future"):
        actions.step_record(
            step=step, done_on=dt.date(2030, 2, 1), actor=None, today=dt.date(2030, 1, 1)
        )
    with pytest.raises(actions.BallotError, match="not required"):
        actions.step_record(step=step, not_required=True, actor=None)


def test_aggregated_ballot_needs_s228a_basis(world) -> None:
    from mandate.ballots.tests.factories import local_dispute

    with pytest.raises(actions.BallotError, match="s228A"):
        actions.ballot_create(
            dispute=local_dispute(world),
            name="Agg",
            opens=OPENS,
            closes=CLOSES,
            kind="aggregated",
            actor=None,
        )


def test_urgency_colours(world) -> None:
    ballot = local_ballot(world, opens=OPENS, closes=CLOSES)
    step = ballot.steps.get(rule_id="B-notice")  # due 22 Feb 2030
    assert step.urgency(dt.date(2030, 2, 1)) == "none"
    assert step.urgency(dt.date(2030, 2, 20)) == "soon"
    assert step.urgency(dt.date(2030, 2, 23)) == "bad"
    actions.step_record(
        step=step, done_on=dt.date(2030, 2, 21), actor=None, today=dt.date(2030, 2, 21)
    )
    assert step.urgency(dt.date(2030, 2, 23)) == "ok"
