"""Data-protection declarations for the register and the apps built with it.

Later apps declare their own models in ``<app>/privacy.py``. Erasure keeps every row that a
count, a turnout figure, a tally or a receipt list is made from, and blanks the free text and
contact details in it; the member row itself is pseudonymised in place so frozen electorates
and rolls keep their numbers (see ``mandate.core.privacy.erasure``).
"""

from __future__ import annotations

import secrets

from django.db import models

from mandate.core.privacy.registry import DELETE, KEEP, declare


def _erased_number(row: models.Model) -> str:
    return f"erased-{row.pk}"


def _new_nonce(row: models.Model) -> str:
    # A fresh nonce revokes every personal link sent before erasure.
    return secrets.token_urlsafe(12)[:20]


declare(
    "members.Member",
    kind="register",
    title="Your register record",
    member=("pk",),
    secret=("user",),
    erase={
        "membership_number": _erased_number,
        "first_name": "Erased",
        "last_name": "member",
        "personal_email": "",
        "work_email": "",
        "mobile": "",
        "other_phone": "",
        "address_line1": "",
        "address_line2": "",
        "town": "",
        "postcode": "",
        "subscription_band": "",
        "notes": "",
        "join_date": None,
        "consent_email": False,
        "consent_sms": False,
        "consent_phone": False,
        "do_not_contact": True,
        "user": None,
    },
    note="Kept as a pseudonymous row so frozen electorates and turnout counts stay the same.",
)
declare(
    "core.User",
    kind="account",
    title="Your login",
    member=("member",),
    fields=("id", "username", "first_name", "last_name", "email", "date_joined", "last_login"),
    erase={
        "username": lambda row: f"erased-{row.pk}",
        "first_name": "",
        "last_name": "",
        "email": "",
        "password": "!erased",
        "is_active": False,
    },
    note="The login is disabled and renamed; the audit log keeps its id, never a name.",
)
declare(
    "core.Role",
    kind="roles",
    title="Roles you hold in the union",
    member=("user__member",),
    fields=("id", "kind", "branch__name", "region__name", "title", "created_at"),
    erase=DELETE,
)
declare(
    "members.Employment",
    kind="employment",
    title="Your employment as the register holds it",
    member=("member",),
    fields=(
        "id",
        "employer__name",
        "workplace__name",
        "department__name",
        "job_category",
        "grade",
        "contract_type",
        "fte",
        "annual_salary",
        "start_date",
        "end_date",
    ),
    erase={"annual_salary": None, "grade": ""},
    note="Employer and workplace stay for the counts electorates are built from.",
)
declare(
    "members.MemberChange",
    kind="register_history",
    title="Changes to your register record",
    member=("member",),
    fields=("id", "at", "source", "changes"),
    erase=DELETE,
)
declare(
    "messaging.Message",
    kind="messages",
    title="Messages the union sent you",
    member=("member",),
    fields=(
        "id",
        "send__subject",
        "channel",
        "address",
        "body",
        "state",
        "reason",
        "created_at",
        "sent_at",
        "delivered_at",
    ),
    secret=("claim_token", "provider_id"),
    erase={"address": "", "body": ""},
    note="Kept without address or text: the send's delivery counts are made from these rows.",
)
declare(
    "messaging.DeliveryEvent",
    kind="message_delivery",
    title="Delivery reports for messages sent to you",
    member=("message__member",),
    fields=("id", "message_id", "at", "kind", "detail"),
    erase=KEEP,
)
declare(
    "messaging.OptOut",
    kind="opt_outs",
    title="Channels you opted out of",
    member=("member",),
    fields=("id", "channel", "source", "at"),
    erase=KEEP,
    note="Kept so nothing is ever sent on a refused channel.",
)
declare(
    "turnout.ContactStatus",
    kind="gtvo_status",
    title="What you told the union about your ballot paper (current answer per ballot)",
    member=("member",),
    fields=("id", "ballot__name", "status", "source", "at", "says_voted", "contacted"),
    secret=("nonce",),
    erase={"nonce": lambda row: secrets.token_urlsafe(24)[:32]},
    note="Kept for the ballot's turnout counts; the personal link is revoked.",
)
declare(
    "turnout.ContactEvent",
    kind="gtvo_contacts",
    title="Get the Vote Out reports about your ballot paper",
    member=("member",),
    fields=("id", "ballot__name", "status", "source", "at", "note", "applied"),
    erase={"note": ""},
)
declare(
    "turnout.ReplacementRequest",
    kind="replacement_papers",
    title="Replacement ballot papers you asked for",
    member=("member",),
    fields=(
        "id",
        "ballot__name",
        "at",
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "exported_at",
    ),
    erase={"address_line1": "", "address_line2": "", "town": "", "postcode": ""},
)
declare(
    "calls.CallTarget",
    kind="call_lists",
    title="Phone-bank lists you were on",
    member=("member",),
    fields=(
        "id",
        "assignment__name",
        "state",
        "attempts",
        "reached",
        "last_outcome",
        "last_called_at",
        "call_back_at",
    ),
    erase=KEEP,
)
declare(
    "calls.CallLog",
    kind="calls",
    title="Calls made to you",
    member=("target__member",),
    fields=("id", "at", "outcome", "call_back_at", "note"),
    erase={"note": ""},
)
declare(
    "ballots.ElectorateExclusion",
    kind="ballot_exclusions",
    title="Ballots you were left out of, and why",
    member=("member",),
    fields=("id", "ballot__name", "reason", "note", "created_at"),
    erase={"note": ""},
)
declare(
    "ballots.ElectorateEntry",
    kind="ballot_electorates",
    title="Statutory ballots you were entitled to vote in",
    member=("member",),
    fields=(
        "id",
        "constituency__ballot__name",
        "constituency__name",
        "entitled",
        "exclusion_reason",
    ),
    erase=KEEP,
    note="Kept: the entitled count is the denominator of turnout (s226) and must not change.",
)
declare(
    "meetings.Delegate",
    kind="meeting_delegate",
    title="Meetings you were a delegate to",
    member=("member",),
    fields=("id", "meeting__title", "branch__name", "name", "weight"),
    secret=("nonce",),
    erase={"name": "Erased delegate", "nonce": _new_nonce},
    note="Kept for the card-vote tallies; the name is replaced and the card link revoked.",
)
declare(
    "meetings.Attendance",
    kind="meeting_attendance",
    title="Meetings you attended",
    member=("member", "delegate__member"),
    fields=("id", "meeting__title", "meeting__starts_at", "checked_in_at", "method"),
    erase=KEEP,
    note="Kept for quorum and attendance counts.",
)
declare(
    "meetings.NamedVote",
    kind="meeting_named_votes",
    title="Your recorded votes at meetings (roll-call votes only)",
    member=("attendance__member",),
    fields=("id", "vote__meeting__title", "choice"),
    erase=KEEP,
)
declare(
    "meetings.CardVote",
    kind="meeting_card_votes",
    title="Card votes you cast as a delegate",
    member=("delegate__member",),
    fields=("id", "vote__meeting__title", "weight_for", "weight_against", "weight_abstain"),
    erase=KEEP,
)
declare(
    "actions.CalendarToken",
    kind="calendar_links",
    title="Your action calendar links",
    member=("member",),
    fields=("id", "created_at", "revoked_at"),
    secret=("token",),
    erase=DELETE,
)
declare(
    "votes.Voter",
    kind="e_ballot_roll",
    title="E-ballots you were on the roll of, and whether you have voted (never how)",
    member=("member",),
    fields=("id", "poll__title", "has_voted"),
    secret=("nonce", "key"),
    erase={"nonce": _new_nonce},
    note="Kept: the roll's turnout count. No row links a voter to a ballot, so secrecy holds.",
)
declare(
    "otp_totp.TOTPDevice",
    kind="two_factor_apps",
    title="Authenticator apps set up for your login",
    member=("user__member",),
    fields=("id", "name", "confirmed"),
    erase=DELETE,
)
declare(
    "otp_static.StaticDevice",
    kind="two_factor_backup_codes",
    title="Backup code sets for your login (never the codes)",
    member=("user__member",),
    fields=("id", "name", "confirmed"),
    erase=DELETE,
)
