"""Open ballots, callers and call assignments for tests, built through the real actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot, BallotState, ElectorateEntry
from mandate.ballots.tests.factories import local_dispute, national_dispute
from mandate.calls import actions
from mandate.calls.models import CallAssignment
from mandate.conftest import PASSWORD, World
from mandate.core import actions as core_actions
from mandate.core.models import Branch, RoleKind, User
from mandate.members.actions import member_create
from mandate.members.models import Member


def phone_member(
    branch: Branch, number: str, employer=None, *, first: str = "Pat", last: str = "Lee", **kw
) -> Member:
    employer = employer or branch.employers.get()
    return member_create(
        branch=branch,
        membership_number=f"T{number}",
        first_name=first,
        last_name=last,
        mobile=f"+4477009{int(number):05d}",
        personal_email=f"p{number}@example.org",
        address_line1="1 Secret Street",
        employments=[{"employer": employer, "job_category": "Lecturer"}],
        **kw,
    )


def open_ballot(world: World, members: Iterable[Member], *, national: bool = False) -> Ballot:
    """A ballot already open (the checklist is the ballots app's business, tested there), its
    electorate frozen to MEMBERS, one constituency per employer."""
    opens = timezone.localdate() - dt.timedelta(days=3)
    if national:
        ballot = ballot_actions.ballot_create(
            dispute=national_dispute("National pay"),
            name="National pay ballot",
            opens=opens,
            closes=opens + dt.timedelta(days=21),
            employers=[world.liverpool_employer, world.ucl_employer],
            actor=None,
        )
    else:
        ballot = ballot_actions.ballot_create(
            dispute=local_dispute(world),
            name="Liverpool redundancies ballot",
            opens=opens,
            closes=opens + dt.timedelta(days=21),
            actor=None,
        )
    by_employer = {c.employer_id: c for c in ballot.constituencies.all()}
    counts: dict[int, int] = {}
    for m in members:
        employer_id = m.employments.values_list("employer_id", flat=True).first()
        constituency = by_employer[employer_id]
        ElectorateEntry.objects.create(constituency=constituency, member=m, entitled=True)
        counts[constituency.pk] = counts.get(constituency.pk, 0) + 1
    for c in by_employer.values():
        c.entitled_count = counts.get(c.pk, 0)
        c.save(update_fields=["entitled_count"])
    Ballot.objects.filter(pk=ballot.pk).update(
        state=BallotState.OPEN, electorate_frozen_at=timezone.now()
    )
    ballot.refresh_from_db()
    return ballot


def caller(username: str, branch: Branch, kind: str = RoleKind.CALLER) -> User:
    user = core_actions.user_create(username=username, password=PASSWORD)
    core_actions.role_grant(user=user, kind=kind, branch=branch)
    return user


def assignment(
    ballot: Ballot, branch: Branch | None, callers: Iterable[User] = (), **kw
) -> CallAssignment:
    kw.setdefault("ends_at", timezone.now() + dt.timedelta(days=7))
    kw.setdefault("name", "Evening calls")
    kw.setdefault("script", "Hi {first_name}, I'm calling from the union about {constituency}.")
    return actions.assignment_create(
        ballot=ballot, branch=branch, callers=list(callers), actor=None, **kw
    )
