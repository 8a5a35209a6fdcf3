"""Changes to the member register."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import Branch, User
from mandate.members.models import Employment, Member, MemberChange, Segment

# Fields an officer may change on the member form or through an import.
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "personal_email",
    "work_email",
    "mobile",
    "other_phone",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "status",
    "join_date",
    "subscription_band",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "do_not_contact",
    "notes",
)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@transaction.atomic
def member_create(
    *,
    branch: Branch,
    membership_number: str,
    first_name: str,
    last_name: str,
    actor: User | None = None,
    employments: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Member:
    """Add a member to BRANCH's register."""
    if Member.objects.filter(membership_number=membership_number).exists():
        raise DomainError(f"Membership number {membership_number} is already on the register.")
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"user"}
    if unknown:
        raise DomainError(f"Unknown member fields: {', '.join(sorted(unknown))}.")
    member = Member.objects.create(
        branch=branch,
        membership_number=membership_number,
        first_name=first_name,
        last_name=last_name,
        **fields,
    )
    for employment in employments or []:
        Employment.objects.create(member=member, **employment)
    MemberChange.objects.create(member=member, actor=actor, source="create", changes={})
    audit_record(actor=actor, action="member.create", obj=member, branch=branch)
    return member


@transaction.atomic
def member_update(
    *, member: Member, changes: dict[str, Any], actor: User | None, source: str = "edit"
) -> list[str]:
    """Change MEMBER's fields; record the history and the audit event. Return the changed names."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    diff: dict[str, list[Any]] = {}
    for name, new in changes.items():
        old = getattr(member, name)
        if old != new:
            diff[name] = [_jsonable(old), _jsonable(new)]
            setattr(member, name, new)
    if not diff:
        return []
    member.updated_at = timezone.now()
    member.save(update_fields=[*diff, "updated_at"])
    MemberChange.objects.create(member=member, actor=actor, source=source, changes=diff)
    audit_record(
        actor=actor,
        action="member.update",
        obj=member,
        branch=member.branch,
        detail={"fields": sorted(diff), "source": source},
    )
    return sorted(diff)


@transaction.atomic
def segment_save(
    *, branch: Branch | None, name: str, filters: dict[str, Any], actor: User | None
) -> Segment:
    """Save (or replace) a named filter over the register."""
    name = name.strip()
    if not name:
        raise DomainError("Give the segment a name.")
    segment, created = Segment.objects.update_or_create(
        branch=branch, name=name, defaults={"filters": filters, "created_by": actor}
    )
    audit_record(
        actor=actor,
        action="segment.create" if created else "segment.update",
        obj=segment,
        branch=branch,
        detail={"filters": sorted(filters)},
    )
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, actor: User | None) -> None:
    """Remove a saved segment."""
    audit_record(actor=actor, action="segment.delete", obj=segment, branch=segment.branch)
    segment.delete()


@transaction.atomic
def members_export_record(
    *,
    branch: Branch,
    actor: User | None,
    rows: int,
    filter_names: list[str],
    segment: Segment | None = None,
    salary: bool = False,
) -> None:
    """Record that ROWS members of BRANCH left the system in an export (names, never values)."""
    audit_record(
        actor=actor,
        action="members.export",
        obj=segment,
        branch=branch,
        detail={
            "rows": rows,
            "filters": sorted(filter_names),
            "segment": segment.pk if segment is not None else None,
            "salary": salary,
        },
    )
