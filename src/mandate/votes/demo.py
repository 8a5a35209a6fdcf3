"""Demo e-ballots: a published national consultation on the employers' offer, and an open
Liverpool ballot the demo member can vote in from "My votes".

Built through the engine: ``poll_open`` freezes the roll and makes the ballot slots, every
vote goes through ``vote_cast`` (inside the voting window), and the national poll is closed
with its count check and published with its receipts.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mandate.core.demo import DemoContext
from mandate.core.models import Workplace
from mandate.disputes.models import Dispute, DisputeScope
from mandate.members.models import Member, MemberStatus
from mandate.messaging.models import Channel
from mandate.votes import engine, sending

# Votes cast in the demo at most, whatever the scale (keeps `mandate demo` quick).
MAX_VOTES = 3_000
MAX_ROLL = 12_000


def _specs(members: list[tuple[int, int]]) -> list[engine.VoterSpec]:
    return [
        engine.VoterSpec(key=engine.member_key(pk), member_id=pk, branch_id=branch_id)
        for pk, branch_id in members
    ]


def _national(ctx: DemoContext, now: dt.datetime) -> engine.Poll:
    dispute = Dispute.objects.filter(scope=DisputeScope.NATIONAL).order_by("pk").first()
    members = list(
        Member.objects.filter(status=MemberStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "branch_id")[:MAX_ROLL]
    )
    opens = now - dt.timedelta(days=12)
    closes = now - dt.timedelta(days=2)
    poll = engine.poll_create(
        title="Accept the employers' offer?",
        question=(
            "The employers offer 3% on all pay points and a non-binding framework on the pay "
            "gaps, casualisation and workload. The negotiators make no recommendation. Should "
            "the union accept the offer?"
        ),
        choices=["Accept the offer", "Reject the offer"],
        opens_at=opens,
        closes_at=closes,
        dispute=dispute,
        voters=_specs(members),
    )
    poll = engine.poll_open(poll=poll, now=opens)
    # Turnout differs by branch; a few small branches stay under ten votes, so their result
    # is withheld on the results page.
    by_branch: dict[int, list[int]] = {}
    for pk, branch_id in members:
        by_branch.setdefault(branch_id, []).append(pk)
    budget = MAX_VOTES
    choice_ids = [c.pk for c in poll.choices.order_by("position")]
    when = opens + dt.timedelta(hours=1)
    for n, (_, pks) in enumerate(sorted(by_branch.items())):
        share = 0.02 if n % 5 == 4 else ctx.rng.uniform(0.2, 0.45)
        count = min(budget, max(1, round(len(pks) * share)))
        if n % 5 == 4:
            count = min(count, 9)
        for pk in ctx.rng.sample(pks, min(count, len(pks))):
            reject = ctx.rng.random() < 0.78
            engine.vote_cast(
                poll=poll, voter_key=engine.member_key(pk), choice=choice_ids[reject], now=when
            )
        budget -= count
        if budget <= 0:
            break
    poll = engine.poll_close(poll=poll, now=closes)
    return engine.poll_publish(poll=poll, now=closes + dt.timedelta(hours=20))


def _liverpool(ctx: DemoContext, now: dt.datetime) -> engine.Poll:
    branch = ctx.branch("University of Liverpool")
    dispute = Dispute.objects.filter(branch=branch).order_by("pk").first()
    members = list(
        Member.objects.filter(branch=branch, status=MemberStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "branch_id")
    )
    opens = now - dt.timedelta(days=1)
    poll = engine.poll_create(
        title="Strike on until there are no compulsory redundancies?",
        question=(
            "Two compulsory redundancies remain in Health and Life Sciences. Should members "
            "keep striking until there are none?"
        ),
        choices=["Yes, strike on", "No"],
        opens_at=opens,
        closes_at=now + dt.timedelta(days=5),
        dispute=dispute,
        branch=branch,
        voters=_specs(members),
    )
    poll = engine.poll_open(poll=poll, now=opens)
    # The demo member's login (made later by build_logins) takes the first member in the
    # Health and Life Sciences building: leave them a vote to cast.
    hls = Workplace.objects.filter(employer__branches=branch, name__startswith="Health").first()
    keep = (
        Member.objects.filter(branch=branch, employments__workplace=hls)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    choice_ids = [c.pk for c in poll.choices.order_by("position")]
    voters = [pk for pk, _ in members if pk != keep]
    for pk in ctx.rng.sample(voters, min(len(voters), round(len(voters) * 0.35), 1_000)):
        no = ctx.rng.random() < 0.2
        engine.vote_cast(poll=poll, voter_key=engine.member_key(pk), choice=choice_ids[no])
    return poll


def build_votes(ctx: DemoContext) -> None:
    now = timezone.now()
    national = _national(ctx, now)
    local = _liverpool(ctx, now)
    ctx.out(
        f"  2 e-ballots: “{national.title}” published ({national.ballots_counted} votes); "
        f"“{local.title}” open ({local.electorate} on the roll)"
    )
    # The open ballot's links went out by email through messaging, each member their own.
    send = sending.links_send(
        actor=None,
        poll=local,
        channel=Channel.EMAIL,
        template=sending.default_template(local),
        subject=f"Your vote: {local.title}",
        members=sending.recipients(local, Member.objects.all()),
        via="demo",
    )
    ctx.out(f"  voting links emailed: {send.queued_count} of {send.recipient_count} yet to vote")
