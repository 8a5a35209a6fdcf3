"""The demo's e-ballots: a published national one with withheld small branches, and an open
Liverpool one the demo member can still vote in."""

from __future__ import annotations

import pytest
from django.test import Client

from mandate.core import demo
from mandate.votes.models import Poll, PollState

STEPS = [
    "mandate.core.demo.build_structure",
    "mandate.members.demo.build_members",
    "mandate.disputes.demo.build_disputes",
    "mandate.votes.demo.build_votes",
    "mandate.core.demo.build_logins",
]


@pytest.mark.django_db
def test_demo_builds_published_and_open_e_ballots(monkeypatch: pytest.MonkeyPatch) -> None:
    from mandate.votes import engine

    assert "mandate.votes.demo.build_votes" in demo.DEMO_STEPS
    monkeypatch.setattr(demo, "DEMO_STEPS", STEPS)
    demo.run_demo(scale="default", seed=7, out=lambda line: None)
    national = Poll.objects.get(title="Accept the employers' offer?")
    assert national.state == PollState.PUBLISHED and national.count_ok
    result = engine.tally(national)
    assert 1000 <= result.cast <= 3000
    assert any(b.choices is None for b in result.branches)
    assert any(b.choices is not None for b in result.branches)
    local = Poll.objects.get(title="Strike on until there are no compulsory redundancies?")
    assert local.state == PollState.OPEN and local.branch is not None
    client = Client()
    assert client.login(username="member", password=demo.DEMO_PASSWORD)
    page = client.get("/my-votes/")
    assert b"Strike on until there are no compulsory redundancies?" in page.content
    assert b"Vote now" in page.content
    assert client.get(f"/votes/published/{national.pk}/").status_code == 200
