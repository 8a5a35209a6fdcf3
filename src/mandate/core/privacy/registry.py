"""What each model holds about a member: the declarations subject access and erasure follow.

Every model with a foreign key, one-to-one or many-to-many to ``members.Member`` must be
declared (a test walks the model meta and fails otherwise). Models that reach a member through
another row (a call log through its call target) may be declared too, with a longer lookup.
Declarations for the first apps live in ``mandate.core.privacy.declarations``; later apps put
theirs in their own ``<app>/privacy.py``, found at start-up like admin modules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules

# Erasure: delete the rows, or keep them as they are (they hold nothing personal beyond the
# link to the pseudonymised member and are needed for counts), or replace the named fields.
DELETE = "delete"
KEEP = "keep"

Replacement = Any | Callable[[models.Model], Any]


@dataclass(frozen=True)
class Personal:
    """One model's personal data about a member."""

    model: str  # "app_label.ModelName"
    kind: str  # the file name in a subject access zip: "gtvo_contacts"
    title: str  # what it is, for the member: "Get the Vote Out reports about you"
    # Lookups from this model to the member, e.g. ("member",) or ("target__member",).
    member: tuple[str, ...]
    # Lookups exported (``QuerySet.values`` accepts "ballot__name"). Empty: every concrete field
    # except those in ``secret``.
    fields: tuple[str, ...] = ()
    # Never exported: link secrets, nonces, tokens, hashes.
    secret: tuple[str, ...] = ()
    # DELETE, KEEP, or {field: replacement or callable(row) -> replacement}.
    erase: str | Mapping[str, Replacement] = KEEP
    # Why the rows stay after erasure, or what erasure does, in a line for the docs and the page.
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


_REGISTRY: dict[str, Personal] = {}
_loaded = False
_lock = threading.RLock()


def declare(
    model: str,
    *,
    kind: str,
    title: str,
    member: tuple[str, ...] | str,
    fields: tuple[str, ...] = (),
    secret: tuple[str, ...] = (),
    erase: str | Mapping[str, Replacement] = KEEP,
    note: str = "",
) -> Personal:
    """Declare what MODEL holds about a member and what erasure does to it."""
    label = model.lower()
    if label in _REGISTRY:
        raise ValueError(f"{model} is declared twice for data protection.")
    entry = Personal(
        model=label,
        kind=kind,
        title=title,
        member=(member,) if isinstance(member, str) else tuple(member),
        fields=fields,
        secret=secret,
        erase=erase,
        note=note,
    )
    _REGISTRY[label] = entry
    return entry


def declarations() -> dict[str, Personal]:
    """Every declaration, keyed by lower-case model label; loads app modules once."""
    global _loaded
    # Two first requests in two threads must not see a half-loaded registry.
    with _lock:
        if not _loaded:
            from mandate.core.privacy import declarations as _first_apps  # noqa: F401

            autodiscover_modules("privacy")
            _loaded = True
    return dict(_REGISTRY)


def member_model() -> type[models.Model]:
    return apps.get_model("members", "Member")


def user_model() -> type[models.Model]:
    return apps.get_model("core", "User")


def direct_relations(target: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every concrete field of any model that points at TARGET."""
    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            # Reverse accessors are auto-created; only fields declared on MODEL itself count.
            if (
                f.is_relation
                and not f.auto_created
                and f.related_model is target
                and (f.many_to_one or f.one_to_one or f.many_to_many)
            ):
                found.append((model, f.name))
    return sorted(set(found), key=lambda mf: (mf[0]._meta.label_lower, mf[1]))


def undeclared_member_relations() -> list[tuple[type[models.Model], str]]:
    """Fields pointing at Member that no declaration covers: each needs one."""
    known = declarations()
    missing = []
    for model, name in direct_relations(member_model()):
        entry = known.get(model._meta.label_lower)
        if entry is None or name not in entry.member:
            missing.append((model, name))
    return missing


def how_to_declare(model: type[models.Model], field_name: str) -> str:
    """The exact code to add, and where, for an undeclared relation to Member."""
    app = model._meta.app_label
    label = model._meta.label
    return (
        f"{label}.{field_name} points at members.Member but no data-protection declaration "
        f"covers it.\nAdd to src/mandate/{app}/privacy.py (create the file if needed):\n\n"
        "from mandate.core.privacy.registry import DELETE, KEEP, declare\n\n"
        "declare(\n"
        f'    "{label}",\n'
        f'    kind="{app}_{model._meta.model_name}",  # file name in the subject access zip\n'
        '    title="What these rows are, as the member would read it",\n'
        f'    member=("{field_name}",),\n'
        "    secret=(),  # fields never exported: tokens, nonces, hashes\n"
        "    erase=KEEP,  # or DELETE, or {'free_text_field': ''} to blank fields on erasure\n"
        ")\n\n"
        "See docs/data-protection.md, 'Declaring a model'."
    )
