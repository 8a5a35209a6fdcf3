"""What the photos app holds about a member: the photos they sent (found through their login)."""

from __future__ import annotations

from mandate.core.privacy.registry import declare

declare(
    "photos.Photo",
    kind="photos_sent",
    title="Photos you sent from the line",
    member=("uploaded_by__member",),
    fields=(
        "id",
        "dispute__name",
        "site__name",
        "caption",
        "taken_on",
        "consent_note",
        "status",
        "uploaded_at",
    ),
    # The people in a photo agreed to the campaign using it; the sender's link is what is
    # theirs. Someone who is in a photo and withdraws consent has it taken down from its page.
    erase={"uploaded_by": None, "consent_note": ""},
    note="Photos stay in the gallery without the sender; their captions hold no surnames.",
)
