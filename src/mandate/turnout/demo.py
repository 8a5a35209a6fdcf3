"""Demo GTVO: an open "Four Fights re-ballot" (opened two weeks ago, closing in four days) with
its electorate frozen across the demo branches, two weeks of self-reports and phone-bank
answers with a snapshot each evening (so the trend charts have history), constituencies on both
sides of the 50% line, and a few replacement paper requests.

Everything goes through the real actions: ``ballot_open`` freezes the electorate and
``contact_record`` takes every answer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot, ElectorateEntry, StepStatus
from mandate.core.demo import DemoContext
from mandate.disputes.models import Dispute
from mandate.members.models import Member
from mandate.turnout import actions
from mandate.turnout.links import link_url
from mandate.turnout.models import GtvoSettings, Source, Status

NATIONAL_DISPUTE = "Four Fights 2026"
# Answers recorded in the demo, at most, whatever the scale (keeps `mandate demo` quick).
MAX_ANSWERS = 6_000
DAYS = 14


def _open_ballot(dispute: Dispute, today: dt.date) -> Ballot:
    opens = today - dt.timedelta(days=DAYS)
    ballot = ballot_actions.ballot_create(
        dispute=dispute,
        name="Four Fights re-ballot",
        opens=opens,
        closes=today + dt.timedelta(days=4),
        scrutineer="Civica Election Services",
        authorised_callers="General Secretary",
        actor=None,
    )
    for step in ballot.steps.filter(status=StepStatus.PENDING, phase="before_opening"):
        if step.rule_id == "B-scrutineer" or step.due is None:
            continue
        ballot_actions.step_record(
            step=step,
            actor=None,
            done_on=step.due - dt.timedelta(days=1),
            method="Recorded delivery to the registrar",
            evidence="Royal Mail proof of delivery",
            today=opens,
        )
    ballot_actions.ballot_open(ballot=ballot, actor=None, today=opens)
    ballot.refresh_from_db()
    return ballot


def build_turnout(ctx: DemoContext) -> None:
    dispute = Dispute.objects.filter(name__startswith=NATIONAL_DISPUTE).order_by("pk").first()
    if dispute is None:
        return
    today = timezone.localdate()
    ballot = _open_ballot(dispute, today)
    GtvoSettings.objects.create(
        ballot=ballot,
        replacement_opens=ballot.opens + dt.timedelta(days=5),
        replacement_closes=ballot.closes - dt.timedelta(days=2),
    )
    electorate: dict[int, list[int]] = defaultdict(list)
    for member_id, constituency_id in ElectorateEntry.objects.filter(
        constituency__ballot=ballot, entitled=True
    ).values_list("member_id", "constituency_id"):
        electorate[constituency_id].append(member_id)
    total = sum(len(v) for v in electorate.values()) or 1
    scale = min(1.0, MAX_ANSWERS / (0.6 * total))
    members = Member.objects.in_bulk([m for ids in electorate.values() for m in ids])
    # Per constituency: how far the phone bank reaches and how many of those reached have
    # voted. Alternating strong and weak branches puts constituencies on both sides of 50%.
    plans = {}
    for i, cid in enumerate(sorted(electorate)):
        strong = i % 3 != 1
        plans[cid] = (
            ctx.rng.uniform(0.55, 0.8) if strong else ctx.rng.uniform(0.3, 0.5),
            ctx.rng.uniform(0.62, 0.85) if strong else ctx.rng.uniform(0.3, 0.5),
        )
    schedule: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for cid, ids in electorate.items():
        reach, rate = plans[cid]
        for member_id in ctx.rng.sample(ids, int(len(ids) * reach * scale)):
            # Early days bring the keen voters; reminders bring the rest later.
            day = min(DAYS - 1, int(ctx.rng.triangular(0, DAYS, DAYS * 0.6)))
            voted = ctx.rng.random() < rate
            status = (
                Status.SAYS_VOTED
                if voted
                else ctx.rng.choice(
                    [Status.WILL_VOTE, Status.WILL_VOTE, Status.NOT_ARRIVED, Status.UNDECIDED]
                )
            )
            source = ctx.rng.choice(
                [Source.SELF_REPORT, Source.CALLER, Source.CALLER, Source.REP, Source.TEXT_REPLY]
            )
            schedule[day].append((member_id, status, source))
    tz = timezone.get_current_timezone()
    answers = 0
    for day in range(DAYS):
        date = ballot.opens + dt.timedelta(days=day)
        for member_id, answer, by in schedule.get(day, []):
            at = dt.datetime.combine(
                date, dt.time(ctx.rng.randint(9, 20), ctx.rng.randint(0, 59)), tzinfo=tz
            )
            actions.contact_record(
                ballot=ballot, member=members[member_id], status=answer, source=by, at=at
            )
            answers += 1
        actions.snapshots_take(ballot=ballot, day=date)
    requests = 0
    for member_id in ctx.rng.sample(list(members), min(12, len(members))):
        member = members[member_id]
        if not member.address_line1 or not member.postcode:
            continue
        actions.replacement_request(
            ballot=ballot,
            member=member,
            address={
                "address_line1": member.address_line1,
                "address_line2": member.address_line2,
                "town": member.town,
                "postcode": member.postcode,
            },
            today=today,
        )
        requests += 1
    ctx.out(
        f"  GTVO: open re-ballot, {len(electorate)} constituencies, {answers} answers over "
        f"{DAYS} days, {requests} replacement requests"
    )
    liverpool = next((b for b in ctx.branches if b.name == "University of Liverpool"), None)
    if liverpool is not None:
        # One member whose link an officer revoked: their GTVO page shows when, the log why.
        forwarded = (
            Member.objects.filter(branch=liverpool, pk__in=list(members)).order_by("-pk").first()
        )
        if forwarded is not None:
            actions.link_rotate(
                ballot=ballot, member=forwarded, actor=None, reason="forwarded to a manager"
            )
        first = (
            Member.objects.filter(
                branch=liverpool, employments__workplace__name__startswith="Health"
            )
            .order_by("pk")
            .first()
        )
        if first is not None and first.pk in members:
            row = actions.links_ensure(ballot=ballot, member_ids=[first.pk]).get(first.pk)
            if row is not None:
                ctx.out(f"  the demo member's own GTVO link: {link_url(row)}")
