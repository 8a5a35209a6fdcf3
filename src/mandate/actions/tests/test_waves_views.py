"""The wave planner page: who may open it, planning, adjusting, and creating planned actions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mandate.actions.models import Action, ActionStatus
from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot, Mandate, NoticeKind, StepStatus
from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.disputes.models import Dispute, DisputeScope

pytestmark = pytest.mark.django_db
PLANNER = "/actions/waves/"


def national_ballot(world: World) -> Ballot:
    """A national pay ballot at Liverpool (North West) and UCL (London), won on both questions,
    closed three weeks ago, result letters sent the day after."""
    today = timezone.localdate()
    opens = today - dt.timedelta(days=42)
    closes = today - dt.timedelta(days=21)
    dispute = Dispute.objects.create(
        name="Four Fights", slug="four-fights", scope=DisputeScope.NATIONAL
    )
    dispute.parties.add(world.liverpool_employer, world.ucl_employer)
    ballot = ballot_actions.ballot_create(
        dispute=dispute,
        name="Four Fights ballot",
        opens=opens,
        closes=closes,
        scrutineer="Civica Election Services",
        authorised_callers="General Secretary",
        employers=[world.liverpool_employer, world.ucl_employer],
        actor=world.national,
    )
    for step in ballot.steps.filter(status=StepStatus.PENDING, phase="before_opening"):
        if step.rule_id == "B-scrutineer" or step.due is None:
            continue
        ballot_actions.step_record(
            step=step,
            actor=None,
            done_on=step.due - dt.timedelta(days=1),
            method="Recorded delivery",
            evidence="Proof of delivery",
            today=opens,
        )
    ballot_actions.ballot_open(ballot=ballot, actor=None, today=opens)
    ballot_actions.ballot_close(ballot=ballot, actor=None)
    for constituency in ballot.constituencies.all():
        entitled = max(constituency.electorate.filter(entitled=True).count(), 1)
        for question in ("strike", "asos"):
            ballot_actions.result_enter(
                constituency=constituency,
                question=question,
                entitled=entitled,
                votes_cast=entitled,
                yes=entitled,
                no=0,
                spoiled=0,
                actor=None,
                today=closes + dt.timedelta(days=1),
            )
    ballot.refresh_from_db()
    sent_at = timezone.make_aware(dt.datetime.combine(closes + dt.timedelta(days=1), dt.time(9)))
    for employer in (world.liverpool_employer, world.ucl_employer):
        ballot_actions.notice_mark_sent(
            ballot=ballot,
            kind=NoticeKind.EMPLOYER_LETTER,
            employer=employer,
            sent_at=sent_at,
            method="Email to the registrar",
            actor=None,
        )
    return ballot


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def plan_data(ballot: Ballot, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    start = today + dt.timedelta(days=21 - today.weekday())
    data: dict[str, Any] = {
        "ballot": str(ballot.pk),
        "question": "strike",
        "start": start.isoformat(),
        "weeks": "2",
        "days_per_week": "2",
        "max_consecutive": "3",
        "wave": "on",
        "blackouts": "",
        "preferred": "",
        "neighbours": "",
    }
    data.update(extra)
    return data


def signed_plan(html: str) -> str:
    match = re.search(r'name="plan" value="([^"]+)"', html)
    assert match, "no Create form on the page"
    return match.group(1)


def test_anonymous_is_sent_to_log_in(client: Client, world: World) -> None:
    response = client.get(PLANNER)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("actions:waves:create"), {"plan": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("username", ["outsider", "secretary", "rep", "member", "panel"])
def test_branch_roles_get_404(client: Client, world: World, username: str) -> None:
    login(client, username)
    assert client.get(PLANNER).status_code == 404
    assert client.post(PLANNER, plan_data(national_ballot(world))).status_code == 404
    assert client.post(reverse("actions:waves:create"), {"plan": "x"}).status_code == 404


@pytest.mark.parametrize("username", ["national", "regional"])
def test_officers_see_the_planner(client: Client, world: World, username: str) -> None:
    national_ballot(world)
    login(client, username)
    response = client.get(PLANNER)
    assert response.status_code == 200
    assert b"Four Fights: Four Fights ballot" in response.content


def test_national_officer_plans_a_wave_with_deadlines_and_explanations(
    client: Client, world: World
) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    response = client.post(PLANNER, plan_data(ballot))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Region London strikes week 1" in html
    assert "Region North West strikes week 2" in html
    assert "its turn in the rotation" in html
    assert "notice of action must be received by" in html
    assert "2 of 2 branches out" in html
    assert 'data-status="OPTIMAL"' in html


def test_regional_officer_plans_only_their_region(client: Client, world: World) -> None:
    ballot = national_ballot(world)
    login(client, "regional")
    html = client.post(PLANNER, plan_data(ballot)).content.decode()
    assert "Region North West strikes week 1" in html
    assert "London" not in html.split('id="plan-heading"')[1]
    # A national dispute's action is created by national officers.
    assert "Create planned actions" not in html
    assert "share this plan with them" in html


def test_blocked_day_and_bad_input_are_explained(client: Client, world: World) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    data = plan_data(ballot)
    blackout = dt.date.fromisoformat(data["start"]) + dt.timedelta(days=2)
    html = client.post(PLANNER, {**data, "blackouts": blackout.isoformat()}).content.decode()
    assert "blackout date chosen by the officer" in html
    bad = client.post(PLANNER, {**data, "blackouts": "2026-12-01\n31/02/2027", "weeks": "40"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "Blackout dates entry 2" in text
    assert "not a real calendar date" in text
    assert "Ensure this value is less than or equal to 26" in text
    assert 'id="plan-heading"' not in text


def test_officer_unticks_a_day_and_moves_a_region(client: Client, world: World) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    data = plan_data(ballot)
    first = client.post(PLANNER, data).content.decode()
    shown = re.findall(r'name="shown" value="([^"]+)"', first)
    liverpool_days = [v for v in shown if v.startswith(world.liverpool.slug + "@")]
    assert len(liverpool_days) == 2
    keep = [v for v in shown if v != liverpool_days[0]]
    second = client.post(PLANNER, {**data, "shown": shown, "keep": keep}).content.decode()
    assert "University of Liverpool taken out by the officer on" in second
    shown_again = re.findall(r'name="shown" value="([^"]+)"', second)
    assert liverpool_days[0] not in shown_again
    assert f'name="off" value="{liverpool_days[0]}" checked' in second
    moved = client.post(
        PLANNER, {**data, "off": [liverpool_days[0]], f"week__{world.london.slug}": "2"}
    ).content.decode()
    assert "Region London strikes week 2" in moved
    assert "moved to this week by the officer" in moved
    # Tampered adjustments are reported, never a 500.
    third = client.post(PLANNER, {**data, "shown": ["nonsense"], "week__north-west": "99"})
    assert third.status_code == 200
    assert "could not be read" in third.content.decode()


def test_create_planned_actions_from_the_checked_plan(client: Client, world: World) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    html = client.post(PLANNER, plan_data(ballot)).content.decode()
    token = signed_plan(html)
    response = client.post(reverse("actions:waves:create"), {"plan": token})
    assert response.status_code == 302
    actions = list(Action.objects.filter(ballot=ballot).order_by("title"))
    assert [a.title for a in actions] == [
        "Rolling wave: UCL, week 1",
        "Rolling wave: University of Liverpool, week 2",
    ]
    assert all(a.status == ActionStatus.PLANNED and a.kind == "strike" for a in actions)
    assert all(len(a.listed_days()) == 2 for a in actions)
    liverpool = actions[1]
    assert [c.employer_id for c in liverpool.constituencies.all()] == [world.liverpool_employer.pk]
    assert AuditEvent.objects.filter(action="wave.materialise").count() == 1
    # The same plan twice creates nothing more.
    again = client.post(reverse("actions:waves:create"), {"plan": token}, follow=True)
    assert "already created" in again.content.decode()
    assert Action.objects.filter(ballot=ballot).count() == 2


def test_create_refuses_a_tampered_or_stale_plan(client: Client, world: World) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    token = signed_plan(client.post(PLANNER, plan_data(ballot)).content.decode())
    response = client.post(
        reverse("actions:waves:create"), {"plan": token[:-3] + "abc"}, follow=True
    )
    assert "could not be read" in response.content.decode()
    # The mandate was cut short after the plan was checked: nothing is created.
    Mandate.objects.filter(constituency__ballot=ballot).update(
        last_day=timezone.localdate() + dt.timedelta(days=1)
    )
    response = client.post(reverse("actions:waves:create"), {"plan": token}, follow=True)
    assert "its mandate now ends" in response.content.decode()
    assert not Action.objects.filter(ballot=ballot).exists()


def test_outsider_cannot_create_from_a_stolen_plan(client: Client, world: World) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    token = signed_plan(client.post(PLANNER, plan_data(ballot)).content.decode())
    other = Client()
    login(other, "outsider")
    assert other.post(reverse("actions:waves:create"), {"plan": token}).status_code == 404
    regional = Client()
    login(regional, "regional")
    # The plan covers London too, outside the regional officer's reach.
    assert regional.post(reverse("actions:waves:create"), {"plan": token}).status_code == 404
    assert not Action.objects.exists()


def test_planner_query_count_does_not_grow_with_branches(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    ballot = national_ballot(world)
    login(client, "national")
    with django_assert_max_num_queries(25):
        assert client.post(PLANNER, plan_data(ballot)).status_code == 200
