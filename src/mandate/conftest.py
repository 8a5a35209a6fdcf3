"""Shared fixtures: a small union built through the real actions, and named personas.

Personas: ``secretary`` (branch officer, Liverpool), ``rep`` (rep in Liverpool covering the
Health and Life Sciences building), ``member_user`` (a member of Liverpool with a login),
``outsider`` (branch officer of UCL, another branch), ``regional`` (regional officer, North
West), ``national`` (national officer), ``panel`` (fund panel, Liverpool).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from mandate.core import actions as core_actions
from mandate.core.models import Branch, Employer, Region, RoleKind, Union, User
from mandate.members.actions import member_create
from mandate.members.models import Member

PASSWORD = "correct-horse-battery-staple"
PHONE_VIEWPORT = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _require_postgres_when_asked() -> None:
    if os.environ.get("MANDATE_REQUIRE_POSTGRES") == "1":
        assert connection.vendor == "postgresql", "the PostgreSQL pass is running on another DB"


@dataclass
class World:
    union: Union
    north_west: Region
    london: Region
    liverpool_employer: Employer
    ucl_employer: Employer
    liverpool: Branch
    ucl: Branch
    secretary: User
    rep: User
    member_user: User
    outsider: User
    regional: User
    national: User
    panel: User
    member: Member  # the member_user's own record (in the rep's building)
    covered: Member  # another member in the rep's building
    uncovered: Member  # a Liverpool member on the main campus, outside the rep's reach
    ucl_member: Member


def _user(username: str, first_name: str = "") -> User:
    user = core_actions.user_create(username=username, password=PASSWORD)
    if first_name:
        user.first_name = first_name
        user.save(update_fields=["first_name"])
    return user


def build_world() -> World:
    union = Union.objects.create(name="University and College Union", slug="ucu")
    north_west = core_actions.region_create(union=union, name="North West")
    london = core_actions.region_create(union=union, name="London")
    liv_emp = core_actions.employer_create(
        name="University of Liverpool",
        jurisdiction="england",
        workplaces=["Main campus", "Health and Life Sciences building"],
        departments=["Biochemistry", "History"],
    )
    ucl_emp = core_actions.employer_create(
        name="University College London", jurisdiction="england", workplaces=["Bloomsbury"]
    )
    liverpool = core_actions.branch_create(
        region=north_west, name="University of Liverpool", employers=[liv_emp]
    )
    ucl = core_actions.branch_create(region=london, name="UCL", employers=[ucl_emp])
    main = liv_emp.workplaces.get(name="Main campus")
    hls = liv_emp.workplaces.get(name="Health and Life Sciences building")

    secretary = _user("secretary", "Sam")
    core_actions.role_grant(
        user=secretary, kind=RoleKind.BRANCH_OFFICER, branch=liverpool, title="Branch secretary"
    )
    rep = _user("rep", "Rita")
    core_actions.role_grant(user=rep, kind=RoleKind.REP, branch=liverpool, workplaces=[hls])
    outsider = _user("outsider", "Olu")
    core_actions.role_grant(user=outsider, kind=RoleKind.BRANCH_OFFICER, branch=ucl)
    regional = _user("regional", "Reg")
    core_actions.role_grant(user=regional, kind=RoleKind.REGIONAL_OFFICER, region=north_west)
    national = _user("national", "Nat")
    core_actions.role_grant(user=national, kind=RoleKind.NATIONAL_OFFICER)
    panel = _user("panel", "Pat")
    core_actions.role_grant(user=panel, kind=RoleKind.FUND_PANEL, branch=liverpool)
    member_user = _user("member", "Mo")
    core_actions.role_grant(user=member_user, kind=RoleKind.MEMBER, branch=liverpool)

    def employment(workplace: Any, salary: str = "42000") -> list[dict[str, Any]]:
        return [
            {
                "employer": liv_emp,
                "workplace": workplace,
                "job_category": "Lecturer",
                "annual_salary": Decimal(salary),
            }
        ]

    member = member_create(
        branch=liverpool,
        membership_number="L0001",
        first_name="Mo",
        last_name="Ahmed",
        personal_email="mo@example.org",
        work_email="m.ahmed@liverpool.ac.uk",
        mobile="+447700900001",
        user=member_user,
        employments=employment(hls),
    )
    covered = member_create(
        branch=liverpool,
        membership_number="L0002",
        first_name="Cat",
        last_name="Byrne",
        employments=employment(hls, "31000"),
    )
    uncovered = member_create(
        branch=liverpool,
        membership_number="L0003",
        first_name="Una",
        last_name="Cole",
        employments=employment(main, "55000"),
    )
    ucl_member = member_create(
        branch=ucl,
        membership_number="U0001",
        first_name="Ulla",
        last_name="Dee",
        employments=[{"employer": ucl_emp, "job_category": "Researcher"}],
    )
    return World(
        union=union,
        north_west=north_west,
        london=london,
        liverpool_employer=liv_emp,
        ucl_employer=ucl_emp,
        liverpool=liverpool,
        ucl=ucl,
        secretary=secretary,
        rep=rep,
        member_user=member_user,
        outsider=outsider,
        regional=regional,
        national=national,
        panel=panel,
        member=member,
        covered=covered,
        uncovered=uncovered,
        ucl_member=ucl_member,
    )


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# Browser tests -----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is required for browser tests under CI=true")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(_browser: Any) -> Iterator[Any]:
    """A fresh phone-sized page (390 x 844, touch) in headless Chromium."""
    context = _browser.new_context(viewport=PHONE_VIEWPORT, has_touch=True, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
