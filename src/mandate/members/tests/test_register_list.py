"""The member list page: search, filters, paging, htmx fragments and the query budget."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import Branch
from mandate.members.actions import segment_save
from mandate.members.models import ContractType, Employment, Member, MemberStatus

QueryBudget = Callable[..., AbstractContextManager[Any]]


def _login(client: Client, username: str = "secretary") -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def _url(world: World, query: str = "") -> str:
    return f"/branches/{world.liverpool.slug}/members/" + (f"?{query}" if query else "")


def _add_members(branch: Branch, count: int, *, start: int = 1000) -> None:
    """COUNT members with one job each, spread over the branch's workplaces and departments."""
    employer = branch.employers.get()
    workplaces = list(employer.workplaces.all())
    departments = list(employer.departments.all())
    members = Member.objects.bulk_create(
        Member(
            branch=branch,
            membership_number=f"B{start + i:06d}",
            first_name=f"First{i}",
            last_name=f"Last{i:05d}",
            mobile="+447911123456" if i % 2 else "",
            status=MemberStatus.ACTIVE if i % 5 else MemberStatus.LAPSED,
        )
        for i in range(count)
    )
    contracts = list(ContractType)
    Employment.objects.bulk_create(
        Employment(
            member=m,
            employer=employer,
            workplace=workplaces[i % len(workplaces)],
            department=departments[i % len(departments)],
            job_category="Lecturer",
            contract_type=contracts[i % len(contracts)],
        )
        for i, m in enumerate(members)
    )


def test_lists_members_with_workplace_and_count(client: Client, world: World) -> None:
    body = _login(client).get(_url(world)).content.decode()
    assert "Ahmed, Mo" in body
    assert "Health and Life Sciences building" in body
    assert "<strong>3</strong> members" in body
    assert "Ulla" not in body  # another branch's member


def test_rep_sees_only_their_workplace(client: Client, world: World) -> None:
    body = _login(client, "rep").get(_url(world)).content.decode()
    assert "Ahmed, Mo" in body
    assert "Byrne, Cat" in body
    assert "Cole, Una" not in body
    assert "<strong>2</strong> members" in body
    assert "Export" not in body
    assert "Save these filters" not in body


def test_search_and_filter(client: Client, world: World) -> None:
    main = world.liverpool_employer.workplaces.get(name="Main campus")
    _login(client)
    body = client.get(_url(world, "q=byrne")).content.decode()
    assert "Byrne, Cat" in body
    assert "Ahmed, Mo" not in body
    assert "1</strong> member match" in body
    body = client.get(_url(world, f"workplace={main.pk}")).content.decode()
    assert "Cole, Una" in body
    assert "Byrne, Cat" not in body
    assert f'<option value="{main.pk}" selected>' in body


def test_bad_filter_shows_an_error_not_a_list(client: Client, world: World) -> None:
    response = _login(client).get(_url(world, "workplace=99999&status=nonsense"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Some filters could not be used" in body
    assert "Choose one of this branch&#x27;s workplaces" in body
    assert "Choose one of: active, lapsed, resigned, deceased" in body
    assert "Ahmed, Mo" not in body


def test_htmx_request_gets_only_the_results_fragment(client: Client, world: World) -> None:
    response = _login(client).get(_url(world, "q=ahmed"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert '<section id="results"' not in body  # the fragment goes inside it
    assert "<html" not in body
    assert "<strong>1</strong> member match" in body
    assert "Ahmed, Mo" in body
    assert "Byrne, Cat" not in body


def test_htmx_pushes_a_tidy_address(client: Client, world: World) -> None:
    _login(client)
    response = client.get(
        _url(world, "q=ahmed&workplace=&status=&has_mobile=yes"), HTTP_HX_REQUEST="true"
    )
    assert response["HX-Push-Url"] == _url(world, "q=ahmed&has_mobile=yes")
    response = client.get(_url(world, "q=&status="), HTTP_HX_REQUEST="true")
    assert response["HX-Push-Url"] == _url(world)


def test_page_wires_htmx_search(client: Client, world: World) -> None:
    body = _login(client).get(_url(world)).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in body
    assert 'hx-target="#results"' in body
    assert 'hx-push-url="true"' in body


def test_paging_fifty_a_page_keeps_filters(client: Client, world: World) -> None:
    _add_members(world.liverpool, 120)
    _login(client)
    body = client.get(_url(world, "status=active")).content.decode()
    # 96 of the 120 added are active, plus the three personas.
    assert "<strong>99</strong> members match" in body
    assert "page 1 of 2" in body
    assert body.count('href="/branches/university-of-liverpool/members/') >= 50
    assert "?status=active&amp;page=2" in body
    body = client.get(_url(world, "status=active&page=2")).content.decode()
    assert "page 2 of 2" in body
    body = client.get(_url(world, "page=999")).content.decode()
    assert "page 3 of 3" in body


def test_segments_are_chips_that_apply_their_filters(client: Client, world: World) -> None:
    segment_save(
        branch=world.liverpool, name="Lapsed", filters={"status": "lapsed"}, actor=world.secretary
    )
    body = _login(client).get(_url(world)).content.decode()
    assert '<a class="button secondary" href="?status=lapsed">Lapsed</a>' in body


@pytest.mark.parametrize("size", [30, 300])
def test_query_count_does_not_grow_with_the_branch(
    client: Client, world: World, django_assert_max_num_queries: QueryBudget, size: int
) -> None:
    _add_members(world.liverpool, size)
    segment_save(branch=world.liverpool, name="Lapsed", filters={"status": "lapsed"}, actor=None)
    main = world.liverpool_employer.workplaces.get(name="Main campus")
    _login(client)
    for query in ("", "q=last", f"workplace={main.pk}&status=active&has_mobile=yes", "page=2"):
        with django_assert_max_num_queries(15):
            response = client.get(_url(world, query))
        assert response.status_code == 200
    # The fragment skips the segment chips.
    with django_assert_max_num_queries(14):
        client.get(_url(world, "q=last"), HTTP_HX_REQUEST="true")


def test_rep_query_count_does_not_grow_either(
    client: Client, world: World, django_assert_max_num_queries: QueryBudget
) -> None:
    _add_members(world.liverpool, 300)
    _login(client, "rep")
    with django_assert_max_num_queries(15):
        assert client.get(_url(world)).status_code == 200


def test_same_number_of_queries_for_30_and_300_members(client: Client, world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    main = world.liverpool_employer.workplaces.get(name="Main campus")
    queries = ("", "q=last", f"workplace={main.pk}&status=active", "page=2")
    _login(client)
    # The officer's grants are read at their first request and remembered after that.
    client.get(_url(world))

    def counts() -> list[int]:
        result = []
        for query in queries:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(_url(world, query)).status_code == 200
            result.append(len(ctx))
        return result

    _add_members(world.liverpool, 30)
    small = counts()
    _add_members(world.liverpool, 270, start=5000)
    assert counts() == small
    assert max(small) <= 15


def test_import_link_only_for_those_who_may_import(client, world) -> None:  # type: ignore[no-untyped-def]
    from mandate.conftest import PASSWORD

    url = f"/branches/{world.liverpool.slug}/members/"
    client.login(username="secretary", password=PASSWORD)
    assert "Import a register" in client.get(url).content.decode()
    client.login(username="rep", password=PASSWORD)
    assert "Import a register" not in client.get(url).content.decode()
