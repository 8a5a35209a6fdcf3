"""Reads shared by the officers' pages, the links export and the member's own page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet

from mandate.members.queries import neutralise_cell
from mandate.votes.links import link_url
from mandate.votes.models import Poll, PollState, Voter

LINK_COLUMNS = ["membership_number", "first_name", "personal_email", "mobile", "link"]


def link_rows(poll: Poll) -> Iterator[list[str]]:
    """One row per member on the roll who has not voted: where to send their personal link.

    Only personal addresses: ``dispute_email`` is empty when the personal address is the work
    one, because employers may read work mail.
    """
    voters = (
        Voter.objects.filter(poll=poll, member__isnull=False, has_voted=False)
        .select_related("member")
        .order_by("member__membership_number")
    )
    for voter in voters.iterator(chunk_size=2000):
        m = voter.member
        assert m is not None  # noqa: S101 - filtered above
        yield [
            neutralise_cell(m.membership_number),
            neutralise_cell(m.first_name),
            neutralise_cell(m.dispute_email),
            neutralise_cell(m.mobile),
            link_url(voter),
        ]


def links_csv(poll: Poll) -> tuple[str, int]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LINK_COLUMNS)
    count = 0
    for row in link_rows(poll):
        writer.writerow(row)
        count += 1
    return out.getvalue(), count


def my_rolls(member_id: int) -> QuerySet[Voter]:
    """A member's places on the rolls of open and finished polls, newest first."""
    return (
        Voter.objects.filter(member_id=member_id)
        .exclude(poll__state=PollState.DRAFT)
        .select_related("poll")
        .order_by("-poll__closes_at")
    )
