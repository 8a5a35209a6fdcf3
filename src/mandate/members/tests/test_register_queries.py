"""The filter vocabulary: reading, validating and applying filters, segments and CSV cells."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone

from mandate.conftest import World
from mandate.core import policy
from mandate.core.errors import DomainError
from mandate.core.policy import Perm
from mandate.members.actions import member_create, segment_save
from mandate.members.models import ContractType, Employment, Member, MemberStatus
from mandate.members.queries import (
    MemberFilters,
    export_csv,
    filter_choices,
    filter_members,
    filters_from_querydict,
    neutralise_cell,
    segment_counts,
    segment_members,
)


def _numbers(qs: object) -> list[str]:
    return sorted(m.membership_number for m in qs)  # type: ignore[attr-defined]


def _branch_members(world: World) -> object:
    return Member.objects.filter(branch=world.liverpool)


def _read(world: World, query: str) -> tuple[MemberFilters, dict[str, str]]:
    reach = policy.members_for(world.secretary, Perm.VIEW_MEMBERS, world.liverpool)
    return filters_from_querydict(QueryDict(query), filter_choices(world.liverpool, reach))


def _apply(world: World, **kwargs: object) -> list[str]:
    qs = Member.objects.filter(branch=world.liverpool)
    return _numbers(filter_members(qs, MemberFilters(**kwargs)))  # type: ignore[arg-type]


@pytest.fixture
def places(world: World) -> dict[str, object]:
    emp = world.liverpool_employer
    return {
        "main": emp.workplaces.get(name="Main campus"),
        "hls": emp.workplaces.get(name="Health and Life Sciences building"),
        "history": emp.departments.get(name="History"),
        "biochem": emp.departments.get(name="Biochemistry"),
    }


def test_search_matches_names_number_email_and_postcode(world: World) -> None:
    member_create(
        branch=world.liverpool,
        membership_number="L0100",
        first_name="Priya",
        last_name="Shah",
        personal_email="priya@example.net",
        postcode="L69 3BX",
        mobile="+447911123456",
    )
    assert _apply(world, q="shah") == ["L0100"]
    assert _apply(world, q="Priya Shah") == ["L0100"]
    assert _apply(world, q="priya sh") == ["L0100"]
    assert _apply(world, q="Priya Ahmed") == []  # every word must match
    assert _apply(world, q="l0100") == ["L0100"]
    assert _apply(world, q="example.net") == ["L0100"]
    assert _apply(world, q="l69 3bx") == ["L0100"]
    assert _apply(world, q="L693BX") == ["L0100"]  # a whole postcode typed without its space
    assert _apply(world, q="07911 123456") == ["L0100"]  # a phone number finds its owner
    assert _apply(world, q="m.ahmed@liverpool") == ["L0001"]


def test_member_fields_filters(world: World) -> None:
    Member.objects.filter(pk=world.covered.pk).update(
        status=MemberStatus.LAPSED, consent_sms=False, do_not_contact=True
    )
    Member.objects.filter(pk=world.uncovered.pk).update(missing_since=timezone.now())
    assert _apply(world, status="lapsed") == ["L0002"]
    assert _apply(world, status="active") == ["L0001", "L0003"]
    assert _apply(world, consent="sms") == ["L0001", "L0003"]
    assert _apply(world, do_not_contact=True) == ["L0002"]
    assert _apply(world, do_not_contact=False) == ["L0001", "L0003"]
    assert _apply(world, has_mobile=True) == ["L0001"]
    assert _apply(world, has_mobile=False) == ["L0002", "L0003"]
    assert _apply(world, has_personal_email=True) == ["L0001"]
    assert _apply(world, missing=True) == ["L0003"]
    assert _apply(world, missing=False) == ["L0001", "L0002"]


def test_employment_filters_apply_to_one_current_job(
    world: World, places: dict[str, object]
) -> None:
    emp = world.liverpool_employer
    # Cat has a second, hourly-paid job in History on the main campus.
    Employment.objects.create(
        member=world.covered,
        employer=emp,
        workplace=places["main"],  # type: ignore[misc]
        department=places["history"],  # type: ignore[misc]
        job_category="Tutor",
        grade="6",
        contract_type=ContractType.HOURLY_PAID,
    )
    # Una's main campus job has ended.
    Employment.objects.filter(member=world.uncovered).update(
        end_date=timezone.localdate() - timedelta(days=1)
    )
    main, hls = places["main"].pk, places["hls"].pk  # type: ignore[attr-defined]
    assert _apply(world, workplace=main) == ["L0002"]
    assert _apply(world, workplace=hls) == ["L0001", "L0002"]
    assert _apply(world, employer=emp.pk) == ["L0001", "L0002"]
    assert _apply(world, contract_type="hourly_paid") == ["L0002"]
    assert _apply(world, job_category="Tutor", grade="6") == ["L0002"]
    # Both conditions must hold for the same job: Cat's hourly job is not at HLS.
    assert _apply(world, workplace=hls, contract_type="hourly_paid") == []
    assert _apply(world, department=places["history"].pk) == ["L0002"]  # type: ignore[attr-defined]


def test_two_matching_jobs_do_not_duplicate_a_member(world: World) -> None:
    emp = world.liverpool_employer
    hls = emp.workplaces.get(name="Health and Life Sciences building")
    Employment.objects.create(member=world.member, employer=emp, workplace=hls)
    qs = filter_members(
        Member.objects.filter(branch=world.liverpool), MemberFilters(workplace=hls.pk)
    )
    assert qs.count() == 2
    assert len(list(qs)) == 2


def test_querystring_round_trip(world: World, places: dict[str, object]) -> None:
    hls = places["hls"].pk  # type: ignore[attr-defined]
    filters, errors = _read(
        world, f"q=+Mo++Ahmed+&workplace={hls}&status=active&consent=sms&do_not_contact=no"
    )
    assert errors == {}
    assert filters == MemberFilters(
        q="Mo Ahmed", workplace=hls, status="active", consent="sms", do_not_contact=False
    )
    again, _ = _read(world, "&".join(f"{k}={v}" for k, v in filters.to_query()).replace(" ", "+"))
    assert again == filters
    assert filters.names() == ["consent", "do_not_contact", "q", "status", "workplace"]


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("workplace=999999", "workplace", "this branch's workplaces"),
        ("workplace=abc", "workplace", "this branch's workplaces"),
        ("department=-1", "department", "this branch's departments"),
        ("employer=0", "employer", "this branch's employers"),
        ("status=expelled", "status", "Choose one of: active, lapsed, resigned, deceased"),
        ("contract_type=gig", "contract_type", "Choose one of"),
        ("consent=fax", "consent", "Choose one of"),
        ("has_mobile=maybe", "has_mobile", "yes or no"),
        ("job_category=Astronaut", "job_category", "job category"),
        ("q=" + "x" * 101, "q", "under 100 characters"),
    ],
)
def test_bad_values_are_clear_errors(world: World, query: str, field: str, fragment: str) -> None:
    filters, errors = _read(world, query)
    assert list(errors) == [field]
    assert fragment in errors[field]
    assert filters.is_empty


def test_another_branchs_workplace_is_refused(world: World) -> None:
    bloomsbury = world.ucl_employer.workplaces.get()
    _, errors = _read(world, f"workplace={bloomsbury.pk}")
    assert "workplace" in errors


def test_choices_are_the_branchs_own(world: World) -> None:
    reach = policy.members_for(world.secretary, Perm.VIEW_MEMBERS, world.liverpool)
    choices = filter_choices(world.liverpool, reach)
    assert [name for _, name in choices.workplaces] == [
        "Health and Life Sciences building",
        "Main campus",
    ]
    assert [name for _, name in choices.departments] == ["Biochemistry", "History"]
    assert choices.job_categories == ["Lecturer"]


def test_rep_choices_show_only_jobs_in_reach(world: World) -> None:
    Employment.objects.filter(member=world.uncovered).update(job_category="Professor")
    rep_reach = policy.members_for(world.rep, Perm.VIEW_MEMBERS, world.liverpool)
    assert filter_choices(world.liverpool, rep_reach).job_categories == ["Lecturer"]


def test_from_dict_rejects_unknown_and_mistyped_values() -> None:
    assert MemberFilters.from_dict({"workplace": 3, "missing": True}) == MemberFilters(
        workplace=3, missing=True
    )
    with pytest.raises(DomainError, match="Unknown filter 'colour'"):
        MemberFilters.from_dict({"colour": "red"})
    with pytest.raises(DomainError, match="'workplace' must be an id"):
        MemberFilters.from_dict({"workplace": "3"})
    with pytest.raises(DomainError, match="'missing' must be true or false"):
        MemberFilters.from_dict({"missing": "yes"})
    with pytest.raises(DomainError, match="not a membership status"):
        MemberFilters.from_dict({"status": "expelled"})


def test_segment_members_stay_within_the_users_reach(world: World) -> None:
    segment = segment_save(
        branch=world.liverpool, name="Lecturers", filters={"job_category": "Lecturer"}, actor=None
    )
    assert _numbers(segment_members(segment, world.secretary)) == ["L0001", "L0002", "L0003"]
    assert _numbers(segment_members(segment, world.rep)) == ["L0001", "L0002"]
    assert _numbers(segment_members(segment, world.outsider)) == []
    assert _numbers(segment_members(segment, world.rep, Perm.EXPORT_MEMBERS)) == []


def test_segment_counts_in_one_query(world: World, django_assert_num_queries: object) -> None:
    everyone = segment_save(branch=world.liverpool, name="All", filters={}, actor=None)
    active = segment_save(
        branch=world.liverpool, name="Mobiles", filters={"has_mobile": True}, actor=None
    )
    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    at_hls = segment_save(
        branch=world.liverpool, name="HLS", filters={"workplace": hls.pk}, actor=None
    )
    members = Member.objects.filter(branch=world.liverpool)
    with django_assert_num_queries(1):  # type: ignore[operator]
        counts = segment_counts([everyone, active, at_hls], members)
    assert counts == {everyone.pk: 3, active.pk: 1, at_hls.pk: 2}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+447700900001", "'+447700900001"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("Smith", "Smith"),
        ("O'Neill", "O'Neill"),
        (None, ""),
        (True, "yes"),
        (Decimal("1.000"), "1.000"),
    ],
)
def test_neutralise_cell(value: object, cell: str) -> None:
    assert neutralise_cell(value) == cell


def test_export_csv_counts_rows(world: World) -> None:
    text, rows = export_csv(Member.objects.filter(branch=world.liverpool), include_salary=False)
    assert rows == 3
    assert text.startswith("\ufeffmembership_number,")
    assert "annual_salary" not in text
    empty, none = export_csv(Member.objects.none(), include_salary=True)
    assert none == 0
    assert "annual_salary" in empty
