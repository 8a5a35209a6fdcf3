"""Erasure: remove or pseudonymise a member's personal data, keeping every count intact.

Rows that turnout, tallies, receipt lists or frozen electorates are counted from stay, with
their free text and contact details blanked; the member row stays under a pseudonym
("erased-<id>"). Secret ballots are untouched: no row links a voter to a ballot slot.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.utils import timezone

from mandate.core.audit import audit_record
from mandate.core.models import User
from mandate.core.privacy.access import _member_q
from mandate.core.privacy.registry import DELETE, KEEP, Personal, declarations
from mandate.members.models import Member

ERASED_PREFIX = "erased-"


class ErasureError(Exception):
    """An erasure that cannot go ahead, with the reason."""


def is_erased(member: Member) -> bool:
    return member.membership_number.startswith(ERASED_PREFIX)


def _apply(entry: Personal, member: Member) -> int:
    qs = entry.model_class._default_manager.filter(_member_q(entry.member, member))
    if len(entry.member) > 1:
        qs = qs.distinct()
    if entry.erase == KEEP:
        return qs.count()
    if entry.erase == DELETE:
        pks = list(qs.values_list("pk", flat=True))
        _delete_files(entry, pks)
        entry.model_class._default_manager.filter(pk__in=pks).delete()
        return len(pks)
    assert not isinstance(entry.erase, str)  # noqa: S101 - KEEP and DELETE are handled above
    fixed = {k: v for k, v in entry.erase.items() if not callable(v)}
    per_row: dict[str, Callable[[models.Model], Any]] = {
        k: v for k, v in entry.erase.items() if callable(v)
    }
    pks = list(qs.values_list("pk", flat=True))
    manager = entry.model_class._default_manager
    _delete_files(entry, pks)
    if fixed:
        manager.filter(pk__in=pks).update(**fixed)
    if per_row:
        for row in manager.filter(pk__in=pks):
            manager.filter(pk=row.pk).update(**{k: fn(row) for k, fn in per_row.items()})
    return len(pks)


def _delete_files(entry: Personal, pks: list[Any]) -> None:
    """Remove from storage the uploaded files that erasure blanks (or whose rows it deletes)."""
    model = entry.model_class
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.FileField):
            continue
        if entry.erase != DELETE and (isinstance(entry.erase, str) or f.name not in entry.erase):
            continue
        names = model._default_manager.filter(pk__in=pks).exclude(**{f.attname: ""})
        for name in names.values_list(f.attname, flat=True):
            # After commit: a rolled-back erasure must not have lost the files.
            transaction.on_commit(partial(f.storage.delete, str(name)))


def member_erase(*, member: Member, actor: User | AnonymousUser | None) -> dict[str, int]:
    """Erase MEMBER's personal data; return the rows touched per kind (no personal data)."""
    entries = declarations()
    register = entries["members.member"]
    # The member row goes last: other lookups reach the member (and their login) through it.
    order = [e for e in entries.values() if e is not register] + [register]
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if is_erased(locked):
            raise ErasureError(f"Member record {locked.pk} has already been erased.")
        counts = {entry.kind: _apply(entry, locked) for entry in order}
        Member.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="member.erase",
            obj=locked,
            branch=locked.branch,
            detail={"rows": {k: v for k, v in counts.items() if v}},
        )
    member.refresh_from_db()
    return counts
