"""Check-in: one person counts once a day at a site, however often they scan or are tapped."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from mandate.conftest import World, build_world
from mandate.pickets import actions, queries
from mandate.pickets.actions import PicketError
from mandate.pickets.models import Attendance, CheckInMethod, SignupSource
from mandate.pickets.tests.factories import picket_line


def test_double_checkin_is_one_attendance(world: World) -> None:
    line = picket_line(world)
    today = timezone.localdate()
    first = actions.checkin(site=line.site, day=today, method=CheckInMethod.QR, member=world.member)
    again = actions.checkin(
        site=line.site,
        day=today,
        method=CheckInMethod.ORGANISER,
        member=world.member,
        actor=world.rep,
    )
    assert first.created and not again.created
    assert first.attendance.pk == again.attendance.pk
    assert Attendance.objects.filter(site=line.site, date=today).count() == 1
    assert first.attendance.action == line.action


def test_the_qr_code_works_on_its_own_day_only(world: World) -> None:
    line = picket_line(world)
    with pytest.raises(PicketError, match="scan the code shown on the line today"):
        actions.checkin(
            site=line.site, day=line.days[1], method=CheckInMethod.QR, member=world.member
        )


def test_no_checkin_on_a_day_without_strike(world: World) -> None:
    line = picket_line(world)
    past = timezone.localdate() - dt.timedelta(days=3)
    with pytest.raises(PicketError, match="no strike day"):
        actions.checkin(
            site=line.site, day=past, method=CheckInMethod.ORGANISER, member=world.member
        )


def test_checkin_rows_list_the_rota_then_walk_ins(world: World) -> None:
    line = picket_line(world)
    actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LOGIN)
    actions.checkin(site=line.site, day=line.days[0], method=CheckInMethod.QR, member=world.covered)
    rows = queries.checkin_rows(line.site, line.days[0])
    assert [(r.name, r.present, r.rostered) for r in rows] == [
        ("Mo Ahmed", False, "07:30"),
        ("Cat Byrne", True, "not rostered"),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_checkins_on_postgres_count_once() -> None:
    """Eight phones (or eight retries) at once: one row, and every caller gets an answer."""
    world = build_world()
    line = picket_line(world)
    today = timezone.localdate()
    barrier = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def tap() -> None:
        try:
            barrier.wait()
            done = actions.checkin(
                site=line.site, day=today, method=CheckInMethod.QR, member=world.member
            )
            results.append(done.created)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 8
    assert results.count(True) == 1
    assert Attendance.objects.filter(site=line.site, date=today, member=world.member).count() == 1
