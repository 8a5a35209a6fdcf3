"""The demo's action: strike days and a boycott called, one action blocked with its reason."""

from __future__ import annotations

import pytest

from mandate.actions.checks import action_checks, failing
from mandate.actions.models import Action, ActionStatus, CriticalDate, SolidarityEvent
from mandate.core import demo


@pytest.mark.django_db
def test_demo_builds_called_and_blocked_action(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = [s for s in demo.DEMO_STEPS if s != "mandate.actions.demo.build_actions"]
    steps.insert(
        steps.index("mandate.core.demo.build_logins"), "mandate.actions.demo.build_actions"
    )
    monkeypatch.setattr(demo, "DEMO_STEPS", steps)
    lines: list[str] = []
    demo.run_demo(scale="default", seed=7, out=lines.append)
    by_title = {a.title: a for a in Action.objects.all()}
    strike = by_title["Three days of national strike action"]
    boycott = by_title["Marking and assessment boycott"]
    blocked = by_title["Strike days into the next academic year"]
    assert strike.status == ActionStatus.CALLED and boycott.status == ActionStatus.CALLED
    assert boycott.pattern == "continuous" and boycott.asos_type == "marking_boycott"
    assert blocked.status == ActionStatus.NOTICE_SERVED
    reasons = failing(action_checks(blocked))
    assert [r.rule_id for r in reasons] == ["A-mandate"]
    assert SolidarityEvent.objects.count() == 2
    assert CriticalDate.objects.filter(kind="graduation").exists()
