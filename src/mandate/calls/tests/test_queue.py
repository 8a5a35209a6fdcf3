"""The queue: target minus goal, hand-out order, cooldowns, call-backs, caps, leases, skips,
outcomes reaching the GTVO record, and statistics with the reasons a queue ran dry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mandate.calls import actions, queue
from mandate.calls.models import (
    LEASE,
    SKIP_DELAY,
    AssignmentState,
    CallLog,
    CallTarget,
    Outcome,
    PriorityOrder,
    TargetState,
)
from mandate.calls.queries import queue_stats
from mandate.calls.tests import factories as f
from mandate.core.errors import InvalidState
from mandate.turnout import actions as turnout
from mandate.turnout.models import ContactEvent, ContactStatus, Source, Status

pytestmark = pytest.mark.django_db


def record(bank, target, outcome, caller=None, **kw):
    return actions.call_record(
        assignment=bank.assignment,
        target_id=target.pk,
        caller=caller or bank.caller,
        outcome=outcome,
        **kw,
    )


def drain(bank, caller=None, now=None):
    """Every contact the caller is handed until the queue is dry, each answered 'no answer'."""
    seen = []
    while t := queue.next_contact(
        assignment=bank.assignment, caller=caller or bank.caller, now=now
    ):
        seen.append(t.member_id)
        record(bank, t, Outcome.NO_ANSWER, caller=caller, now=now)
    return seen


def test_target_minus_goal_at_materialisation(world) -> None:
    ok = f.phone_member(world.liverpool, "1")
    dnc = f.phone_member(world.liverpool, "2", do_not_contact=True)
    no_calls = f.phone_member(world.liverpool, "3", consent_phone=False)
    no_number = f.phone_member(world.liverpool, "4")
    no_number.mobile = ""
    no_number.save()
    voted = f.phone_member(world.liverpool, "5")
    not_entitled = f.phone_member(world.liverpool, "6")
    landline = f.phone_member(world.liverpool, "7")
    landline.mobile, landline.other_phone = "", "+441515550000"
    landline.save()
    ballot = f.open_ballot(world, [ok, dnc, no_calls, no_number, voted, landline])
    turnout.contact_record(
        ballot=ballot, member=voted, status=Status.SAYS_VOTED, source=Source.SELF_REPORT
    )
    a = f.assignment(ballot, world.liverpool)
    assert set(a.targets.values_list("member_id", flat=True)) == {ok.pk, landline.pk}
    assert not_entitled.pk not in set(a.targets.values_list("member_id", flat=True))


def test_segment_filters_and_constituency_narrow_the_target(world) -> None:
    hls = world.liverpool_employer.workplaces.get(name__startswith="Health")
    a1 = f.phone_member(world.liverpool, "1")
    a2 = f.phone_member(world.liverpool, "2")
    a2.employments.update(workplace=hls)
    u1 = f.phone_member(world.ucl, "3")
    ballot = f.open_ballot(world, [a1, a2, u1], national=True)
    from mandate.members.queries import MemberFilters

    a = f.assignment(ballot, world.liverpool, filters=MemberFilters(workplace=hls.pk))
    assert list(a.targets.values_list("member_id", flat=True)) == [a2.pk]
    ucl_c = ballot.constituencies.get(employer=world.ucl_employer)
    national = f.assignment(ballot, None, constituency=ucl_c)
    assert list(national.targets.values_list("member_id", flat=True)) == [u1.pk]


def test_goal_is_checked_again_at_hand_out(bank) -> None:
    first = bank.members[0]
    CallTarget.objects.filter(assignment=bank.assignment).exclude(member=first).update(
        state=TargetState.DONE
    )
    turnout.contact_record(
        ballot=bank.ballot, member=first, status=Status.SAYS_VOTED, source=Source.SELF_REPORT
    )
    assert queue.next_contact(assignment=bank.assignment, caller=bank.caller) is None
    stats = queue_stats(bank.assignment)
    assert stats.goal_elsewhere == 1 and stats.left_now == 0
    assert any("reached the goal another way" in r for r in stats.reasons)


def test_member_who_opts_out_later_is_not_handed_out(bank) -> None:
    for m in bank.members[1:]:
        m.do_not_contact = True
        m.save()
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    assert t.member_id == bank.members[0].pk
    record(bank, t, Outcome.NO_ANSWER)
    stats = queue_stats(bank.assignment)
    assert stats.unphoneable == 5


def test_order_threshold_first_then_never_called_then_oldest(world) -> None:
    liv = [f.phone_member(world.liverpool, str(i)) for i in range(1, 5)]
    ucl = [f.phone_member(world.ucl, str(i)) for i in range(5, 9)]
    ballot = f.open_ballot(world, liv + ucl, national=True)
    # UCL: 1 of 4 say they voted, short by 2 papers of 50%; Liverpool: none yet, short by 4.
    turnout.contact_record(
        ballot=ballot, member=ucl[0], status=Status.SAYS_VOTED, source=Source.SELF_REPORT
    )
    national = f.user_national = world.national
    a = f.assignment(ballot, None, [national], priority_order=PriorityOrder.THRESHOLD)
    got = []
    for _ in range(3):
        t = queue.next_contact(assignment=a, caller=national)
        got.append(t.member_id)
        actions.call_record(
            assignment=a, target_id=t.pk, caller=national, outcome=Outcome.NO_ANSWER
        )
    assert got == [ucl[1].pk, ucl[2].pk, ucl[3].pk]
    # Past their cooldown, the UCL members come after the never-called Liverpool ones? No: the
    # constituency closest to the threshold still leads; within it the oldest call goes first.
    later = timezone.now() + dt.timedelta(hours=25)
    t = queue.next_contact(assignment=a, caller=national, now=later)
    assert t.member_id == ucl[1].pk


def test_never_called_first_then_longest_since_last_call(bank) -> None:
    a = bank.assignment
    a.priority_order = PriorityOrder.ORDER
    a.save()
    now = timezone.now()
    first = queue.next_contact(assignment=a, caller=bank.caller, now=now)
    record(bank, first, Outcome.NO_ANSWER, now=now)
    second = queue.next_contact(assignment=a, caller=bank.caller, now=now)
    record(bank, second, Outcome.VOICEMAIL, now=now + dt.timedelta(minutes=1))
    after = now + dt.timedelta(hours=5)
    handed = [t for t in drain(bank, now=after)]
    # Four never called, then the two called ones, oldest call first.
    assert handed[-2:] == [first.member_id, second.member_id]
    assert len(handed) == 6


def test_cooldown_keeps_a_member_back_until_it_passes(bank) -> None:
    now = timezone.now()
    assert len(drain(bank, now=now)) == 6
    assert queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=now) is None
    stats = queue_stats(bank.assignment, now=now)
    assert stats.cooling == 6 and stats.left_now == 0 and stats.called == 6
    assert any("resting between calls" in r for r in stats.reasons)
    assert any("next one becomes available" in r for r in stats.reasons)
    soon = now + dt.timedelta(hours=3, minutes=59)
    assert queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=soon) is None
    late = now + dt.timedelta(hours=4, minutes=1)
    assert queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=late)


def test_call_back_waits_for_its_time_then_comes_first(bank) -> None:
    now = timezone.now()
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=now)
    at = now + dt.timedelta(hours=1)
    record(bank, t, Outcome.CALL_BACK, call_back_at=at, now=now)
    others = drain(bank, caller=bank.caller2, now=now + dt.timedelta(minutes=1))
    assert t.member_id not in others and len(others) == 5
    stats = queue_stats(bank.assignment, now=now + dt.timedelta(minutes=2))
    assert stats.call_backs == 1 and any("call-backs are booked" in r for r in stats.reasons)
    # Due while others are past their cooldown too: the promised call comes first.
    due = now + dt.timedelta(hours=5)
    assert queue.next_contact(assignment=bank.assignment, caller=bank.caller2, now=due).pk == t.pk


def test_call_back_needs_a_future_time_before_the_end(bank) -> None:
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    with pytest.raises(actions.CallError, match="say when to call back"):
        record(bank, t, Outcome.CALL_BACK)
    with pytest.raises(actions.CallError, match="must be in the future"):
        record(bank, t, Outcome.CALL_BACK, call_back_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(actions.CallError, match="after this phone bank ends"):
        record(bank, t, Outcome.CALL_BACK, call_back_at=timezone.now() + dt.timedelta(days=30))
    assert not CallLog.objects.exists()


def test_a_caller_holding_one_gets_the_same_one_back(bank) -> None:
    a = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    again = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    other = queue.next_contact(assignment=bank.assignment, caller=bank.caller2)
    assert a.pk == again.pk and other.pk != a.pk
    assert CallTarget.objects.filter(state=TargetState.HELD).count() == 2
    assert queue.claim_for(assignment=bank.assignment, caller=bank.caller) is None


def test_cap_above_one_lets_a_caller_hold_several(bank) -> None:
    bank.assignment.max_held = 2
    bank.assignment.save()
    first = queue.claim_for(assignment=bank.assignment, caller=bank.caller)
    second = queue.claim_for(assignment=bank.assignment, caller=bank.caller)
    assert first and second and first.pk != second.pk
    assert queue.claim_for(assignment=bank.assignment, caller=bank.caller) is None


def test_lease_expires_and_the_late_report_is_refused_once_retaken(bank) -> None:
    bank.assignment.priority_order = PriorityOrder.ORDER
    bank.assignment.save()
    now = timezone.now()
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=now)
    later = now + LEASE + dt.timedelta(seconds=1)
    retaken = queue.next_contact(assignment=bank.assignment, caller=bank.caller2, now=later)
    assert retaken.pk == t.pk
    with pytest.raises(actions.NotYours):
        record(bank, t, Outcome.SAYS_VOTED, now=later)
    record(bank, retaken, Outcome.WILL_VOTE, caller=bank.caller2, now=later)
    assert CallLog.objects.get().caller == bank.caller2


def test_late_report_accepted_when_nobody_took_the_contact(bank) -> None:
    now = timezone.now()
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=now)
    later = now + LEASE + dt.timedelta(minutes=5)
    queue.release_expired(bank.assignment, later)
    record(bank, t, Outcome.WILL_VOTE, now=later)
    with pytest.raises(actions.NotYours):
        record(bank, t, Outcome.WILL_VOTE, now=later)  # the form sent twice


def test_outcomes_reach_the_gtvo_record_through_contact_record(bank) -> None:
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    record(bank, t, Outcome.SAYS_VOTED, note="Posted Monday")
    status = ContactStatus.objects.get(ballot=bank.ballot, member_id=t.member_id)
    assert status.status == Status.SAYS_VOTED and status.source == Source.CALLER
    event = ContactEvent.objects.get(ballot=bank.ballot, member_id=t.member_id)
    assert event.actor == bank.caller and event.note == "Posted Monday"
    t.refresh_from_db()
    assert t.state == TargetState.DONE and t.reached and t.attempts == 1
    # No answer says nothing about the paper: logged as a call only.
    t2 = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    record(bank, t2, Outcome.NO_ANSWER)
    assert not ContactStatus.objects.filter(member_id=t2.member_id).exists()
    t2.refresh_from_db()
    assert t2.state == TargetState.AVAILABLE and not t2.reached and t2.not_before


def test_a_member_answer_never_outranked_by_a_caller(bank) -> None:
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    turnout.contact_record(
        ballot=bank.ballot, member=t.member, status=Status.NOT_ARRIVED, source=Source.SELF_REPORT
    )
    record(bank, t, Outcome.SAYS_VOTED)
    status = ContactStatus.objects.get(ballot=bank.ballot, member_id=t.member_id)
    assert status.status == Status.NOT_ARRIVED  # the member's own word stands


def test_skip_gives_the_contact_back_for_a_while(bank) -> None:
    now = timezone.now()
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=now)
    actions.call_skip(assignment=bank.assignment, target_id=t.pk, caller=bank.caller, now=now)
    handed = drain(bank, caller=bank.caller2, now=now)
    assert t.member_id not in handed
    back = queue.next_contact(assignment=bank.assignment, caller=bank.caller2, now=now + SKIP_DELAY)
    assert back.pk == t.pk
    assert not CallLog.objects.filter(target=t).exists()


def test_bad_outcome_and_long_note_refused(bank) -> None:
    t = queue.next_contact(assignment=bank.assignment, caller=bank.caller)
    with pytest.raises(actions.CallError, match="not a call outcome"):
        record(bank, t, "maybe")
    with pytest.raises(actions.CallError, match="under 300"):
        record(bank, t, Outcome.NO_ANSWER, note="x" * 301)


def test_stats_count_called_reached_voted_and_left(bank) -> None:
    now = timezone.now()
    outcomes = [Outcome.SAYS_VOTED, Outcome.NO_ANSWER, Outcome.WILL_VOTE, Outcome.WRONG_NUMBER]
    for outcome in outcomes:
        t = queue.next_contact(assignment=bank.assignment, caller=bank.caller, now=now)
        record(bank, t, outcome, now=now)
    held = queue.next_contact(assignment=bank.assignment, caller=bank.caller2, now=now)
    s = queue_stats(bank.assignment, now=now)
    assert (s.targets, s.called, s.reached, s.says_voted, s.done) == (6, 4, 2, 1, 2)
    assert (s.left_now, s.cooling, s.held) == (1, 2, 1)
    assert s.reasons == []
    assert dict(s.callers) == {"caller1": 4}
    assert held is not None


def test_ran_dry_reasons_all_called_and_held_by_others(bank) -> None:
    for t in CallTarget.objects.filter(assignment=bank.assignment)[:5]:
        CallTarget.objects.filter(pk=t.pk).update(state=TargetState.DONE)
    queue.next_contact(assignment=bank.assignment, caller=bank.caller2)
    s = queue_stats(bank.assignment)
    assert s.left_now == 0 and s.reasons == ["1 are with other callers right now."]
    CallTarget.objects.filter(assignment=bank.assignment).update(state=TargetState.DONE)
    s = queue_stats(bank.assignment)
    assert s.reasons[0].startswith("Everyone has been called")


def test_paused_and_ended_assignments_hand_out_nothing(bank) -> None:
    actions.assignment_set_state(
        assignment=bank.assignment, state=AssignmentState.PAUSED, actor=None
    )
    bank.assignment.refresh_from_db()
    assert queue.next_contact(assignment=bank.assignment, caller=bank.caller) is None
    assert queue_stats(bank.assignment).reasons == ["The call assignment is paused."]
    actions.assignment_set_state(
        assignment=bank.assignment, state=AssignmentState.ENDED, actor=None
    )
    bank.assignment.refresh_from_db()
    assert queue_stats(bank.assignment).reasons == ["The call assignment has ended."]
    with pytest.raises(InvalidState, match="ended, so it cannot become active"):
        actions.assignment_set_state(
            assignment=bank.assignment, state=AssignmentState.ACTIVE, actor=None
        )


def test_refresh_adds_new_members_of_the_electorate(bank) -> None:
    from mandate.ballots.models import ElectorateEntry

    late = f.phone_member(bank.world.liverpool, "50")
    ElectorateEntry.objects.create(
        constituency=bank.ballot.constituencies.get(), member=late, entitled=True
    )
    done = actions.assignment_refresh(assignment=bank.assignment, actor=None)
    assert (done.added, done.total) == (1, 7)
    assert actions.assignment_refresh(assignment=bank.assignment, actor=None).added == 0


def test_create_refuses_bad_settings(bank) -> None:
    cases = [
        ({"name": " "}, "give the call assignment a name"),
        ({"cooldown_hours": 9999}, "cooldown_hours"),
        ({"max_held": 0}, "max_held"),
        ({"ends_at": timezone.now() - dt.timedelta(hours=1)}, "end must be in the future"),
        ({"goal_statuses": ["nonsense"]}, "not a GTVO answer"),
    ]
    for kw, message in cases:
        with pytest.raises(actions.CallError, match=message):
            f.assignment(bank.ballot, bank.world.liverpool, **kw)


def test_not_a_caller_cannot_be_handed_contacts(bank) -> None:
    with pytest.raises(queue.NotACaller):
        queue.next_contact(assignment=bank.assignment, caller=bank.world.rep)


def test_conditional_claim_loses_a_race_and_moves_on(bank) -> None:
    """The SQLite path: a candidate taken between the read and the update is detected by the
    row count and the next candidate is claimed instead."""
    now = timezone.now()
    order = list(queue.candidates(bank.assignment, now).values_list("pk", flat=True))
    assert queue._take(order[0], bank.caller2, now)
    assert not queue._take(order[0], bank.caller, now)  # second writer sees 0 rows
    # Interleave: the caller read the queue before caller2's claim committed.
    got = queue.claim_first_free(order, bank.caller, now)
    assert got.pk == order[1]
    holders = dict(CallTarget.objects.filter(state=TargetState.HELD).values_list("pk", "held_by"))
    assert holders == {order[0]: bank.caller2.pk, order[1]: bank.caller.pk}
    assert queue.claim_first_free(order[:2], bank.caller, now) is None
