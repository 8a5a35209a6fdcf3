"""What each process remembers about a user's access between their requests: the grants worked
out from their roles, and whether they have a confirmed authenticator app.

Both used to cost queries on every request (four for the roles and their reach, one for the
device) although they change a few times a year. An entry is kept per user with the
``User.access_version`` it was worked out under, and used only while the user row (read on
every request anyway, so the check costs nothing) still carries that version. Every change to
a user's roles, a rep's workplaces and departments, a branch's region or a user's devices bumps
the version in the same transaction (the receivers below, connected in ``CoreConfig.ready``),
so the next request of that user, in any process, works them out again.

The receivers hold no business rule: they only say that what was remembered is out of date,
whichever code path (actions, the admin, django-otp's own code) made the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from mandate.core.models import Branch, Role, User

# user id -> (stamp, {what: value}). Bounded: cleared when it grows past MAX users.
_MEMO: dict[int, tuple[tuple[int, Any], dict[str, Any]]] = {}
MAX = 20_000


def _stamp(user: User | AnonymousUser) -> tuple[int, tuple[int, Any]] | None:
    # The join date tells apart two accounts given the same id, as SQLite can after a
    # rolled-back insert (and does between tests).
    version = getattr(user, "access_version", None)
    pk = user.pk
    if version is None or pk is None:
        return None
    return pk, (version, getattr(user, "date_joined", None))


def recall(what: str, user: User | AnonymousUser) -> Any | None:
    """The value remembered for USER under WHAT, if it was worked out under their current
    access version; else None."""
    stamp = _stamp(user)
    found = _MEMO.get(stamp[0]) if stamp is not None else None
    if stamp is None or found is None or found[0] != stamp[1]:
        return None
    return found[1].get(what)


def remember(what: str, user: User | AnonymousUser, value: Any) -> None:
    stamp = _stamp(user)
    if stamp is None:
        return
    pk, current = stamp
    found = _MEMO.get(pk)
    if found is not None and found[0] == current:
        found[1][what] = value
        return
    if len(_MEMO) >= MAX:
        _MEMO.clear()
    _MEMO[pk] = (current, {what: value})


def forget(user_ids: Iterable[int]) -> None:
    """Drop this process's entries for USER_IDS."""
    for user_id in user_ids:
        _MEMO.pop(user_id, None)


def access_changed(user_ids: Iterable[int]) -> None:
    """Mark what every process remembers about USER_IDS as out of date."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return
    User.objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)
    forget(ids)


def _role_saved_or_deleted(sender: type[Model], instance: Role, **kwargs: Any) -> None:
    access_changed([instance.user_id])


def _reach_changed(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if not reverse:
        if action in {"post_add", "post_remove", "post_clear"}:
            access_changed([instance.user_id])  # type: ignore[attr-defined]
    elif action == "pre_clear":
        # A workplace or department taken off every role: find those roles before the rows go.
        field = "workplaces" if sender is Role.workplaces.through else "departments"
        access_changed(Role.objects.filter(**{field: instance}).values_list("user_id", flat=True))
    elif action in {"post_add", "post_remove"} and pk_set:
        access_changed(Role.objects.filter(pk__in=pk_set).values_list("user_id", flat=True))


def _branch_saved(sender: type[Model], instance: Branch, created: bool, **kwargs: Any) -> None:
    if not created:
        # Grants keep each branch's region: a branch moved to another region changes them.
        access_changed(Role.objects.filter(branch=instance).values_list("user_id", flat=True))


def _device_changed(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    access_changed([instance.user_id])


def connect() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    post_save.connect(_role_saved_or_deleted, sender=Role, dispatch_uid="access_role_saved")
    post_delete.connect(_role_saved_or_deleted, sender=Role, dispatch_uid="access_role_deleted")
    for through in (Role.workplaces.through, Role.departments.through):
        # A workplace or department deleted leaves its id in remembered reaches: harmless, as
        # no member can be at a workplace or in a department that no longer exists.
        m2m_changed.connect(_reach_changed, sender=through, dispatch_uid=f"access_{through}")
    post_save.connect(_branch_saved, sender=Branch, dispatch_uid="access_branch_saved")
    post_save.connect(_device_changed, sender=TOTPDevice, dispatch_uid="access_totp_saved")
    post_delete.connect(_device_changed, sender=TOTPDevice, dispatch_uid="access_totp_deleted")
