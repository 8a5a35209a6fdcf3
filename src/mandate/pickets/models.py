"""Picket lines: sites and their entrances, shifts on strike days, who signed up, who turned up,
and what happened on the line.

Supporters who are not members (students, other unions' members) live in their own table, never
in the member register: they are not the union's to ballot, call or message as members.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.models import Branch, Workplace


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class PicketSite(models.Model):
    """A place a branch pickets: at or near a workplace (s220), with one or more entrances."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="picket_sites")
    workplace = models.ForeignKey(Workplace, on_delete=models.PROTECT, related_name="picket_sites")
    name = models.CharField(max_length=200)
    meeting_point = models.CharField(
        max_length=300, blank=True, help_text="Where pickets gather, as a member would find it."
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="picket_sites_organised",
    )
    # s220A (regime B): a union official or member familiar with the Code, named in a letter of
    # authorisation, identifiable and contactable.
    supervisor = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supervisor_phone = models.CharField(max_length=20, blank=True)
    # Rotating either nonce revokes every QR code or supporter link handed out so far.
    checkin_nonce = models.CharField(max_length=32, default=new_nonce)
    supporter_nonce = models.CharField(max_length=32, default=new_nonce)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="picket_site_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Entrance(models.Model):
    site = models.ForeignKey(PicketSite, on_delete=models.CASCADE, related_name="entrances")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="picket_entrance_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PicketShift(models.Model):
    """One stretch of time at one site on one day of action."""

    site = models.ForeignKey(PicketSite, on_delete=models.CASCADE, related_name="shifts")
    action = models.ForeignKey(
        "actions.Action", on_delete=models.CASCADE, related_name="picket_shifts"
    )
    date = models.DateField()
    starts = models.TimeField()
    ends = models.TimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "starts", "site__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "date", "starts"], name="picket_shift_unique_start"
            ),
            models.CheckConstraint(
                name="picket_shift_ends_after_start",
                condition=models.Q(ends__gt=models.F("starts")),
            ),
        ]
        indexes = [models.Index(fields=["date"], name="picket_shift_date")]

    def __str__(self) -> str:
        return f"{self.date:%a %d %b} {self.starts:%H:%M}-{self.ends:%H:%M}"

    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.starts))

    def ends_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.ends))


class SupporterKind(models.TextChoices):
    STUDENT = "student", "Student"
    OTHER_UNION = "other_union", "Member of another union"
    COMMUNITY = "community", "Community supporter"
    OTHER = "other", "Other"


class Supporter(models.Model):
    """Someone who is not a member and stands on a picket line in solidarity: minimal data only."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="picket_supporters")
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    email = models.EmailField(blank=True)
    kind = models.CharField(
        max_length=15, choices=SupporterKind.choices, default=SupporterKind.OTHER
    )
    # Consent to hold these details to organise picket shifts and to be reminded of them.
    consent_at = models.DateTimeField()
    # Set when they asked (from their own link, or by replying STOP) to get no more reminders.
    reminders_stopped_at = models.DateTimeField(null=True, blank=True)
    nonce = models.CharField(max_length=32, default=new_nonce)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="supporter_has_contact", condition=~models.Q(phone="") | ~models.Q(email="")
            )
        ]

    def __str__(self) -> str:
        return f"Supporter {self.pk}"


class SignupSource(models.TextChoices):
    LINK = "link", "Personal link"
    LOGIN = "login", "Logged in"
    ORGANISER = "organiser", "Added by the organiser"
    SUPPORTER = "supporter", "Supporter sign-up"


class Signup(models.Model):
    """A member or a supporter rostered on a shift; cancelling keeps the row for the record."""

    shift = models.ForeignKey(PicketShift, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="picket_signups",
    )
    supporter = models.ForeignKey(
        Supporter, null=True, blank=True, on_delete=models.CASCADE, related_name="signups"
    )
    entrance = models.ForeignKey(
        Entrance, null=True, blank=True, on_delete=models.SET_NULL, related_name="signups"
    )
    source = models.CharField(max_length=10, choices=SignupSource.choices)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shift", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="signup_one_person",
                condition=models.Q(member__isnull=False, supporter__isnull=True)
                | models.Q(member__isnull=True, supporter__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["shift", "member"],
                condition=models.Q(cancelled_at__isnull=True, member__isnull=False),
                name="signup_one_live_per_member",
            ),
            models.UniqueConstraint(
                fields=["shift", "supporter"],
                condition=models.Q(cancelled_at__isnull=True, supporter__isnull=False),
                name="signup_one_live_per_supporter",
            ),
        ]

    def __str__(self) -> str:
        return f"Sign-up {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.cancelled_at is None


class CheckInMethod(models.TextChoices):
    QR = "qr", "Scanned the site's code"
    ORGANISER = "organiser", "Checked in by the organiser"


class Attendance(models.Model):
    """One person on the line at one site on one day. Retries and second scans find this row."""

    site = models.ForeignKey(PicketSite, on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField()
    action = models.ForeignKey(
        "actions.Action", on_delete=models.CASCADE, related_name="picket_attendance"
    )
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="picket_attendance",
    )
    # A supporter's details go after the retention period; their check-ins stay, as nobody's,
    # so the attendance of earlier rounds does not shrink.
    supporter = models.ForeignKey(
        Supporter, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendance"
    )
    method = models.CharField(max_length=10, choices=CheckInMethod.choices)
    at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date", "at", "id"]
        constraints = [
            # A member or a supporter, never both; neither once a supporter's details are gone.
            models.CheckConstraint(
                name="attendance_at_most_one_person",
                condition=models.Q(member__isnull=True) | models.Q(supporter__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["site", "date", "member"],
                condition=models.Q(member__isnull=False),
                name="attendance_once_per_member_day",
            ),
            models.UniqueConstraint(
                fields=["site", "date", "supporter"],
                condition=models.Q(supporter__isnull=False),
                name="attendance_once_per_supporter_day",
            ),
        ]
        indexes = [models.Index(fields=["action", "date"], name="attendance_action_date")]

    def __str__(self) -> str:
        return f"Attendance {self.pk}"


class IncidentKind(models.TextChoices):
    POLICE = "police", "Police contact"
    EMPLOYER = "employer", "Employer approach"
    INJURY = "injury", "Injury"
    LETTER_SHOWN = "letter_shown", "Letter of authorisation shown"
    OTHER = "other", "Other"


class Incident(models.Model):
    """Something that happened on the line, logged with its time and who wrote it down."""

    site = models.ForeignKey(PicketSite, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=15, choices=IncidentKind.choices)
    happened_at = models.DateTimeField()
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.happened_at:%Y-%m-%d %H:%M}"


class PicketLink(models.Model):
    """The nonce inside a member's personal picket link; a new nonce revokes the old link."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="picket_link"
    )
    nonce = models.CharField(max_length=32, default=new_nonce)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Picket link {self.pk}"


class ReminderState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"


class ReminderChannel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


REMINDER_REASONS = {
    "no_consent": "no consent to reminders",
    "stopped": "asked for no reminders",
    "work_address": "only an employer's email address",
    "no_address": "no mobile number or personal email",
    "rejected": "the provider refused the address",
    "gave_up": "the provider was unavailable",
    "cancelled": "the sign-up was cancelled",
    "too_late": "texting hours opened after the shift began",
}


class SupporterReminder(models.Model):
    """One shift reminder to one supporter: the supporters' own small outbox.

    Messaging's queue addresses members only; supporters are not members, so their reminders
    wait here and go out through the same channel backends (see ``supporter_reminders``).
    """

    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="supporter_reminders")
    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=5, choices=ReminderChannel.choices)
    address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    # The backends' idempotency key: a second hand-over of one reminder delivers nothing new.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        max_length=10, choices=ReminderState.choices, default=ReminderState.QUEUED
    )
    reason = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup", "channel"], name="supporter_reminder_once_per_channel"
            )
        ]
        indexes = [models.Index(fields=["state", "not_before"], name="supporter_reminder_due")]

    def __str__(self) -> str:
        return f"Supporter reminder {self.pk}"

    def mark(self) -> str:
        """What the organiser sees next to the supporter on the rota."""
        how = "by text" if self.channel == ReminderChannel.SMS else "by email"
        if self.state == ReminderState.SENT:
            when = timezone.localtime(self.sent_at) if self.sent_at else None
            return f"Reminded {how}" + (f" at {when:%H:%M %a %-d %b}" if when else "")
        if self.state in (ReminderState.QUEUED, ReminderState.SENDING):
            return f"Reminder {how} on its way"
        return "Not reminded: " + REMINDER_REASONS.get(self.reason, "could not be sent")
