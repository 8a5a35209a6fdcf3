"""Secret consultative e-ballots: a poll, its choices, its voter roll and its cast votes.

Who voted and how they voted are stored apart (docs/e-ballots.md):

- ``Voter`` is the roll: one row per elector, frozen at opening, holding only *whether* they
  have voted. It has no time of voting: a time on the roll beside anything ordered on the
  ballots could pair them.
- ``CastVote`` is a ballot slot. Every slot is created when the poll opens, one per elector,
  in a random order and with its receipt code already drawn; casting fills a slot chosen at
  random. So a ballot row has a random primary key, no member, no timestamp, no sequence, and
  its place in the table (PostgreSQL ctid, SQLite rowid) was fixed before anyone voted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mandate.core.models import Branch


class PollState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    PUBLISHED = "published", "Results published"


class PollOrigin(models.TextChoices):
    CONSULTATIVE = "consultative", "Consultative e-ballot of members"
    MEETING = "meeting", "Secret vote in a meeting"


class Poll(models.Model):
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True)
    origin = models.CharField(
        max_length=20, choices=PollOrigin.choices, default=PollOrigin.CONSULTATIVE
    )
    dispute = models.ForeignKey(
        "disputes.Dispute", null=True, blank=True, on_delete=models.PROTECT, related_name="polls"
    )
    # Set for a branch-only poll; None for a poll across branches (national or dispute-wide).
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="polls"
    )
    segment = models.ForeignKey(
        "members.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=PollState.choices, default=PollState.DRAFT)
    # Card votes: each voter carries a weight and totals are sums of weights (see the docs on
    # why a unique weight can identify a delegate).
    weighted = models.BooleanField(default=False)
    # Ballots record the voter's branch only so results can be shown by branch, and only where
    # a branch cast at least this many votes.
    results_by_branch = models.BooleanField(default=True)
    min_branch_votes = models.PositiveIntegerField(default=10)
    electorate = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The count check at close: ballots counted against voters marked as voted.
    ballots_counted = models.PositiveIntegerField(null=True, blank=True)
    voters_marked = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="poll_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def accepting_at(self, when: dt.datetime) -> bool:
        """True if a vote arriving at WHEN may be counted."""
        return self.state == PollState.OPEN and self.opens_at <= when < self.closes_at

    @property
    def count_ok(self) -> bool | None:
        if self.ballots_counted is None or self.voters_marked is None:
            return None
        return self.ballots_counted == self.voters_marked

    @property
    def has_results(self) -> bool:
        return self.state in (PollState.CLOSED, PollState.PUBLISHED)


class Choice(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="choice_unique_position"),
            models.UniqueConstraint(fields=["poll", "label"], name="choice_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label


class Voter(models.Model):
    """One elector on a poll's roll. Holds whether they voted, never when or how."""

    # Indexed through voter_unique_key, which starts with the poll.
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters", db_index=False)
    # "member:<id>" for members; the meetings app uses its own keys for attendees and delegates.
    key = models.CharField(max_length=80)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weight = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("1"))
    has_voted = models.BooleanField(default=False)
    # Changing the nonce revokes the voter's personal link.
    nonce = models.CharField(max_length=24)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "key"], name="voter_unique_key"),
            models.UniqueConstraint(
                fields=["poll", "member"],
                condition=Q(member__isnull=False),
                name="voter_unique_member",
            ),
        ]
        # Turnout by branch reads (poll, branch) and the rows. has_voted stays out of every
        # index so that marking a voter is a heap-only (HOT) update that touches no index;
        # the table keeps free room on each page for it (migration 0002).
        indexes = [models.Index(fields=["poll", "branch"], name="voter_turnout")]

    def __str__(self) -> str:
        return f"voter {self.pk} of poll {self.poll_id}"


class CastVote(models.Model):
    """A ballot slot: empty (choice None) until some voter fills it. Nothing here names a voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed through castvote_unique_receipt, which starts with the poll.
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Drawn when the slot is made and handed to whoever fills it; published with the choice.
    receipt = models.CharField(max_length=20)
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    weight = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "receipt"], name="castvote_unique_receipt")
        ]
        indexes = [
            # Finding a free slot from a random starting id.
            models.Index(
                fields=["poll", "id"], condition=Q(choice__isnull=True), name="castvote_free_slot"
            )
        ]

    def __str__(self) -> str:
        return f"ballot {self.receipt}"
