"""The demo's funds: a national fund with salary bands, a branch hardship fund, claims in every
state, a ledger that balances, and the panel login."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from mandate.core import demo
from mandate.core.models import RoleKind, User
from mandate.funds.actions import fund_balance
from mandate.funds.models import Claim, ClaimState, Fund, LedgerEntry

TIMINGS: list[float] = []


def timed_build_funds(ctx: demo.DemoContext) -> None:
    from mandate.funds.demo import build_funds

    started = time.perf_counter()
    build_funds(ctx)
    TIMINGS.insert(0, time.perf_counter() - started)


@pytest.mark.django_db
def test_demo_builds_funds_with_claims_in_every_state(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, settings: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    steps = demo.DEMO_STEPS[: demo.DEMO_STEPS.index("mandate.core.demo.build_logins") + 1]
    assert "mandate.funds.demo.build_funds" in steps
    steps[steps.index("mandate.funds.demo.build_funds")] = f"{__name__}.timed_build_funds"
    monkeypatch.setattr(demo, "DEMO_STEPS", steps)
    lines: list[str] = []
    demo.run_demo(scale="default", seed=7, out=lines.append)
    # Keep `mandate demo` fast: the funds step takes seconds at most.
    assert TIMINGS[0] < 10, TIMINGS
    assert any(line.startswith("  funds:") for line in lines), lines
    national = Fund.objects.get(branch__isnull=True)
    hardship = Fund.objects.get(branch__name="University of Liverpool")
    assert len(national.rule_versions.get().bands) == 2
    states = set(Claim.objects.filter(fund=national).values_list("state", flat=True))
    assert states == set(ClaimState.values), states
    assert Claim.objects.filter(fund=hardship, state=ClaimState.BATCHED).exists()
    assert hardship.batches.get().scaled
    paid = sum(
        Claim.objects.filter(fund=national, state=ClaimState.PAID).values_list(
            "payable", flat=True
        ),
        Decimal(0),
    )
    assert fund_balance(national) == Decimal("250000.00") - paid
    assert LedgerEntry.objects.filter(fund=national, kind="payment").count() == 2
    panel = User.objects.get(username="panel")
    assert panel.roles.get().kind == RoleKind.FUND_PANEL
    assert Claim.objects.filter(member__user__username="member").exists()
    assert any(name == "panel" for name, _ in demo.DEMO_LOGINS)
