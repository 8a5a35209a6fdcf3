"""Photos from the picket line for the union's campaign.

Only the cleaned image is ever stored: the upload is decoded, its pixels copied into a fresh image
and re-encoded, so camera make and model, GPS position, timestamps, comments and XMP never reach
the disk (see images.py). File names are random; files are served only through permission-checked
views, never from a public media URL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.models import Branch
from mandate.disputes.models import Dispute


class PhotoStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting an officer's check"
    APPROVED = "approved", "Approved for the campaign"


class Photo(models.Model):
    # A random key: photo addresses cannot be guessed or counted.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="photos")
    # The uploader's branch (None for a national officer): the gallery filters by it.
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The picket line it was taken at, when the sender says.
    site = models.ForeignKey(
        "pickets.PicketSite",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
    )
    caption = models.CharField(max_length=300, blank=True)
    taken_on = models.DateField(default=timezone.localdate)
    image = models.FileField(upload_to="photos/")
    thumbnail = models.FileField(upload_to="photos/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Consent: the uploader confirms that everyone identifiable agreed to the campaign use.
    consent_confirmed = models.BooleanField()
    consent_note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=PhotoStatus.choices, default=PhotoStatus.SUBMITTED
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-taken_on", "-uploaded_at"]
        indexes = [models.Index(fields=["dispute", "-taken_on"], name="photo_dispute_day")]
        constraints = [
            models.CheckConstraint(
                name="photo_needs_consent", condition=models.Q(consent_confirmed=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk}"
