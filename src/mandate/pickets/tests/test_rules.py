"""The law on the line: the Code's six per entrance, s220 own workplace, s220A by date."""

from __future__ import annotations

import datetime as dt

import pytest

from mandate.conftest import World
from mandate.members.actions import member_create
from mandate.pickets import actions, queries
from mandate.pickets.actions import PicketError
from mandate.pickets.models import SignupSource
from mandate.pickets.rules import picket_rules
from mandate.pickets.tests.factories import picket_line


def _members(world: World, n: int, start: int = 100) -> list:  # type: ignore[type-arg]
    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    return [
        member_create(
            branch=world.liverpool,
            membership_number=f"L{start + i}",
            first_name=f"Picket{i}",
            last_name="Test",
            employments=[{"employer": world.liverpool_employer, "workplace": hls}],
        )
        for i in range(n)
    ]


def test_parse_pattern_reads_shifts_and_names_the_bad_one() -> None:
    assert actions.parse_pattern("07:30-09:30, 12:00 - 14:00") == [
        (dt.time(7, 30), dt.time(9, 30)),
        (dt.time(12), dt.time(14)),
    ]
    with pytest.raises(PicketError, match="Shift 2.*ends before it starts"):
        actions.parse_pattern("07:30-09:30, 14:00-12:00")
    with pytest.raises(PicketError, match="Shift 1.*start-end"):
        actions.parse_pattern("early")
    with pytest.raises(PicketError, match="25:00 is not a time"):
        actions.parse_pattern("25:00-26:00")


def test_generate_makes_the_pattern_on_each_strike_day_and_keeps_existing(world: World) -> None:
    line = picket_line(world)
    assert line.site.shifts.count() == 4
    again = actions.shifts_generate(
        site=line.site,
        action=line.action,
        pattern="07:30-09:30, 16:00-17:00",
        actor=None,
        today=line.days[0],
    )
    assert (again.created, again.kept) == (2, 2)
    assert line.site.shifts.count() == 6


def test_code_of_practice_warns_above_six_at_one_entrance(world: World) -> None:
    """Code of Practice on Picketing: in general no more than six at any entrance."""
    line = picket_line(world)
    shift = line.shift()
    gate = line.site.entrances.get(name="Main gate")
    people = _members(world, 7)
    for m in people[:6]:
        actions.signup_member(shift=shift, member=m, source=SignupSource.LOGIN, entrance=gate)
    rules = picket_rules(line.site, shift.date)
    assert rules.max_per_entrance == 6
    assert queries.crowd_warnings(line.site, shift.date, rules) == []
    actions.signup_member(shift=shift, member=people[6], source=SignupSource.LOGIN, entrance=gate)
    warnings = queries.crowd_warnings(line.site, shift.date, rules)
    assert len(warnings) == 1
    assert warnings[0].count == 7 and warnings[0].entrance == "Main gate"
    assert "no more than 6" in warnings[0].message
    assert "Code of Practice" in warnings[0].source


def test_code_of_practice_counts_entrances_apart_and_overlaps_together(world: World) -> None:
    line = picket_line(world)
    library = line.site.entrances.get(name="Library gate")
    people = _members(world, 8)
    for m in people[:4]:
        actions.signup_member(shift=line.shift(), member=m, source=SignupSource.LOGIN)
    for m in people[4:]:
        actions.signup_member(
            shift=line.shift(), member=m, source=SignupSource.LOGIN, entrance=library
        )
    rules = picket_rules(line.site, line.days[0])
    assert queries.crowd_warnings(line.site, line.days[0], rules) == []
    # A shift moved to overlap the first adds its people at the same entrance at once.
    late = line.shift(at="12:00")
    actions.shift_update(
        shift=late, starts=dt.time(9), ends=dt.time(11), note="", actor=world.secretary
    )
    extra = _members(world, 3, start=200)
    for m in extra:
        actions.signup_member(shift=late, member=m, source=SignupSource.LOGIN, entrance=library)
    warnings = queries.crowd_warnings(line.site, line.days[0], rules)
    assert [(w.entrance, w.count, w.starts) for w in warnings] == [("Library gate", 7, dt.time(9))]


def test_s220_warns_a_member_picketing_away_from_their_own_workplace(world: World) -> None:
    line = picket_line(world)
    own = actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LOGIN)
    assert own.warnings == []
    away = actions.signup_member(
        shift=line.shift(), member=world.uncovered, source=SignupSource.LOGIN
    )
    assert len(away.warnings) == 1
    assert "not your own workplace" in away.warnings[0]
    assert "s220" in away.warnings[0]


def test_signing_up_twice_keeps_one_signup(world: World) -> None:
    line = picket_line(world)
    first = actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LINK)
    second = actions.signup_member(
        shift=line.shift(), member=world.member, source=SignupSource.LINK
    )
    assert first.created and not second.created
    assert first.signup.pk == second.signup.pk


def test_another_branchs_member_cannot_sign_up(world: World) -> None:
    line = picket_line(world)
    with pytest.raises(PicketError, match="Only members of the branch"):
        actions.signup_member(
            shift=line.shift(), member=world.ucl_member, source=SignupSource.LOGIN
        )


@pytest.mark.parametrize(
    ("day", "required", "regime"),
    [
        (dt.date(2026, 2, 17), True, "B"),  # s220A in force for picketing that day
        (dt.date(2026, 2, 18), False, "C"),  # repealed by ERA 2025 for picketing from 18 Feb
    ],
)
def test_s220A_supervisor_required_by_the_day_of_picketing(
    world: World, day: dt.date, required: bool, regime: str
) -> None:
    line = picket_line(world)
    rules = picket_rules(line.site, day)
    assert rules.supervisor_required is required
    assert rules.regime == regime


def test_swap_moves_the_signup_in_one_step(world: World) -> None:
    line = picket_line(world)
    joined = actions.signup_member(
        shift=line.shift(), member=world.member, source=SignupSource.LOGIN
    )
    moved = actions.signup_swap(signup=joined.signup, to=line.shift(1, "12:00"))
    joined.signup.refresh_from_db()
    assert joined.signup.cancelled_at is not None
    assert moved.signup.shift == line.shift(1, "12:00")
    assert queries.live_signups().filter(member=world.member).count() == 1


def test_a_shift_with_people_on_it_is_not_deleted(world: World) -> None:
    line = picket_line(world)
    actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LOGIN)
    with pytest.raises(PicketError, match="1 signed up"):
        actions.shift_delete(shift=line.shift(), actor=world.secretary)
