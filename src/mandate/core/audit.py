"""Writing to the audit log. Callers pass ids, counts and field names, never personal data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models

from mandate.core.models import AuditEvent, Branch, Region, User


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    branch: Branch | None = None,
    region: Region | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log."""
    region_id: int | None = region.pk if region is not None else None
    if branch is not None and region is None:
        region_id = branch.region_id
    return AuditEvent.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        branch=branch,
        region_id=region_id,
        detail=detail or {},
    )
