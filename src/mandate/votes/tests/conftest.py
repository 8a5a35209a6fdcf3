from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mandate.members.models import Member
from mandate.votes import engine


def make_members(branch: Any, n: int, prefix: str) -> list[Member]:
    return Member.objects.bulk_create(
        Member(
            branch=branch,
            membership_number=f"{prefix}{i:05d}",
            first_name=f"Voter{i}",
            last_name=prefix,
            personal_email=f"{prefix.lower()}{i}@example.org",
        )
        for i in range(n)
    )


def open_poll(
    members: list[Member], *, title: str = "Accept the offer?", **kwargs: Any
) -> engine.Poll:
    now = timezone.now()
    poll = engine.poll_create(
        title=title,
        choices=["Yes", "No"],
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(hours=1),
        voters=[
            engine.VoterSpec(key=engine.member_key(m.pk), member_id=m.pk, branch_id=m.branch_id)
            for m in members
        ],
        **kwargs,
    )
    return engine.poll_open(poll=poll)


@pytest.fixture
def choices() -> Any:
    def get(poll: engine.Poll) -> dict[str, int]:
        return {c.label: c.pk for c in poll.choices.all()}

    return get
