"""Planning action on the web: the form, its errors by line, and the pages' query budgets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from mandate.actions.models import Action, ActionStatus
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import PASSWORD, World

OPENS_C = dt.date(2026, 3, 2)


def _post(client: Client, world: World, **overrides: Any) -> Any:
    ballot = granted_ballot(world, opens=OPENS_C)
    constituency = ballot.constituencies.get()
    data: dict[str, Any] = {
        "title": "Two strike days",
        "ballot": ballot.pk,
        "kind": "strike",
        "asos_type": "",
        "pattern": "discontinuous",
        "dates": "2026-12-07\n2026-12-08",
        "constituencies": [constituency.pk],
    }
    data.update(overrides)
    assert client.login(username="secretary", password=PASSWORD)
    return client.post(f"/actions/dispute/{ballot.dispute.slug}/new/", data)


def test_secretary_plans_discontinuous_strike(client: Client, world: World) -> None:
    response = _post(client, world)
    action = Action.objects.get()
    assert response["Location"] == f"/actions/{action.pk}/"
    assert action.listed_days() == [dt.date(2026, 12, 7), dt.date(2026, 12, 8)]
    assert action.status == ActionStatus.PLANNED


def test_a_bad_date_is_named_by_its_line_and_nothing_is_written(
    client: Client, world: World
) -> None:
    response = _post(client, world, dates="2026-12-07\n2026-12-32")
    assert response.status_code == 200
    assert "Line 2: “2026-12-32” is not a date" in response.content.decode()
    assert not Action.objects.exists()


def test_asos_without_a_type_is_refused(client: Client, world: World) -> None:
    response = _post(client, world, kind="asos")
    assert "Say which action short of strike" in response.content.decode()
    assert not Action.objects.exists()


def test_pages_stay_within_a_query_budget(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    ballot = granted_ballot(world, opens=OPENS_C)
    days = [dt.date(2026, 12, 1) + dt.timedelta(days=i) for i in range(20)]
    action = strike(world, ballot, days)
    assert client.login(username="secretary", password=PASSWORD)
    with django_assert_max_num_queries(35):
        assert client.get(f"/actions/{action.pk}/").status_code == 200
    with django_assert_max_num_queries(18):
        url = f"/actions/dispute/{ballot.dispute.slug}/?month=2026-12"
        assert client.get(url).status_code == 200
