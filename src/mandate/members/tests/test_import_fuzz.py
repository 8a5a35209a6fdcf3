"""Whatever bytes arrive, planning an import answers with a plan (maybe full of errors), never an
exception: a damaged upload must become a message, not a 500."""

from __future__ import annotations

import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mandate.conftest import World
from mandate.members.importing import plan_import

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CSV = (
    b"Membership No,Forename,Surname,Email,Mobile,Postcode,Workplace\r\n"
    b"Z100,Ann,Ash,ann@example.org,07700 900123,L3 5TQ,Main campus\r\n"
    b"Z101,Bob,Birch,bob@example.org,07700 900124,L69 3BX,Main campus\r\n"
)


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for line in CSV.decode().splitlines():
        ws.append(line.split(","))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX = _xlsx()


def _mutate(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for pos, value in flips:
        buf[pos % len(buf)] = value
    return bytes(buf)


@pytest.mark.parametrize("original", [CSV, XLSX], ids=["csv", "xlsx"])
def test_the_originals_plan_cleanly(world: World, original: bytes) -> None:
    plan = plan_import(branch=world.liverpool, data=original, filename="x")
    assert plan.ok, plan.errors


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_mutated_xlsx_never_raises(world: World, flips: list[tuple[int, int]]) -> None:
    plan_import(branch=world.liverpool, data=_mutate(XLSX, flips), filename="x.xlsx")


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_mutated_csv_never_raises(world: World, flips: list[tuple[int, int]]) -> None:
    plan_import(branch=world.liverpool, data=_mutate(CSV, flips), filename="x.csv")


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_raise(world: World, data: bytes) -> None:
    plan = plan_import(branch=world.liverpool, data=data, filename="x")
    assert not plan.ok or plan.rows >= 0
