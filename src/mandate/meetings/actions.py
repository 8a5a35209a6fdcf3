"""Changes to meetings: setting up, checking in, putting questions to a vote and recording results.

Every vote is decided by ``mandate.meetings.rules.decide`` on exact numbers. Closing a vote
freezes who was present and entitled at that moment; a question once decided never changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, User
from mandate.meetings.models import (
    DECIDED,
    AgendaItem,
    Amendment,
    Attendance,
    CardVote,
    ChannelKind,
    CheckInMethod,
    Choice,
    Delegate,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingSeries,
    MeetingState,
    MeetingVote,
    Motion,
    NamedVote,
    OrganisingChannel,
    QuestionState,
    VoteMethod,
    VoteState,
)
from mandate.meetings.rules import (
    Card,
    MajorityRule,
    RuleError,
    WeightFormula,
    branch_weight,
    card_totals,
    decide,
)
from mandate.members.models import Member, MemberStatus

Actor = User | AnonymousUser | None


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


# Setting up ------------------------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    actor: Actor,
    branch: Branch,
    title: str,
    mode: str = MeetingMode.HYBRID,
    location: str = "",
    link: str = "",
) -> MeetingSeries:
    """Start a recurring meeting (the daily members' meeting on strike days)."""
    series = MeetingSeries.objects.create(
        branch=branch, title=title, mode=mode, location=location, link=link
    )
    audit_record(actor=actor, action="meeting_series.create", obj=series, branch=branch)
    return series


@transaction.atomic
def meeting_create(
    *,
    actor: Actor,
    branch: Branch | None,
    kind: str,
    title: str,
    mode: str,
    starts_at: dt.datetime,
    location: str = "",
    link: str = "",
    quorum_number: int | None = None,
    quorum_percent: Decimal | None = None,
    quorum_combine: str = "lower",
    series: MeetingSeries | None = None,
    dispute: Any = None,
    weight_formula: str = WeightFormula.PROPORTIONAL,
    weight_per: int = 100,
) -> Meeting:
    """Call a meeting: a branch members' meeting, or a (branch or national) delegate meeting."""
    if kind == MeetingKind.MEMBERS and branch is None:
        raise DomainError("A members' meeting belongs to a branch: choose one.")
    if mode in (MeetingMode.ONLINE, MeetingMode.HYBRID) and not (link or series and series.link):
        raise DomainError("An online or hybrid meeting needs its meeting link.")
    if series is not None and series.branch_id != (branch.pk if branch else None):
        raise DomainError("A meeting in a series belongs to the series' branch.")
    meeting = Meeting.objects.create(
        branch=branch,
        kind=kind,
        title=title,
        mode=mode,
        starts_at=starts_at,
        location=location,
        link=link or (series.link if series else ""),
        quorum_number=quorum_number,
        quorum_percent=quorum_percent,
        quorum_combine=quorum_combine,
        series=series,
        dispute=dispute,
        weight_formula=weight_formula,
        weight_per=weight_per,
    )
    meeting.quorum_rule  # noqa: B018 - validates the quorum settings before anything is kept
    audit_record(actor=actor, action="meeting.create", obj=meeting, branch=branch)
    return meeting


_TRANSITIONS = {
    MeetingState.SCHEDULED: {MeetingState.OPEN, MeetingState.CLOSED},
    MeetingState.OPEN: {MeetingState.CLOSED},
    MeetingState.CLOSED: set(),
}


@transaction.atomic
def meeting_set_state(*, actor: Actor, meeting: Meeting, state: str) -> Meeting:
    """Open or close a meeting; a closed meeting takes no more check-ins or votes."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if state not in _TRANSITIONS[MeetingState(locked.state)]:
        raise InvalidState(
            f"The meeting is {locked.get_state_display().lower()}; it cannot become "
            f"{MeetingState(state).label.lower()}."
        )
    if state == MeetingState.CLOSED and locked.votes.filter(state=VoteState.OPEN).exists():
        raise InvalidState("A vote is still open: close it before closing the meeting.")
    locked.state = state
    locked.save(update_fields=["state"])
    audit_record(actor=actor, action=f"meeting.{state}", obj=locked, branch=locked.branch)
    meeting.state = state
    return locked


@transaction.atomic
def agenda_item_add(*, actor: Actor, meeting: Meeting, title: str, notes: str = "") -> AgendaItem:
    """Add an item to the end of the agenda."""
    position = meeting.agenda.count() + 1
    item = AgendaItem.objects.create(meeting=meeting, title=title, notes=notes, position=position)
    audit_record(actor=actor, action="meeting.agenda_add", obj=item, branch=meeting.branch)
    return item


@transaction.atomic
def motion_add(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    text: str,
    proposer: str = "",
    agenda_item: AgendaItem | None = None,
) -> Motion:
    """Put a motion before the meeting."""
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState("The meeting is closed: it takes no more motions.")
    motion = Motion.objects.create(
        meeting=meeting, title=title, text=text, proposer=proposer, agenda_item=agenda_item
    )
    audit_record(actor=actor, action="motion.add", obj=motion, branch=meeting.branch)
    return motion


@transaction.atomic
def amendment_add(*, actor: Actor, motion: Motion, text: str, proposer: str = "") -> Amendment:
    """Move an amendment to a motion that has not yet been put to the vote."""
    locked = Motion.objects.select_for_update().get(pk=motion.pk)
    if locked.state in DECIDED or MeetingVote.objects.filter(motion=locked).exists():
        raise InvalidState("The motion has been put to the vote: it can no longer be amended.")
    amendment = Amendment.objects.create(motion=locked, text=text, proposer=proposer)
    audit_record(actor=actor, action="amendment.add", obj=amendment, branch=motion.meeting.branch)
    return amendment


@transaction.atomic
def question_withdraw(*, actor: Actor, question: Motion | Amendment) -> None:
    """Withdraw a motion or amendment not yet put to the vote (a withdrawn amendment no longer
    holds up its motion)."""
    model = type(question)
    locked = model.objects.select_for_update().get(pk=question.pk)
    if (
        locked.state != QuestionState.PENDING
        or MeetingVote.objects.filter(
            Q(motion_id=locked.pk) if isinstance(locked, Motion) else Q(amendment_id=locked.pk)
        ).exists()
    ):
        raise InvalidState("Only a question not yet put to the vote can be withdrawn.")
    locked.state = QuestionState.WITHDRAWN
    locked.save(update_fields=["state"])
    question.state = QuestionState.WITHDRAWN
    audit_record(actor=actor, action="meeting.withdraw", obj=locked)


# Attendance ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    attendance: Attendance
    created: bool


def check_in(
    *,
    meeting: Meeting,
    method: str,
    actor: Actor = None,
    member: Member | None = None,
    delegate: Delegate | None = None,
) -> CheckIn:
    """Record that a member (or delegate) is here; a second tap or a retry records nothing new."""
    if (member is None) == (delegate is None):
        raise DomainError("Check in one member or one delegate.")
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState("The meeting has closed: check-in is over.")
    if member is not None:
        if meeting.kind != MeetingKind.MEMBERS or member.branch_id != meeting.branch_id:
            raise DomainError("Only members of the branch can be checked in to this meeting.")
        if member.status != MemberStatus.ACTIVE:
            raise DomainError("Only active members can be checked in.")
    if delegate is not None and delegate.meeting_id != meeting.pk:
        raise DomainError("That delegate is not a delegate to this meeting.")
    with transaction.atomic():
        # INSERT ... ON CONFLICT DO NOTHING: two simultaneous taps both succeed and exactly one
        # row exists, with no read-then-write window between them.
        row = Attendance(
            meeting=meeting,
            member=member,
            delegate=delegate,
            method=method,
            checked_in_by=_user(actor),
            checked_in_at=timezone.now(),
        )
        Attendance.objects.bulk_create([row], ignore_conflicts=True)
        who = Q(member=member) if member is not None else Q(delegate=delegate)
        attendance = Attendance.objects.get(who, meeting=meeting)
        created = attendance.checked_in_at == row.checked_in_at
        if created:
            audit_record(
                actor=actor,
                action="meeting.check_in",
                obj=meeting,
                branch=meeting.branch,
                detail={"method": method},
            )
    return CheckIn(attendance=attendance, created=created)


def present_count(meeting: Meeting) -> int:
    """People checked in (members still active, or delegates)."""
    qs = meeting.attendance.all()
    if meeting.kind == MeetingKind.MEMBERS:
        qs = qs.filter(member__status=MemberStatus.ACTIVE)
    return qs.count()


def entitled_count(meeting: Meeting) -> int:
    """Members entitled to attend: the branch's active members, or the meeting's delegates."""
    if meeting.kind == MeetingKind.DELEGATE or meeting.branch_id is None:
        return meeting.delegates.count()
    return Member.objects.filter(branch_id=meeting.branch_id, status=MemberStatus.ACTIVE).count()


# Delegates and card weights ----------------------------------------------------------------


def _weight_for(meeting: Meeting, branch: Branch, weight: Decimal | None) -> Decimal:
    formula = WeightFormula(meeting.weight_formula)
    if formula is WeightFormula.MANUAL:
        if weight is None:
            raise DomainError("This meeting's cards are weighted by hand: give the weight.")
        return weight
    active = Member.objects.filter(branch=branch, status=MemberStatus.ACTIVE).count()
    return branch_weight(formula, active, meeting.weight_per)


@transaction.atomic
def delegate_add(
    *,
    actor: Actor,
    meeting: Meeting,
    branch: Branch,
    name: str,
    member: Member | None = None,
    weight: Decimal | None = None,
) -> Delegate:
    """Add a branch's delegate, weighted by the meeting's formula (or by hand)."""
    if meeting.kind != MeetingKind.DELEGATE:
        raise DomainError("Only a delegate meeting has delegates.")
    if member is not None and member.branch_id != branch.pk:
        raise DomainError("A delegate represents their own branch.")
    try:
        value = _weight_for(meeting, branch, weight)
    except RuleError as exc:
        raise DomainError(str(exc)) from exc
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise DomainError("A card weight is a positive number with at most 2 decimal places.")
    delegate = Delegate.objects.create(
        meeting=meeting, branch=branch, name=name, member=member, weight=value
    )
    audit_record(
        actor=actor,
        action="meeting.delegate_add",
        obj=delegate,
        branch=meeting.branch,
        detail={"branch": branch.pk, "weight": str(value)},
    )
    return delegate


@transaction.atomic
def delegates_reweigh(*, actor: Actor, meeting: Meeting) -> int:
    """Recompute every delegate's weight from current membership; cards already cast keep theirs."""
    if meeting.weight_formula == WeightFormula.MANUAL:
        raise DomainError("This meeting's cards are weighted by hand.")
    changed = 0
    for delegate in meeting.delegates.select_related("branch").select_for_update(of=("self",)):
        value = _weight_for(meeting, delegate.branch, None)
        if value != delegate.weight:
            delegate.weight = value
            delegate.save(update_fields=["weight"])
            changed += 1
    audit_record(actor=actor, action="meeting.reweigh", obj=meeting, detail={"changed": changed})
    return changed


@transaction.atomic
def proxy_assign(*, actor: Actor, holder: Delegate, absent: Delegate | None) -> None:
    """Let HOLDER carry ABSENT's card by proxy (None: drop the proxy HOLDER carries)."""
    if absent is not None:
        if absent.meeting_id != holder.meeting_id:
            raise DomainError("Both delegates must be at the same meeting.")
        if absent.pk == holder.pk:
            raise DomainError("A delegate cannot hold their own card by proxy.")
        if absent.proxy_for_id is not None:
            raise DomainError("That delegate already holds a proxy; proxies do not chain.")
        taken = Delegate.objects.filter(proxy_for=absent).exclude(pk=holder.pk).exists()
        if taken:
            raise DomainError("Another delegate already holds that card by proxy.")
        if Delegate.objects.filter(proxy_for=holder).exists():
            raise DomainError("This delegate's own card is held by proxy; they cannot hold one.")
    holder.proxy_for = absent
    holder.save(update_fields=["proxy_for"])
    audit_record(
        actor=actor,
        action="meeting.proxy",
        obj=holder,
        detail={"for": absent.pk if absent else None},
    )


def present_weight(meeting: Meeting) -> tuple[Decimal, Decimal, list[dict[str, str | int]]]:
    """Card weight present (delegates checked in, and the cards they hold by proxy), the weight
    entitled, and who made up the weight present."""
    delegates = list(meeting.delegates.all())
    here = set(
        Attendance.objects.filter(meeting=meeting, delegate__isnull=False).values_list(
            "delegate_id", flat=True
        )
    )
    by_id = {d.pk: d for d in delegates}
    present: dict[int, Decimal] = {}
    for d in delegates:
        if d.pk in here:
            present[d.pk] = d.weight
            if d.proxy_for_id is not None and d.proxy_for_id in by_id:
                present[d.proxy_for_id] = by_id[d.proxy_for_id].weight
    entitled = sum((d.weight for d in delegates), Decimal(0))
    total = sum(present.values(), Decimal(0))
    snapshot: list[dict[str, str | int]] = [
        {"delegate": pk, "weight": str(w)} for pk, w in sorted(present.items())
    ]
    return total, entitled, snapshot


# Votes -------------------------------------------------------------------------------------


def secret_votes_available() -> bool:
    """Secret votes run on the e-ballot engine, which a server may leave out."""
    return apps.is_installed("mandate.votes")


def _question_state(vote: MeetingVote) -> Motion | Amendment:
    return vote.motion if vote.motion is not None else vote.amendment  # type: ignore[return-value]


@transaction.atomic
def vote_open(
    *,
    actor: Actor,
    meeting: Meeting,
    motion: Motion | None = None,
    amendment: Amendment | None = None,
    method: str,
    rule: str = MajorityRule.SIMPLE,
    abstentions_count: bool = False,
) -> MeetingVote:
    """Put a motion or an amendment to the vote. A motion waits until its amendments are decided."""
    if (motion is None) == (amendment is None):
        raise DomainError("Put one motion or one amendment to the vote.")
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.state == MeetingState.CLOSED:
        raise InvalidState("The meeting has closed: no more votes.")
    if method not in VoteMethod.values:
        raise DomainError(f"Unknown voting method {method!r}.")
    if method == VoteMethod.SECRET and not secret_votes_available():
        raise DomainError("Secret electronic votes are not enabled on this server.")
    if (method == VoteMethod.CARD) != (locked.kind == MeetingKind.DELEGATE):
        raise DomainError(
            "A delegate meeting votes by card; a members' meeting by hands, roll call or secret."
        )
    if rule not in MajorityRule.__members__.values():
        raise DomainError(f"Unknown majority rule {rule!r}.")
    question: Motion | Amendment
    if motion is not None:
        question = Motion.objects.select_for_update().get(pk=motion.pk)
        if question.meeting_id != locked.pk:
            raise DomainError("That motion is not before this meeting.")
        pending = question.amendments.filter(state=QuestionState.PENDING).count()
        if pending:
            raise InvalidState(
                f"Decide the motion's {pending} outstanding amendment"
                f"{'s' if pending != 1 else ''} before voting on the motion."
            )
    else:
        assert amendment is not None  # noqa: S101 - checked above
        question = (
            Amendment.objects.select_for_update(of=("self",))
            .select_related("motion")
            .get(pk=amendment.pk)
        )
        if question.motion.meeting_id != locked.pk:
            raise DomainError("That amendment is not before this meeting.")
    if (
        question.state in DECIDED
        or MeetingVote.objects.filter(
            Q(motion_id=question.pk) if motion is not None else Q(amendment_id=question.pk)
        ).exists()
    ):
        raise InvalidState("That question has already been put to the vote.")
    vote = MeetingVote.objects.create(
        meeting=locked,
        motion=question if isinstance(question, Motion) else None,
        amendment=question if isinstance(question, Amendment) else None,
        method=method,
        rule=rule,
        abstentions_count=abstentions_count,
        taken_by=_user(actor),
    )
    if method == VoteMethod.SECRET:
        from mandate.meetings.secret import secret_poll_open

        vote.poll_ref = secret_poll_open(vote=vote, actor=actor)
        vote.save(update_fields=["poll_ref"])
    audit_record(
        actor=actor,
        action="meeting.vote_open",
        obj=vote,
        branch=locked.branch,
        detail={"method": method, "rule": rule},
    )
    return vote


def _lock_open_vote(vote: MeetingVote) -> MeetingVote:
    locked = (
        MeetingVote.objects.select_for_update(of=("self",))
        .select_related("meeting", "motion", "amendment", "amendment__motion")
        .get(pk=vote.pk)
    )
    if locked.state != VoteState.OPEN:
        raise InvalidState(f"This vote is closed: {locked.result_text}")
    return locked


def _finish(
    *,
    actor: Actor,
    vote: MeetingVote,
    for_: Decimal,
    against: Decimal,
    abstain: Decimal,
    present: Decimal,
    entitled: Decimal,
    snapshot: list[Any],
) -> MeetingVote:
    try:
        decision = decide(
            vote.majority_rule, for_, against, abstain, present, entitled, vote.abstentions_count
        )
    except RuleError as exc:
        raise DomainError(str(exc)) from exc
    vote.votes_for, vote.votes_against, vote.votes_abstain = for_, against, abstain
    vote.present, vote.entitled = present, entitled
    vote.entitled_snapshot = snapshot
    vote.carried = decision.carried
    vote.result_text = decision.text[:300]
    vote.state = VoteState.CLOSED
    vote.closed_at = timezone.now()
    vote.save()
    question = _question_state(vote)
    question.state = QuestionState.CARRIED if decision.carried else QuestionState.LOST
    question.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="meeting.vote_close",
        obj=vote,
        branch=vote.meeting.branch,
        detail={"carried": decision.carried, "method": vote.method},
    )
    return vote


def _people_snapshot(meeting: Meeting) -> tuple[int, int, list[int]]:
    ids = list(
        meeting.attendance.filter(member__status=MemberStatus.ACTIVE).values_list("pk", flat=True)
    )
    present = len(ids)
    return present, max(entitled_count(meeting), present), ids


def _whole(value: object, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(f"{field}: enter a whole number of people.") from None
    if number < 0:
        raise DomainError(f"{field}: a count cannot be negative.")
    return number


@transaction.atomic
def vote_record_count(
    *, actor: Actor, vote: MeetingVote, for_: object, against: object, abstain: object
) -> MeetingVote:
    """Record a counted show of hands and decide the question."""
    locked = _lock_open_vote(vote)
    if locked.method != VoteMethod.SHOW_OF_HANDS:
        raise DomainError("Only a show of hands is counted by hand.")
    f = _whole(for_, "For")
    a = _whole(against, "Against")
    ab = _whole(abstain, "Abstaining")
    present, entitled, ids = _people_snapshot(locked.meeting)
    if f + a + ab > present:
        raise DomainError(
            f"For, against and abstaining add up to {f + a + ab:,}, but only {present:,} "
            "are checked in. Check the count, or check in the people still arriving."
        )
    return _finish(
        actor=actor,
        vote=locked,
        for_=Decimal(f),
        against=Decimal(a),
        abstain=Decimal(ab),
        present=Decimal(present),
        entitled=Decimal(entitled),
        snapshot=ids,
    )


@transaction.atomic
def named_vote_record(
    *, actor: Actor, vote: MeetingVote, attendance: Attendance, choice: str
) -> NamedVote:
    """Record one attendee's answer in a roll call; answering again replaces the answer."""
    locked = _lock_open_vote(vote)
    if locked.method != VoteMethod.NAMED:
        raise DomainError("Only a named vote takes answers one by one.")
    if attendance.meeting_id != locked.meeting_id:
        raise DomainError("That person is not checked in to this meeting.")
    if choice not in Choice.values:
        raise DomainError("Choose for, against or abstain.")
    row, _ = NamedVote.objects.update_or_create(
        vote=locked, attendance=attendance, defaults={"choice": choice}
    )
    return row


@transaction.atomic
def vote_close(*, actor: Actor, vote: MeetingVote) -> MeetingVote:
    """Close a named, secret or card vote, count it and decide the question."""
    locked = _lock_open_vote(vote)
    meeting = locked.meeting
    if locked.method == VoteMethod.SHOW_OF_HANDS:
        raise DomainError("A show of hands is closed by entering the count.")
    if locked.method == VoteMethod.NAMED:
        present, entitled, ids = _people_snapshot(meeting)
        counts = dict(
            locked.named.filter(attendance_id__in=ids)
            .values_list("choice")
            .annotate(n=Count("id"))
            .values_list("choice", "n")
        )
        return _finish(
            actor=actor,
            vote=locked,
            for_=Decimal(counts.get(Choice.FOR, 0)),
            against=Decimal(counts.get(Choice.AGAINST, 0)),
            abstain=Decimal(counts.get(Choice.ABSTAIN, 0)),
            present=Decimal(present),
            entitled=Decimal(entitled),
            snapshot=ids,
        )
    if locked.method == VoteMethod.SECRET:
        from mandate.meetings.secret import secret_poll_close

        present, entitled, ids = _people_snapshot(meeting)
        f, a, ab = secret_poll_close(vote=locked, actor=actor)
        return _finish(
            actor=actor,
            vote=locked,
            for_=f,
            against=a,
            abstain=ab,
            present=Decimal(present),
            entitled=Decimal(entitled),
            snapshot=ids,
        )
    weight_present, weight_entitled, snapshot = present_weight(meeting)
    totals = card_tally(locked)
    return _finish(
        actor=actor,
        vote=locked,
        for_=totals.for_,
        against=totals.against,
        abstain=totals.abstain,
        present=weight_present,
        entitled=weight_entitled,
        snapshot=snapshot,
    )


def card_tally(vote: MeetingVote) -> Any:
    """The exact weighted totals of the cards cast on VOTE (each card re-checked)."""
    rows = vote.cards.values_list("weight", "weight_for", "weight_against", "weight_abstain")
    return card_totals(Card(w, f, a, ab) for w, f, a, ab in rows)


def _decimal(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        raise DomainError(f"{field}: enter a number such as 12.5.") from None
    if not number.is_finite() or number < 0:
        raise DomainError(f"{field}: enter a number that is zero or more.")
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(f"{field}: at most 2 decimal places.")
    return number


def _lock_vote_shared(vote_id: int) -> tuple[str, int, str] | None:
    """The vote's state, meeting and method, read under a lock that closing must wait for.

    FOR SHARE lets every delegate cast at once, and close's FOR UPDATE waits until the cards
    already going in have committed, so the count at close sees every card accepted as open.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT state, meeting_id, method FROM meetings_meetingvote "
                "WHERE id = %s FOR SHARE",
                [vote_id],
            )
            row = cursor.fetchone()
        return (str(row[0]), int(row[1]), str(row[2])) if row else None
    # SQLite takes the database write lock at BEGIN (IMMEDIATE), which already serialises.
    found = MeetingVote.objects.filter(pk=vote_id).values_list("state", "meeting_id", "method")
    return found.first()


def cards_held(holder: Delegate) -> list[Delegate]:
    """The cards a delegate casts: their own, and the one they hold by proxy."""
    cards = [holder]
    if holder.proxy_for_id is not None:
        proxied = Delegate.objects.filter(pk=holder.proxy_for_id).select_related("branch").first()
        if proxied is not None:
            cards.append(proxied)
    return cards


def card_cast(
    *,
    vote: MeetingVote | int,
    holder: Delegate,
    delegate: Delegate,
    for_: object,
    against: object,
    abstain: object,
) -> CardVote:
    """Cast DELEGATE's card (HOLDER's own, or one held by proxy), split as the holder chooses.

    Casting is checking in. A retry with the same split changes nothing that counts; a different
    split while the vote is open replaces the card. Every delegate of a big meeting casts within
    seconds of the chair calling the vote, so this is four statements: lock the vote shared,
    mark the holder present, and write the card as one upsert (the unique constraint on vote and
    delegate, not a read-then-write, keeps it to one card each).
    """
    if delegate.pk != holder.pk and holder.proxy_for_id != delegate.pk:
        raise DomainError("You can cast only your own card and a card you hold by proxy.")
    f = _decimal(for_, "For")
    a = _decimal(against, "Against")
    ab = _decimal(abstain, "Abstain")
    try:
        Card(delegate.weight, f, a, ab).check("This card")
    except RuleError as exc:
        raise DomainError(str(exc)) from exc
    vote_id = vote if isinstance(vote, int) else vote.pk
    with transaction.atomic():
        found = _lock_vote_shared(vote_id)
        if found is None or found[1] != holder.meeting_id or found[2] != VoteMethod.CARD:
            raise DomainError("That card vote is not at this meeting.")
        if found[0] != VoteState.OPEN:
            raise InvalidState("Voting has closed: this card was not counted.")
        Attendance.objects.bulk_create(
            [Attendance(meeting_id=holder.meeting_id, delegate=holder, method=CheckInMethod.LINK)],
            ignore_conflicts=True,
        )
        card = CardVote(
            vote_id=vote_id,
            delegate=delegate,
            weight=delegate.weight,
            weight_for=f,
            weight_against=a,
            weight_abstain=ab,
            cast_by=holder,
            cast_at=timezone.now(),
        )
        CardVote.objects.bulk_create(
            [card],
            update_conflicts=True,
            unique_fields=["vote", "delegate"],
            update_fields=[
                "weight",
                "weight_for",
                "weight_against",
                "weight_abstain",
                "cast_by",
                "cast_at",
            ],
        )
    return card


# Organising channels -----------------------------------------------------------------------


@transaction.atomic
def channel_add(
    *, actor: Actor, branch: Branch, name: str, url: str, kind: str = ChannelKind.GROUP_CHAT
) -> OrganisingChannel:
    """List a group chat or meeting link on the branch's channels page."""
    if not url.startswith("https://"):
        raise DomainError("Channel links must start with https://.")
    if kind not in ChannelKind.values:
        raise DomainError("Choose what kind of channel this is.")
    position = (branch.channels.aggregate(n=Max("position"))["n"] or 0) + 1
    channel = OrganisingChannel.objects.create(
        branch=branch, name=name, url=url, kind=kind, position=position
    )
    audit_record(actor=actor, action="channel.add", obj=channel, branch=branch)
    return channel


@transaction.atomic
def channel_remove(*, actor: Actor, channel: OrganisingChannel) -> None:
    """Take a channel off the branch's page."""
    audit_record(actor=actor, action="channel.remove", obj=channel, branch=channel.branch)
    channel.delete()
