"""What the pay app holds about a member (days of action, payslip deductions), what erasure does
to it, and how long payslip evidence is kept."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from mandate.core.privacy.registry import KEEP, declare
from mandate.core.retention import Rule, register

declare(
    "pay.DayTaken",
    kind="days_of_action",
    title="Days of action you told the union you took part in",
    member=("member",),
    fields=("id", "action__title", "day", "recorded_at"),
    erase=KEEP,
    note="Kept: strike pay and the branch's deduction figures are counted from these days.",
)
declare(
    "pay.Payslip",
    kind="payslip_deductions",
    title="Deductions from your pay you reported, with the payslips you uploaded",
    member=("member",),
    fields=(
        "id",
        "dispute__name",
        "pay_date",
        "amount",
        "evidence_type",
        "evidence_size",
        "note",
        "created_at",
    ),
    erase={"evidence": "", "evidence_type": "", "evidence_size": 0, "note": ""},
    note="The amounts stay for the fund's accounts; the payslip files and notes are removed.",
)


def _old_evidence(cutoff: dt.datetime) -> QuerySet[Any]:
    from mandate.pay.models import Payslip

    return Payslip.objects.filter(created_at__lt=cutoff).exclude(evidence="")


def _remove_evidence(qs: QuerySet[Any]) -> int:
    rows = list(qs.values_list("pk", "evidence"))
    field = qs.model._meta.get_field("evidence")
    for _, name in rows:
        transaction.on_commit(partial(field.storage.delete, str(name)))
    qs.model._default_manager.filter(pk__in=[pk for pk, _ in rows]).update(
        evidence="", evidence_type="", evidence_size=0
    )
    return len(rows)


register(
    Rule(
        "fund_evidence",
        "Payslip evidence files",
        "the upload",
        _old_evidence,
        _remove_evidence,
    )
)
