"""The demo's picket lines: sites with shifts ahead, sign-ups, supporters, two earlier rounds."""

from __future__ import annotations

import pytest

from mandate.core import demo
from mandate.pickets import queries
from mandate.pickets.models import PicketSite, Signup, Supporter, SupporterReminder

STEPS = [
    "mandate.core.demo.build_structure",
    "mandate.members.demo.build_members",
    "mandate.disputes.demo.build_disputes",
    "mandate.ballots.demo.build_ballots",
    "mandate.actions.demo.build_actions",
    "mandate.pickets.demo.build_pickets",
    "mandate.core.demo.build_logins",
    "mandate.pickets.demo.build_picket_organisers",
]


@pytest.mark.django_db
def test_demo_builds_picket_lines_whose_attendance_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    assert all(step in demo.DEMO_STEPS for step in STEPS)
    monkeypatch.setattr(demo, "DEMO_STEPS", STEPS)
    demo.run_demo(scale="default", seed=7, out=lambda line: None)
    sites = list(PicketSite.objects.order_by("name"))
    assert len(sites) == 2
    assert all(site.shifts.exists() for site in sites)
    assert Signup.objects.filter(member__isnull=False).count() >= 10
    assert Supporter.objects.count() == 2
    reminders = SupporterReminder.objects.order_by("channel")
    assert [(r.channel, r.state) for r in reminders] == [("email", "queued"), ("sms", "queued")]
    hls = PicketSite.objects.get(name="Health and Life Sciences")
    assert hls.organiser is not None and hls.organiser.username == "rep"
    for site in sites:
        first, second = queries.site_rounds(site)
        assert second.average > first.average
