from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from mandate.conftest import World
from mandate.core.models import Employer
from mandate.disputes import actions
from mandate.disputes.models import Dispute, ExpectationStatus, Metric, MetricValue
from mandate.disputes.queries import (
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    format_number,
    line_chart,
    nice_step,
    tracker,
)
from mandate.disputes.tests.conftest import login

# Query budgets ---------------------------------------------------------------------------------


def grow_local(dispute: Dispute, entries: int, start: int = 0) -> None:
    for i in range(start, start + entries):
        actions.timeline_add(
            dispute=dispute, date=dt.date(2026, 6, 1) + dt.timedelta(i), kind="other", title=f"e{i}"
        )
    for i in range(start // 10, (start + entries) // 10):
        metric = actions.metric_add(dispute=dispute, name=f"Figure {i}")
        actions.metric_record(metric=metric, date=dt.date(2026, 6, 1), value=i)
        actions.precondition_add(dispute=dispute, description=f"Step {i}")


def grow_national(dispute: Dispute, employers: int) -> None:
    new = [
        Employer.objects.create(name=f"University {i}", slug=f"u{i}", jurisdiction="england")
        for i in range(employers)
    ]
    dispute.parties.add(*new)
    for expectation in dispute.expectations.all():
        for employer in new[::2]:
            actions.expectation_set_status(
                expectation=expectation, employer=employer, state="agreed"
            )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_local_dispute_page_query_count_does_not_grow(
    client: Client, local: Dispute, django_assert_max_num_queries: Any
) -> None:
    login(client, "secretary")
    url = f"/disputes/{local.slug}/"
    small = count_queries(client, url)
    assert small <= 20
    grow_local(local, 60)
    with django_assert_max_num_queries(small):
        client.get(url)
    with django_assert_max_num_queries(small):
        client.get(url + "?timeline=all")


def test_national_dispute_page_query_count_does_not_grow(
    client: Client, national: Dispute, django_assert_max_num_queries: Any
) -> None:
    login(client, "national")
    url = f"/disputes/{national.slug}/"
    grow_local(national, 10)  # one of each section, so the baseline runs every query once
    small = count_queries(client, url)
    assert small <= 25
    grow_national(national, 40)
    grow_local(national, 30, start=10)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count('">Agreed</span>') == 2 * 20


def test_list_query_count_does_not_grow(
    client: Client,
    local: Dispute,
    national: Dispute,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    login(client, "national")
    small = count_queries(client, "/disputes/")
    assert small <= 10
    for i in range(30):
        actions.dispute_create(name=f"Local {i}", branch=world.liverpool)
    grow_national(national, 20)
    with django_assert_max_num_queries(small):
        client.get("/disputes/")


# The tracker -----------------------------------------------------------------------------------


def test_tracker_summary_counts_every_employer_rows_only_the_reachable(
    national: Dispute, world: World
) -> None:
    first, second = national.expectations.all()
    actions.expectation_set_status(expectation=first, employer=world.ucl_employer, state="agreed")
    actions.expectation_set_status(
        expectation=first, employer=world.liverpool_employer, state="implemented"
    )
    actions.expectation_set_status(
        expectation=second, employer=world.liverpool_employer, state="not_started"
    )
    view = tracker(national, world.secretary)
    assert [row.employer for row in view.rows] == [world.liverpool_employer]
    assert [c.state for c in view.rows[0].cells] == ["implemented", "not_started"]
    assert view.rows[0].can_update and not view.sees_all
    counts = {row.expectation.title: dict(row.counts) for row in view.summary}
    assert counts[first.title] == {
        "not_started": 0,
        "negotiating": 0,
        "agreed": 1,
        "implemented": 1,
    }
    assert counts[second.title] == {
        "not_started": 2,
        "negotiating": 0,
        "agreed": 0,
        "implemented": 0,
    }
    assert dict(view.totals) == {"not_started": 2, "negotiating": 0, "agreed": 1, "implemented": 1}
    assert tracker(national, world.national).sees_all
    rep_view = tracker(national, world.rep)
    assert [r.can_update for r in rep_view.rows] == [False]


def test_tracker_ignores_statuses_of_employers_no_longer_party(
    national: Dispute, world: World
) -> None:
    first = national.expectations.first()
    assert first is not None
    actions.expectation_set_status(expectation=first, employer=world.ucl_employer, state="agreed")
    national.parties.remove(world.ucl_employer)
    view = tracker(national, world.national)
    assert view.employers_total == 1
    assert dict(view.summary[0].counts)["agreed"] == 0
    assert ExpectationStatus.objects.count() == 1


# Charts ----------------------------------------------------------------------------------------


def values(metric: Metric, points: list[tuple[dt.date, int | str]]) -> list[MetricValue]:
    return [MetricValue(metric=metric, date=d, value=Decimal(str(v))) for d, v in points]


def test_chart_of_the_liverpool_redundancies() -> None:
    metric = Metric(name="Compulsory redundancies at risk", unit="jobs")
    chart = line_chart(
        metric,
        values(
            metric,
            [(dt.date(2026, 5, 5), 47), (dt.date(2026, 7, 14), 6), (dt.date(2026, 11, 17), 2)],
        ),
    )
    assert chart is not None
    assert [t.label for t in chart.y_ticks] == ["0", "20", "40", "60"]
    first, middle, last = chart.points
    assert (first.x, last.x) == (PLOT_LEFT, PLOT_RIGHT)
    assert first.y < middle.y < last.y  # falling: lower on the page
    assert chart.polyline == " ".join(f"{p.x},{p.y}" for p in chart.points)
    assert chart.desc == (
        "Compulsory redundancies at risk: 47 jobs on 5 May 2026; 6 jobs on 14 July 2026; "
        "2 jobs on 17 November 2026."
    )
    assert [t.label for t in chart.x_ticks] == ["5 May 26", "14 Jul 26", "17 Nov 26"]
    assert [t.anchor for t in chart.x_ticks] == ["start", "middle", "end"]


def test_chart_of_a_single_value_sits_in_the_middle() -> None:
    metric = Metric(name="Students without degrees", unit="students")
    chart = line_chart(metric, values(metric, [(dt.date(2026, 7, 3), 1500)]))
    assert chart is not None
    (point,) = chart.points
    assert point.x == (PLOT_LEFT + PLOT_RIGHT) / 2
    assert point.label == "1,500"
    assert chart.title == "Students without degrees, 1 value"
    assert line_chart(metric, []) is None


def test_crowded_date_labels_are_thinned() -> None:
    metric = Metric(name="Pickets")
    days = [dt.date(2026, 11, 1) + dt.timedelta(i) for i in range(20)]
    chart = line_chart(metric, values(metric, [(d, i) for i, d in enumerate(days)]))
    assert chart is not None
    xs = [t.pos for t in chart.x_ticks]
    assert xs[0] == PLOT_LEFT and xs[-1] == PLOT_RIGHT
    assert all(b - a >= 64 for a, b in zip(xs, xs[1:], strict=False))
    assert not chart.show_values


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 11, 22)),
            st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda p: p[0],
    )
)
def test_every_point_falls_inside_the_plot(points: list[tuple[dt.date, Decimal]]) -> None:
    metric = Metric(name="m")
    ordered = sorted(points)
    chart = line_chart(metric, [MetricValue(metric=metric, date=d, value=v) for d, v in ordered])
    assert chart is not None
    for p in chart.points:
        assert PLOT_LEFT <= p.x <= PLOT_RIGHT
        assert PLOT_TOP - 0.05 <= p.y <= PLOT_BOTTOM + 0.05
    ys = [t.pos for t in chart.y_ticks]
    assert ys == sorted(ys, reverse=True) and len(ys) >= 2


@pytest.mark.parametrize(
    ("span", "step"), [(47, 20), (1500, 500), (1, 0.25), (0.3, 0.1), (9, 2.5), (100, 25)]
)
def test_nice_step(span: float, step: float) -> None:
    assert nice_step(span) == pytest.approx(step)


def test_format_number() -> None:
    assert format_number(Decimal("1500.00")) == "1,500"
    assert format_number(Decimal("2.50")) == "2.5"
    assert format_number(-3) == "-3"
