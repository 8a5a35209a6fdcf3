from __future__ import annotations

import pytest
from django.test import Client

from mandate.conftest import PASSWORD, World


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def test_anonymous_is_sent_to_login(client: Client, world: World) -> None:
    for url in ("/", "/branches/", "/audit/", f"/branches/{world.liverpool.slug}/members/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_home_lists_only_own_branches(client: Client, world: World) -> None:
    body = login(client, "outsider").get("/").content.decode()
    assert "UCL" in body
    assert "University of Liverpool" not in body


def test_member_home_shows_own_membership(client: Client, world: World) -> None:
    body = login(client, "member").get("/").content.decode()
    assert "L0001" in body
    assert "Your branches" not in body


@pytest.mark.parametrize(
    ("username", "status"),
    [("national", 200), ("secretary", 200), ("regional", 200), ("rep", 404), ("member", 404)],
)
def test_audit_page_by_role(client: Client, world: World, username: str, status: int) -> None:
    assert login(client, username).get("/audit/").status_code == status


def test_audit_page_shows_only_scope(client: Client, world: World) -> None:
    body = login(client, "outsider").get("/audit/").content.decode()
    assert "University of Liverpool" not in body


def test_logout_requires_post(client: Client, world: World) -> None:
    login(client, "secretary")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302


def test_healthz(client: Client, db: None) -> None:
    assert client.get("/healthz").content == b"ok"


def test_home_shows_what_needs_attention(client: Client, world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mandate.ballots import actions as ballot_actions
    from mandate.ballots.models import ChecklistStep, StepStatus
    from mandate.disputes import actions as dispute_actions

    today = timezone.localdate()
    dispute = dispute_actions.dispute_create(
        name="Redundancies", branch=world.liverpool, actor=world.secretary
    )
    ballot_actions.ballot_create(
        dispute=dispute,
        name="Redundancies ballot",
        jurisdiction="gb",
        opens=today + timedelta(days=5),
        closes=today + timedelta(days=26),
        actor=world.secretary,
    )
    overdue = ChecklistStep.objects.filter(rule_id="B-notice", status=StepStatus.PENDING)
    assert overdue.exists()
    body = login(client, "secretary").get("/").content.decode()
    assert "Needs attention" in body and "Overdue" in body and "Redundancies ballot" in body
    assert "Redundancies</a>" in body
    # A rep runs no ballot: nothing to do here for them. Another branch's officer sees none.
    assert "Needs attention" not in login(Client(), "rep").get("/").content.decode()
    outsider = login(Client(), "outsider").get("/").content.decode()
    assert "Redundancies" not in outsider and "Needs attention" not in outsider
