"""Subject access: everything the union holds about one member, as a zip of JSON and CSV.

The contents follow the declarations in ``registry``; relations to the member's login that no
declaration covers (rows they created or acted on as an officer, rep or caller) are listed
generically, with the kind of row, its id, the field and its dates, never the row's content,
which is about other people.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mandate.core.privacy.registry import (
    Personal,
    declarations,
    direct_relations,
    member_model,
    user_model,
)
from mandate.members.models import Member

SECRET_NAMES = ("password", "token", "nonce", "secret", "hash", "claim")


@dataclass
class Section:
    kind: str
    title: str
    rows: list[dict[str, Any]]
    # Uploaded files in these rows: (row id, storage, stored name).
    files: list[tuple[Any, Storage, str]] = field(default_factory=list)


def _member_q(paths: tuple[str, ...], member: Member) -> Q:
    q = Q()
    for path in paths:
        q |= Q(**{path: member.pk})
    return q


def _default_fields(model: type[models.Model], secret: tuple[str, ...]) -> list[str]:
    names = []
    for f in model._meta.concrete_fields:
        if f.name in secret or any(s in f.name for s in SECRET_NAMES):
            continue
        names.append(f.attname)
    return names


def _rows(entry: Personal, member: Member) -> list[dict[str, Any]]:
    model = entry.model_class
    fields = list(entry.fields) or _default_fields(model, entry.secret)
    qs = model._default_manager.filter(_member_q(entry.member, member))
    if len(entry.member) > 1:
        qs = qs.distinct()
    return list(qs.order_by("pk").values(*fields))


def _files(entry: Personal, member: Member) -> list[tuple[Any, Storage, str]]:
    """The uploaded files (payslips, evidence) in the member's rows of ENTRY's model."""
    model = entry.model_class
    found: list[tuple[Any, Storage, str]] = []
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.FileField) or f.name in entry.secret:
            continue
        qs = model._default_manager.filter(_member_q(entry.member, member)).exclude(
            **{f.attname: ""}
        )
        for pk, name in qs.order_by("pk").values_list("pk", f.attname).distinct():
            found.append((pk, f.storage, str(name)))
    return found


def _acted_rows(user_id: int, covered: set[tuple[str, str]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for model, name in direct_relations(user_model()):
        label = model._meta.label_lower
        if (label, name) in covered:
            continue
        dates = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateField | models.DateTimeField)
        ]
        for values in model._default_manager.filter(**{name: user_id}).values("pk", *dates):
            pk = values.pop("pk")
            rows.append({"record": label, "id": pk, "as": name, **values})
    return rows


def collect(member: Member) -> list[Section]:
    """Every section of MEMBER's data, declared models first, then undeclared relations."""
    known = declarations()
    sections: list[Section] = []
    covered_user_fields: set[tuple[str, str]] = set()
    for entry in sorted(known.values(), key=lambda e: (e.kind != "register", e.kind)):
        sections.append(
            Section(entry.kind, entry.title, _rows(entry, member), _files(entry, member))
        )
        for path in entry.member:
            first = path.split("__", 1)[0]
            covered_user_fields.add((entry.model, first))
    # A relation added before its declaration still shows up, minus anything secret-looking.
    for model, name in direct_relations(member_model()):
        declared = known.get(model._meta.label_lower)
        if declared is not None and name in declared.member:
            continue
        fields = _default_fields(model, ())
        rows = list(model._default_manager.filter(**{name: member.pk}).values(*fields))
        if not rows:
            continue
        kind = f"{model._meta.app_label}_{model._meta.model_name}_{name}"
        sections.append(Section(kind, f"{model._meta.verbose_name_plural} (by {name})", rows))
    if member.user_id is not None:
        covered_user_fields.add(("members.member", "user"))
        rows = _acted_rows(member.user_id, covered_user_fields)
        sections.append(Section("acted", "Records you created or acted on with your login", rows))
    return sections


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    header: list[str] = []
    for row in rows:
        header.extend(k for k in row if k not in header)
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, cls=DjangoJSONEncoder) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
        )
    return out.getvalue()


def build_zip(member: Member) -> tuple[bytes, dict[str, int]]:
    """The zip of MEMBER's data and the row count per kind (for the audit entry)."""
    sections = collect(member)
    counts = {s.kind: len(s.rows) for s in sections}
    generated = timezone.now()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        lines = [
            "Everything the union's Mandate system holds about you.",
            f"Generated {generated:%Y-%m-%d %H:%M} UTC for membership record {member.pk}.",
            "",
            "Each kind of data is in two files: <kind>.json and <kind>.csv.",
            "How you voted in a secret ballot is not here: the system never links a voter to",
            "a vote. Only whether you voted is recorded.",
            "",
        ]
        for s in sections:
            plural = "" if len(s.rows) == 1 else "s"
            lines.append(f"{s.kind}: {s.title} ({len(s.rows)} row{plural})")
            zf.writestr(
                f"{s.kind}.json", json.dumps(s.rows, cls=DjangoJSONEncoder, indent=2) + "\n"
            )
            zf.writestr(f"{s.kind}.csv", _csv(s.rows))
            for pk, storage, name in s.files:
                target = f"files/{s.kind}/{pk}-{Path(name).name}"
                try:
                    with storage.open(name, "rb") as fh:
                        zf.writestr(target, fh.read())
                except OSError:
                    lines.append(f"  (the file of {s.kind} record {pk} is missing from storage)")
        zf.writestr("README.txt", "\n".join(lines) + "\n")
    return buffer.getvalue(), counts


def filename_for(member: Member) -> str:
    return f"subject-access-{member.pk}-{timezone.localdate():%Y%m%d}.zip"
