"""The demo's pay records: policies (one 1/260, flagged), an ended round with days recorded,
payslips with and without evidence, and a few over-deductions at Liverpool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mandate.core import demo
from mandate.core.models import Branch
from mandate.members.models import Member
from mandate.pay.loss import losses_for
from mandate.pay.models import DayTaken, DeductionPolicy, Payslip
from mandate.pay.queries import branch_pay


@pytest.mark.django_db
def test_demo_builds_pay_records(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assert demo.DEMO_STEPS.index("mandate.pay.demo.build_pay") > demo.DEMO_STEPS.index(
        "mandate.actions.demo.build_actions"
    )
    assert demo.DEMO_STEPS.index("mandate.pay.demo.build_pay") < demo.DEMO_STEPS.index(
        "mandate.core.demo.build_logins"
    )
    # Only the steps pay builds on, to keep the test quick.
    needed = ("structure", "members", "disputes", "ballots", "actions", "pay", "logins")
    steps = [s for s in demo.DEMO_STEPS if s.rsplit("_", 1)[-1] in needed]
    monkeypatch.setattr(demo, "DEMO_STEPS", steps)
    lines: list[str] = []
    demo.run_demo(scale="default", seed=7, out=lines.append)
    assert any(line.startswith("  pay:") for line in lines), lines
    assert DeductionPolicy.objects.filter(strike_divisor=260).exclude(contractual_basis="").exists()
    assert DayTaken.objects.count() >= 20
    assert Payslip.objects.exclude(evidence="").exists()
    assert Payslip.objects.filter(evidence="").exists()
    liverpool = Branch.objects.get(name="University of Liverpool")
    first = DayTaken.objects.select_related("action__dispute").first()
    assert first is not None
    dispute = first.action.dispute
    summary = branch_pay(liverpool, dispute)
    assert summary.over_rows and summary.over_total > 0
    mo = Member.objects.get(user__username="member")
    assert losses_for(mo, dispute)
