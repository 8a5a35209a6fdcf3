from __future__ import annotations

import random

from mandate.conftest import World
from mandate.core.demo import DemoContext
from mandate.meetings.demo import build_meetings
from mandate.meetings.models import Meeting, MeetingVote, OrganisingChannel
from mandate.members.models import Member


def test_demo_builds_liverpool_meetings_and_a_delegate_card_vote(world: World) -> None:
    world.liverpool.name = "University of Liverpool"
    Member.objects.bulk_create(
        Member(
            branch=branch,
            membership_number=f"D{branch.pk}-{i}",
            first_name="Demo",
            last_name=f"Person {i}",
        )
        for branch, n in ((world.liverpool, 260), (world.ucl, 40))
        for i in range(n)
    )
    lines: list[str] = []
    ctx = DemoContext(
        scale="default",
        rng=random.Random(1),
        out=lines.append,
        union=world.union,
        # three delegate slots: the last is absent and its card held by proxy
        branches=[world.liverpool, world.ucl, world.ucl],
    )
    build_meetings(ctx)
    daily = Meeting.objects.filter(series__isnull=False).order_by("starts_at")
    assert daily.count() == 15
    yesterday = MeetingVote.objects.get(motion__title__startswith="Strike on")
    assert yesterday.result_text.startswith("230 present, 223 for, 7 against: carried")
    assert OrganisingChannel.objects.filter(branch=world.liverpool).count() == 2
    card = MeetingVote.objects.get(method="card")
    assert card.carried is not None and card.cards.count() == 3
    assert any("delegate meeting" in line for line in lines)
