"""Messages to members by email and text: sends, one message per recipient, opt-outs, and the
delivery log. Nothing here is ever addressed to a work address (see ``rules``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.models import Branch, Employer
from mandate.members.models import Member, Segment


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text (SMS)"


class MessageState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Reason(models.TextChoices):
    """Why a message was skipped or failed. Texting hours never skip: they defer."""

    NOT_MEMBER = "not_member", "No longer a member"
    DO_NOT_CONTACT = "do_not_contact", "Marked do not contact"
    NO_CONSENT = "no_consent", "No consent for this channel"
    OPTED_OUT = "opted_out", "Opted out"
    WORK_ADDRESS = "work_address", "Only a work email address"
    NO_ADDRESS = "no_address", "No personal email or mobile"
    REJECTED = "rejected", "Refused by the provider"
    GAVE_UP = "gave_up", "Gave up after repeated failures"
    UNDELIVERABLE = "undeliverable", "Reported undeliverable"
    NO_LINK = "no_link", "No personal link for this member"


def reason_label(reason: str, channel: str) -> str:
    """The reason as an officer reads it, naming the channel's address where that helps."""
    if reason == Reason.NO_ADDRESS:
        return "No mobile number" if channel == Channel.SMS else "No email address"
    return str(dict(Reason.choices).get(reason, reason))


class Send(models.Model):
    """One message composed by an officer and sent to a set of members on one channel."""

    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="sends"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    subject = models.CharField(max_length=200, blank=True)
    template = models.TextField()
    link = models.URLField(blank=True)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends"
    )
    # Who it went to, in words: the segment's name or the caller's description of its query.
    audience = models.CharField(max_length=200)
    # The compose form's one-time key: a second click on "Send" finds this row, not a new send.
    request_key = models.UUIDField(unique=True, default=uuid.uuid4)
    recipient_count = models.PositiveIntegerField(default=0)
    queued_count = models.PositiveIntegerField(default=0)
    skipped_counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["branch", "-created_at"], name="send_branch_created")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.audience}"


class Message(models.Model):
    """One message to one member on one channel, with the address it was rendered for."""

    # Given to providers and written by the file backend: the idempotency key of a delivery.
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique constraint and the (send, state) index both start with it.
    send = models.ForeignKey(
        Send, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    address = models.CharField(max_length=254, blank=True)
    body = models.TextField(blank=True)
    state = models.CharField(
        max_length=8, choices=MessageState.choices, default=MessageState.QUEUED
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not to be sent before this moment: texting hours, or a back-off after a failure.
    not_before = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["send", "member", "channel"], name="message_once_per_member"
            )
        ]
        indexes = [
            models.Index(fields=["send", "state"], name="message_send_state"),
            # Partial: a message changes state twice on its way out, and every index on it is
            # written each time; these two only hold the few rows they are for.
            models.Index(
                fields=["claimed_at"],
                name="message_sending_claimed",
                condition=models.Q(state="sending"),
            ),
            models.Index(
                fields=["provider_id"],
                name="message_provider_id",
                condition=~models.Q(provider_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} ({self.state})"


class OptOutSource(models.TextChoices):
    STOP_REPLY = "stop_reply", "Replied STOP"
    MEMBER_LINK = "member_link", "Used the unsubscribe link"
    OFFICER = "officer", "Recorded by an officer"


class OptOut(models.Model):
    """A member's refusal of one channel; consent flags aside, nothing is sent on it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="opt_outs")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    source = models.CharField(max_length=12, choices=OptOutSource.choices)
    at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "channel"], name="optout_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"Opt-out of {self.channel} ({self.source})"


class DeliveryEventKind(models.TextChoices):
    SENT = "sent", "Accepted by the provider"
    DEFERRED = "deferred", "Deferred to texting hours"
    RETRY = "retry", "Failed for now; will retry"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped at sending"
    REQUEUED = "requeued", "Returned to the queue after a worker stopped"
    DELIVERED = "delivered", "Delivered"


class DeliveryEvent(models.Model):
    """The delivery log. Holds states, codes and counts; never an address or a message body."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=DeliveryEventKind.choices)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"


class EmployerEmailDomain(models.Model):
    """A mail domain an employer runs (``liverpool.ac.uk``): mail there may be read by them."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="email_domains")
    domain = models.CharField(max_length=253)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "domain"], name="employer_domain_unique")
        ]

    def __str__(self) -> str:
        return self.domain
