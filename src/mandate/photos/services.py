"""Taking in, approving and taking down photos. Every step is audited without personal data."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mandate.core import policy
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import User
from mandate.disputes.models import Dispute
from mandate.photos import images
from mandate.photos.models import Photo, PhotoStatus
from mandate.pickets.models import PicketSite


def sites_for(dispute: Dispute, actor: User) -> QuerySet[PicketSite]:
    """The picket lines a photo of DISPUTE may be filed under: the dispute's branch's, or for a
    national dispute the sender's own branch's (all of them for a national officer)."""
    if dispute.branch_id is not None:
        return PicketSite.objects.filter(branch_id=dispute.branch_id)
    member = policy.own_member(actor)
    if member is not None:
        return PicketSite.objects.filter(branch_id=member.branch_id)
    return PicketSite.objects.filter(
        branch__in=policy.branches_with(actor, policy.Perm.VIEW_DISPUTES)
    )


def upload(
    *,
    dispute: Dispute,
    actor: User,
    upload: IO[bytes],
    size: int,
    consent_confirmed: bool,
    caption: str = "",
    consent_note: str = "",
    taken_on: dt.date | None = None,
    site: PicketSite | None = None,
) -> Photo:
    """Clean the upload and keep it in DISPUTE's gallery."""
    if not consent_confirmed:
        raise DomainError(
            "Confirm that everyone who can be recognised in the photo agreed to it being used "
            "for the union's campaign."
        )
    today = timezone.localdate()
    if taken_on is not None and taken_on > today:
        raise DomainError("The day the photo was taken cannot be in the future.")
    member = policy.own_member(actor)
    if site is not None and site not in sites_for(dispute, actor):
        raise DomainError("Choose one of the branch's picket lines.")
    cleaned = images.clean(upload, size)
    photo = Photo(
        id=uuid.uuid4(),
        dispute=dispute,
        branch=member.branch if member is not None else dispute.branch,
        site=site,
        caption=caption.strip(),
        consent_note=consent_note.strip(),
        consent_confirmed=True,
        taken_on=taken_on or today,
        width=cleaned.width,
        height=cleaned.height,
        uploaded_by=actor,
    )
    # Random file names: nothing in a path says who took it, where or when.
    photo.image.save(f"{photo.id.hex}.jpg", ContentFile(cleaned.full), save=False)
    photo.thumbnail.save(f"{photo.id.hex}.jpg", ContentFile(cleaned.thumbnail), save=False)
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
            audit_record(
                actor=actor,
                action="photo.upload",
                obj=photo,
                branch=dispute.branch,
                detail={"dispute": dispute.pk, "bytes": len(cleaned.full)},
            )
    except BaseException:
        _delete_files(photo)
        raise
    return photo


def approve(*, photo: Photo, actor: User) -> Photo:
    with transaction.atomic():
        updated = Photo.objects.filter(pk=photo.pk, status=PhotoStatus.SUBMITTED).update(
            status=PhotoStatus.APPROVED, approved_by=actor, approved_at=timezone.now()
        )
        if not updated:
            raise InvalidState("This photo is already approved.")
        audit_record(actor=actor, action="photo.approve", obj=photo, branch=photo.dispute.branch)
    photo.refresh_from_db()
    return photo


def take_down(*, photo: Photo, actor: User, reason: str) -> None:
    """Delete the photo and its files (consent withdrawn, or not fit for the campaign)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="photo.take_down",
            obj=photo,
            branch=photo.dispute.branch,
            detail={"reason": reason},
        )
        photo.delete()
    _delete_files(photo)


def _delete_files(photo: Photo) -> None:
    for field in (photo.image, photo.thumbnail):
        if field.name:
            field.storage.delete(field.name)
