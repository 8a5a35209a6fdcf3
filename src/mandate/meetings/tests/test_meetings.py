"""Meetings: check-in, votes, amendments before motions, card votes, pages and permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mandate.conftest import PASSWORD, World
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import AuditEvent
from mandate.meetings import actions, links
from mandate.meetings.models import (
    Attendance,
    CardVote,
    CheckInMethod,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingVote,
    NamedVote,
    OrganisingChannel,
    QuestionState,
    VoteMethod,
)
from mandate.meetings.rules import MajorityRule, WeightFormula
from mandate.members.models import Member


def _client(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def _members(world: World, n: int, branch: Any = None, prefix: str = "X") -> list[Member]:
    branch = branch or world.liverpool
    Member.objects.bulk_create(
        Member(
            branch=branch,
            membership_number=f"{prefix}{i:05d}",
            first_name=f"Person{i}",
            last_name=f"Surname{i:05d}",
        )
        for i in range(n)
    )
    return list(Member.objects.filter(membership_number__startswith=prefix).order_by("pk"))


def _meeting(world: World, **kw: Any) -> Meeting:
    fields: dict[str, Any] = {
        "actor": world.secretary,
        "branch": world.liverpool,
        "kind": MeetingKind.MEMBERS,
        "title": "Members' meeting",
        "mode": MeetingMode.IN_PERSON,
        "starts_at": timezone.now(),
        "location": "Guild of Students",
    }
    fields.update(kw)
    return actions.meeting_create(**fields)


def _motion(world: World, meeting: Meeting) -> Any:
    return actions.motion_add(
        actor=world.secretary,
        meeting=meeting,
        title="Strike on",
        text="Strike on until there are no compulsory redundancies.",
    )


# Check-in --------------------------------------------------------------------------------


def test_double_tap_check_in_is_one_attendance(world: World) -> None:
    meeting = _meeting(world)
    first = actions.check_in(meeting=meeting, member=world.member, method=CheckInMethod.QR)
    again = actions.check_in(meeting=meeting, member=world.member, method=CheckInMethod.STEWARD)
    assert first.created and not again.created
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert again.attendance.method == CheckInMethod.QR
    assert AuditEvent.objects.filter(action="meeting.check_in").count() == 1


def test_check_in_refuses_other_branch_and_closed_meeting(world: World) -> None:
    meeting = _meeting(world)
    with pytest.raises(DomainError, match="members of the branch"):
        actions.check_in(meeting=meeting, member=world.ucl_member, method=CheckInMethod.LINK)
    actions.meeting_set_state(actor=world.secretary, meeting=meeting, state="closed")
    with pytest.raises(InvalidState, match="check-in is over"):
        actions.check_in(meeting=meeting, member=world.member, method=CheckInMethod.LINK)


def test_steward_page_checks_in_with_htmx_and_retry_does_not_double(world: World) -> None:
    meeting = _meeting(world)
    c = _client(world.rep)
    url = reverse("meetings:steward_check_in", args=[meeting.pk, world.covered.pk])
    for _ in range(3):  # a poor connection: the steward taps, the phone retries
        r = c.post(url, HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        assert b"Here" in r.content
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert b"1 present" in r.content


def test_personal_link_and_qr_check_in(world: World) -> None:
    meeting = _meeting(world)
    anon = Client()
    url = links.member_url(meeting, world.covered).removeprefix("http://localhost:8000")
    r = anon.get(url)
    assert r.status_code == 200 and r["Referrer-Policy"] == "no-referrer"
    assert anon.post(url).status_code == 200
    assert anon.post(url).status_code == 200
    assert Attendance.objects.filter(meeting=meeting, member=world.covered).count() == 1
    # the QR code still needs the member's own login
    qr = links.qr_url(meeting).removeprefix("http://localhost:8000")
    assert anon.get(qr).status_code == 302
    r = _client(world.member_user).post(qr)
    assert b"You are checked in" in r.content
    assert Attendance.objects.get(meeting=meeting, member=world.member).method == "qr"
    # a tampered token is a dead link
    assert anon.get(url[:-3] + "xyz/").status_code == 404


def test_qr_page_renders_svg(world: World) -> None:
    meeting = _meeting(world)
    r = _client(world.secretary).get(reverse("meetings:qr", args=[meeting.pk]))
    assert r.status_code == 200 and b"<svg" in r.content


# Votes -----------------------------------------------------------------------------------------


def _checked_in(world: World, meeting: Meeting, n: int) -> list[Member]:
    people = _members(world, n)
    for m in people:
        actions.check_in(meeting=meeting, member=m, method=CheckInMethod.STEWARD)
    return people


def test_show_of_hands_liverpool_result(world: World) -> None:
    meeting = _meeting(world)
    _checked_in(world, meeting, 230)
    motion = _motion(world, meeting)
    vote = actions.vote_open(
        actor=world.secretary, meeting=meeting, motion=motion, method=VoteMethod.SHOW_OF_HANDS
    )
    actions.vote_record_count(actor=world.secretary, vote=vote, for_=223, against=7, abstain=0)
    vote.refresh_from_db()
    motion.refresh_from_db()
    assert vote.result_text.startswith("230 present, 223 for, 7 against: carried")
    assert motion.state == QuestionState.CARRIED
    assert len(vote.entitled_snapshot) == 230
    with pytest.raises(InvalidState, match="closed"):
        actions.vote_record_count(actor=world.secretary, vote=vote, for_=1, against=0, abstain=0)


def test_count_cannot_exceed_present(world: World) -> None:
    meeting = _meeting(world)
    _checked_in(world, meeting, 10)
    vote = actions.vote_open(
        actor=world.secretary,
        meeting=meeting,
        motion=_motion(world, meeting),
        method=VoteMethod.SHOW_OF_HANDS,
    )
    with pytest.raises(DomainError, match="only 10 are checked in"):
        actions.vote_record_count(actor=world.secretary, vote=vote, for_=8, against=2, abstain=1)
    with pytest.raises(DomainError, match="Against: enter a whole number"):
        actions.vote_record_count(actor=world.secretary, vote=vote, for_=8, against="x", abstain=0)
    vote.refresh_from_db()
    assert vote.state == "open"
    # through the page: a clear form error, no 500, nothing recorded
    c = _client(world.secretary)
    url = reverse("meetings:vote", args=[meeting.pk, vote.pk])
    r = c.post(url, {"votes_for": 11, "votes_against": 0, "votes_abstain": 0})
    assert r.status_code == 200 and b"only 10 are checked in" in r.content
    r = c.post(url, {"votes_for": 9, "votes_against": 1, "votes_abstain": 0}, follow=True)
    assert b"10 present, 9 for, 1 against: carried" in r.content


def test_amendments_are_decided_before_the_motion(world: World) -> None:
    meeting = _meeting(world)
    _checked_in(world, meeting, 5)
    motion = _motion(world, meeting)
    amendment = actions.amendment_add(
        actor=world.secretary, motion=motion, text="Add: and no loss of pay."
    )
    with pytest.raises(InvalidState, match="1 outstanding amendment"):
        actions.vote_open(
            actor=world.secretary, meeting=meeting, motion=motion, method=VoteMethod.SHOW_OF_HANDS
        )
    av = actions.vote_open(
        actor=world.secretary,
        meeting=meeting,
        amendment=amendment,
        method=VoteMethod.SHOW_OF_HANDS,
    )
    actions.vote_record_count(actor=world.secretary, vote=av, for_=2, against=3, abstain=0)
    amendment.refresh_from_db()
    assert amendment.state == QuestionState.LOST
    mv = actions.vote_open(
        actor=world.secretary, meeting=meeting, motion=motion, method=VoteMethod.SHOW_OF_HANDS
    )
    with pytest.raises(InvalidState, match="no longer be amended"):
        actions.amendment_add(actor=world.secretary, motion=motion, text="Too late.")
    with pytest.raises(InvalidState, match="already been put"):
        actions.vote_open(
            actor=world.secretary, meeting=meeting, motion=motion, method=VoteMethod.SHOW_OF_HANDS
        )
    assert mv.state == "open"


def test_named_vote_roll_call(world: World) -> None:
    meeting = _meeting(world)
    _checked_in(world, meeting, 4)
    vote = actions.vote_open(
        actor=world.secretary,
        meeting=meeting,
        motion=_motion(world, meeting),
        method=VoteMethod.NAMED,
        rule=MajorityRule.TWO_THIRDS,
    )
    c = _client(world.secretary)
    rows = list(Attendance.objects.filter(meeting=meeting).order_by("pk"))
    for row, choice in zip(rows, ["against", "for", "for", "abstain"], strict=True):
        url = reverse("meetings:named_answer", args=[meeting.pk, vote.pk, row.pk])
        assert c.post(url, {"choice": choice}, HTTP_HX_REQUEST="true").status_code == 200
    # changing an answer replaces it
    url = reverse("meetings:named_answer", args=[meeting.pk, vote.pk, rows[0].pk])
    c.post(url, {"choice": "for"})
    c.post(reverse("meetings:vote_close", args=[meeting.pk, vote.pk]))
    vote.refresh_from_db()
    assert (vote.votes_for, vote.votes_against, vote.votes_abstain) == (3, 0, 1)
    assert vote.result_text.startswith("4 present, 3 for, 0 against, 1 abstaining: carried")


def test_snapshot_does_not_move_after_close(world: World) -> None:
    meeting = _meeting(world)
    _checked_in(world, meeting, 3)
    vote = actions.vote_open(
        actor=world.secretary, meeting=meeting, motion=_motion(world, meeting), method="named"
    )
    actions.vote_close(actor=world.secretary, vote=vote)
    actions.check_in(meeting=meeting, member=world.member, method=CheckInMethod.LINK)
    vote.refresh_from_db()
    assert vote.present == 3 and len(vote.entitled_snapshot) == 3
    assert not vote.carried


# Delegate meetings and card votes -------------------------------------------------------------


def _delegate_meeting(world: World, formula: str = WeightFormula.PROPORTIONAL) -> Meeting:
    return _meeting(
        world,
        actor=world.national,
        branch=None,
        kind=MeetingKind.DELEGATE,
        title="Delegate meeting of striking branches",
        mode=MeetingMode.ONLINE,
        link="https://meet.example.org/delegates",
        weight_formula=formula,
        weight_per=2,
    )


def test_proportional_weights_and_card_vote(world: World) -> None:
    _members(world, 5, world.ucl, prefix="U")  # UCL: 6 active members, Liverpool: 3
    meeting = _delegate_meeting(world)
    liv = actions.delegate_add(
        actor=world.national, meeting=meeting, branch=world.liverpool, name="Liv delegate"
    )
    ucl = actions.delegate_add(
        actor=world.national, meeting=meeting, branch=world.ucl, name="UCL delegate"
    )
    assert (liv.weight, ucl.weight) == (Decimal("1.50"), Decimal("3.00"))
    motion = _motion(world, meeting)
    vote = actions.vote_open(
        actor=world.national, meeting=meeting, motion=motion, method=VoteMethod.CARD
    )
    actions.card_cast(vote=vote, holder=liv, delegate=liv, for_="1.5", against="0", abstain="0")
    with pytest.raises(DomainError, match="exactly to the card's weight of 3"):
        actions.card_cast(vote=vote, holder=ucl, delegate=ucl, for_="1", against="1", abstain="0")
    actions.card_cast(vote=vote, holder=ucl, delegate=ucl, for_="1", against="1.75", abstain=".25")
    # a retry with another split replaces the card, never adds one
    actions.card_cast(vote=vote, holder=ucl, delegate=ucl, for_="1", against="2", abstain="0")
    assert CardVote.objects.filter(vote=vote).count() == 2
    actions.vote_close(actor=world.national, vote=vote)
    vote.refresh_from_db()
    assert vote.votes_for == Decimal("2.5") and vote.votes_against == Decimal(2)
    assert vote.present == Decimal("4.5")
    assert vote.result_text == (
        "4.5 present, 2.5 for, 2 against: carried "
        "(simple majority of votes cast; abstentions not counted)"
    )
    with pytest.raises(InvalidState):
        actions.card_cast(vote=vote, holder=liv, delegate=liv, for_="0", against="1.5", abstain=0)


def test_proxy_card_cast_by_holder(world: World) -> None:
    meeting = _delegate_meeting(world, WeightFormula.MANUAL)
    liv = actions.delegate_add(
        actor=world.national,
        meeting=meeting,
        branch=world.liverpool,
        name="A",
        weight=Decimal("12.34"),
    )
    ucl = actions.delegate_add(
        actor=world.national, meeting=meeting, branch=world.ucl, name="B", weight=Decimal("7")
    )
    actions.proxy_assign(actor=world.national, holder=liv, absent=ucl)
    vote = actions.vote_open(
        actor=world.national, meeting=meeting, motion=_motion(world, meeting), method="card"
    )
    with pytest.raises(DomainError, match="only your own card"):
        actions.card_cast(vote=vote, holder=ucl, delegate=liv, for_=0, against="12.34", abstain=0)
    c = Client()
    url = reverse("meetings:card_cast", args=[links.delegate_token(liv), vote.pk])
    r = c.post(
        url, {"card": ucl.pk, "weight_for": "0", "weight_against": "7", "weight_abstain": "0"}
    )
    assert r.status_code == 302
    r = c.post(
        url, {"card": liv.pk, "weight_for": "12", "weight_against": "0", "weight_abstain": "0"}
    )
    assert r.status_code == 400 and b"exactly to the card" in r.content
    r = c.post(
        url, {"card": liv.pk, "weight_for": "12.34", "weight_against": "0", "weight_abstain": "0"}
    )
    assert r.status_code == 302
    actions.vote_close(actor=world.national, vote=vote)
    vote.refresh_from_db()
    assert vote.present == Decimal("19.34") and vote.entitled == Decimal("19.34")
    assert vote.carried and vote.votes_for == Decimal("12.34")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(1, 100_000), st.integers(0, 100), st.integers(0, 100)),
        min_size=1,
        max_size=12,
    )
)
def test_weighted_tally_matches_reference_sum(
    world: World, rows: list[tuple[int, int, int]]
) -> None:
    meeting = _delegate_meeting(world, WeightFormula.MANUAL)
    vote = None
    ref = [0, 0, 0]
    delegates = []
    for n, (cents, _, _) in enumerate(rows):
        branch = world.liverpool if n % 2 == 0 else world.ucl
        delegates.append(
            actions.delegate_add(
                actor=None,
                meeting=meeting,
                branch=branch,
                name=f"D{n}",
                weight=Decimal(cents).scaleb(-2),
            )
        )
    vote = actions.vote_open(
        actor=None, meeting=meeting, motion=_motion(world, meeting), method="card"
    )
    for d, (cents, p, q) in zip(delegates, rows, strict=True):
        f = cents * p // 100
        a = (cents - f) * q // 100
        ab = cents - f - a
        ref = [ref[0] + f, ref[1] + a, ref[2] + ab]
        actions.card_cast(
            vote=vote,
            holder=d,
            delegate=d,
            for_=Decimal(f).scaleb(-2),
            against=Decimal(a).scaleb(-2),
            abstain=Decimal(ab).scaleb(-2),
        )
    actions.vote_close(actor=None, vote=vote)
    vote.refresh_from_db()
    assert [vote.votes_for * 100, vote.votes_against * 100, vote.votes_abstain * 100] == ref
    assert vote.present * 100 == sum(c for c, _, _ in rows)


# Pages and permissions -----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(world: World) -> None:
    meeting = _meeting(world)
    for url in (
        reverse("meetings:index"),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:channels", args=[world.liverpool.slug]),
        reverse("meetings:steward", args=[meeting.pk]),
    ):
        r = Client().get(url)
        assert r.status_code == 302 and "/login/" in r["Location"]


def test_outsider_gets_404_everywhere(world: World) -> None:
    meeting = _meeting(world)
    c = _client(world.outsider)
    for url in (
        reverse("meetings:branch", args=[world.liverpool.slug]),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:steward", args=[meeting.pk]),
        reverse("meetings:qr", args=[meeting.pk]),
        reverse("meetings:channels", args=[world.liverpool.slug]),
    ):
        assert c.get(url).status_code == 404, url
    r = c.post(reverse("meetings:steward_check_in", args=[meeting.pk, world.member.pk]))
    assert r.status_code == 404
    assert not Attendance.objects.exists()


def test_member_sees_meeting_and_checks_in_but_not_the_console(world: World) -> None:
    meeting = _meeting(world)
    c = _client(world.member_user)
    r = c.get(reverse("meetings:detail", args=[meeting.pk]))
    assert r.status_code == 200 and b"Check me in" in r.content
    c.post(reverse("meetings:self_check_in", args=[meeting.pk]))
    assert Attendance.objects.filter(meeting=meeting, member=world.member).exists()
    assert c.get(reverse("meetings:steward", args=[meeting.pk])).status_code == 403


def test_channels_visible_to_branch_members_only(world: World) -> None:
    actions.channel_add(
        actor=world.secretary,
        branch=world.liverpool,
        name="Strike group chat",
        url="https://chat.example.org/liverpool",
    )
    url = reverse("meetings:channels", args=[world.liverpool.slug])
    r = _client(world.member_user).get(url)
    assert r.status_code == 200 and b"chat.example.org/liverpool" in r.content
    assert b"Add a channel" not in r.content
    # another branch's officer, and the regional and national officers, are not the branch
    for user in (world.outsider, world.regional, world.national):
        assert _client(user).get(url).status_code == 404
    # a member may not add channels; the secretary may
    r = _client(world.member_user).post(
        url, {"name": "x", "url": "https://x.example.org", "kind": "other"}
    )
    assert r.status_code == 404
    r = _client(world.secretary).post(
        url, {"name": "Zoom", "url": "https://meet.example.org/liv", "kind": "meeting_link"}
    )
    assert r.status_code == 302
    assert OrganisingChannel.objects.filter(branch=world.liverpool).count() == 2


def test_member_of_another_branch_gets_404_on_channels(world: World) -> None:
    from mandate.core import actions as core_actions

    other = core_actions.user_create(username="ucl-member", password=PASSWORD)
    core_actions.role_grant(user=other, kind="member", branch=world.ucl)
    c = _client(other)
    assert c.get(reverse("meetings:channels", args=[world.liverpool.slug])).status_code == 404
    assert c.get(reverse("meetings:channels", args=[world.ucl.slug])).status_code == 200


def test_series_page_draws_attendance(world: World) -> None:
    series = actions.series_create(
        actor=world.secretary, branch=world.liverpool, title="Daily members' meeting"
    )
    people = _members(world, 12)
    start = timezone.now() - dt.timedelta(days=3)
    for day in range(3):
        m = _meeting(
            world,
            series=series,
            mode=MeetingMode.IN_PERSON,
            starts_at=start + dt.timedelta(days=day),
        )
        for p in people[: 4 * (day + 1)]:
            actions.check_in(meeting=m, member=p, method=CheckInMethod.STEWARD)
    r = _client(world.member_user).get(reverse("meetings:series", args=[series.pk]))
    assert r.status_code == 200
    assert b"<polyline" in r.content and b"12 present" in r.content


def test_meeting_list_query_budget(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(15):
        _meeting(world, title=f"Meeting {i}", starts_at=timezone.now() + dt.timedelta(days=i))
    c = _client(world.secretary)
    with django_assert_max_num_queries(14):
        r = c.get(reverse("meetings:branch", args=[world.liverpool.slug]))
    assert r.status_code == 200 and b"Meeting 14" in r.content


def test_vote_count_form_page_shows_result(world: World) -> None:
    meeting = _meeting(world)
    _checked_in(world, meeting, 3)
    motion = _motion(world, meeting)
    c = _client(world.rep)
    r = c.post(
        reverse("meetings:vote_open", args=[meeting.pk]),
        {"motion": motion.pk, "method": "show_of_hands", "rule": "simple"},
    )
    assert r.status_code == 302
    vote = MeetingVote.objects.get(motion=motion)
    r = c.post(
        reverse("meetings:vote", args=[meeting.pk, vote.pk]),
        {"votes_for": 1, "votes_against": 1, "votes_abstain": 1},
        follow=True,
    )
    assert b"3 present, 1 for, 1 against, 1 abstaining: not carried" in r.content
    r = c.get(reverse("meetings:detail", args=[meeting.pk]))
    assert b"not carried" in r.content


def test_secret_vote_through_the_ballot_engine(world: World) -> None:
    from mandate.meetings import secret

    meeting = _meeting(world)
    people = _checked_in(world, meeting, 4)
    actions.check_in(meeting=meeting, member=world.member, method=CheckInMethod.QR)
    motion = _motion(world, meeting)
    c = _client(world.secretary)
    r = c.post(
        reverse("meetings:vote_open", args=[meeting.pk]),
        {"motion": motion.pk, "method": "secret", "rule": "two_thirds"},
    )
    assert r.status_code == 302
    vote = MeetingVote.objects.get(motion=motion)
    assert vote.poll_ref
    member = _client(world.member_user)
    page = member.get(reverse("meetings:detail", args=[meeting.pk]))
    assert b"Secret vote" in page.content
    r = member.post(
        reverse("meetings:secret_cast", args=[meeting.pk, vote.pk]), {"choice": "for"}, follow=True
    )
    assert b"Your receipt code" in r.content and b"You have voted" in r.content
    r = member.post(reverse("meetings:secret_cast", args=[meeting.pk, vote.pk]), {"choice": "for"})
    assert r.status_code == 409 and b"already" in r.content.lower()  # one vote each
    rows = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    for person, choice in zip(people, ["for", "for", "against", "abstain"], strict=True):
        secret.secret_vote_cast(vote=vote, attendance=rows[person.pk], choice=choice)
    assert secret.secret_turnout(vote) == (5, 5)
    c.post(reverse("meetings:vote_close", args=[meeting.pk, vote.pk]))
    vote.refresh_from_db()
    # 3 for, 1 against: two-thirds of votes cast (abstentions not counted) is met
    assert vote.result_text.startswith("5 present, 3 for, 1 against, 1 abstaining: carried")
    assert not NamedVote.objects.filter(vote=vote).exists()


def test_call_a_meeting_through_the_form(world: World) -> None:
    url = reverse("meetings:new") + f"?branch={world.liverpool.slug}"
    data = {
        "title": "Emergency members' meeting",
        "kind": "members",
        "mode": "online",
        "starts_at": "2026-12-01T12:00",
        "link": "",
        "quorum_combine": "lower",
        "quorum_percent": "10",
        "quorum_number": "50",
        "weight_formula": "proportional",
        "weight_per": "100",
    }
    c = _client(world.secretary)
    r = c.post(url, data)
    assert r.status_code == 200 and b"needs its meeting link" in r.content
    data["link"] = "https://meet.example.org/emergency"
    r = c.post(url, data)
    meeting = Meeting.objects.get(title="Emergency members' meeting")
    assert r.status_code == 302 and meeting.quorum_rule.required(1000) == 50
    assert _client(world.member_user).get(url).status_code == 404
    assert _client(world.outsider).get(url).status_code == 404


def test_delegate_setup_page_and_card_link(world: World) -> None:
    meeting = _delegate_meeting(world)
    c = _client(world.national)
    url = reverse("meetings:delegates", args=[meeting.pk])
    r = c.post(url, {"branch": world.ucl.pk, "name": "Ulla"})
    assert r.status_code == 302
    delegate = meeting.delegates.get()
    assert delegate.weight == Decimal("0.50")  # 1 active member / 2 per unit
    r = c.get(url)
    assert b"/meetings/d/" in r.content
    # another branch's officer can read the national meeting but not set it up
    assert _client(world.outsider).get(url).status_code == 403
    assert _client(world.member_user).get(url).status_code == 404
    actions.vote_open(
        actor=world.national, meeting=meeting, motion=_motion(world, meeting), method="card"
    )
    page = Client().get(reverse("meetings:delegate_link", args=[links.delegate_token(delegate)]))
    assert page.status_code == 200 and b"Split the card" in page.content
    assert page["Referrer-Policy"] == "no-referrer"
    dead = Client().get(reverse("meetings:delegate_link", args=["1.forged.token"]))
    assert dead.status_code == 404


def test_withdrawn_amendment_no_longer_holds_up_the_motion(world: World) -> None:
    meeting = _meeting(world)
    motion = _motion(world, meeting)
    amendment = actions.amendment_add(actor=world.secretary, motion=motion, text="Delete all.")
    c = _client(world.rep)
    r = c.post(reverse("meetings:withdraw", args=[meeting.pk]), {"amendment": amendment.pk})
    assert r.status_code == 302
    amendment.refresh_from_db()
    assert amendment.state == QuestionState.WITHDRAWN
    vote = actions.vote_open(
        actor=world.rep, meeting=meeting, motion=motion, method=VoteMethod.SHOW_OF_HANDS
    )
    assert vote.state == "open"
    r = c.post(reverse("meetings:withdraw", args=[meeting.pk]), {"motion": motion.pk})
    assert r.status_code == 409
