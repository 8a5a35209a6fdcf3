"""Uploaded files: in the subject access zip, gone after erasure and after their retention."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from mandate.conftest import World
from mandate.core.privacy.access import build_zip
from mandate.core.privacy.erasure import member_erase
from mandate.core.retention import retention_apply
from mandate.disputes.models import Dispute, DisputeScope
from mandate.pay.models import Payslip


@pytest.fixture
def payslip(world: World, tmp_path: Path) -> Any:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        dispute = Dispute.objects.create(
            name="Pay", slug="pay", scope=DisputeScope.LOCAL, branch=world.liverpool
        )
        slip = Payslip(member=world.member, dispute=dispute, pay_date=dt.date(2026, 10, 31))
        slip.amount = Decimal("120.00")
        slip.evidence.save("payslip.pdf", ContentFile(b"%PDF payslip of Mo"), save=False)
        slip.evidence_type = "application/pdf"
        slip.save()
        yield slip


def test_the_zip_carries_the_members_files(world: World, payslip: Payslip) -> None:
    data, _ = build_zip(world.member)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = [n for n in zf.namelist() if n.startswith("files/payslip_deductions/")]
        assert len(names) == 1 and names[0].endswith(".pdf")
        assert zf.read(names[0]) == b"%PDF payslip of Mo"


def test_erasure_deletes_the_file_once_committed(
    world: World,
    payslip: Payslip,
    django_capture_on_commit_callbacks: Any,
) -> None:
    stored = Path(payslip.evidence.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        member_erase(member=world.member, actor=None)
    payslip.refresh_from_db()
    assert payslip.evidence.name == "" and payslip.amount == Decimal("120.00")
    assert not stored.exists()


def test_payslip_evidence_goes_after_six_years(
    world: World,
    payslip: Payslip,
    django_capture_on_commit_callbacks: Any,
) -> None:
    stored = Path(payslip.evidence.path)
    with django_capture_on_commit_callbacks(execute=True):
        early = retention_apply(timezone.now() + dt.timedelta(days=365 * 5))
    assert sum(ln.count for ln in early if ln.kind == "fund_evidence") == 0
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        late = retention_apply(timezone.now() + dt.timedelta(days=365 * 6 + 30))
    assert sum(ln.count for ln in late if ln.kind == "fund_evidence") == 1
    assert not stored.exists()
