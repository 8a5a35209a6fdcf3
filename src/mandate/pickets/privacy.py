"""What the picketing app holds about a member, and what erasure does to it."""

from __future__ import annotations

from mandate.core.privacy.registry import DELETE, KEEP, declare

declare(
    "pickets.Signup",
    kind="picket_signups",
    title="Picket shifts you signed up for",
    member=("member",),
    fields=(
        "id",
        "shift__site__name",
        "shift__date",
        "entrance__name",
        "source",
        "created_at",
        "cancelled_at",
        "reminded_at",
    ),
    erase=KEEP,
    note="Kept for the rota's head counts; nothing in it names the member.",
)
declare(
    "pickets.Attendance",
    kind="picket_attendance",
    title="Picket lines you were checked in at",
    member=("member",),
    fields=("id", "site__name", "date", "method", "at"),
    erase=KEEP,
    note="Kept for the attendance counts per site and day.",
)
declare(
    "pickets.PicketLink",
    kind="picket_links",
    title="Your personal picket sign-up link",
    member=("member",),
    fields=("id", "created_at"),
    secret=("nonce",),
    erase=DELETE,
)
declare(
    "pickets.PicketSite",
    kind="picket_supervision",
    title="Picket sites you were the named supervisor of",
    member=("supervisor",),
    fields=("id", "name", "workplace__name", "supervisor_phone", "created_at"),
    secret=("checkin_nonce", "supporter_nonce"),
    erase={"supervisor": None, "supervisor_phone": ""},
    note="The site stays; it loses its named supervisor and the phone number.",
)
