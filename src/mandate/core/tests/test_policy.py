from __future__ import annotations

import pytest
from django.http import Http404

from mandate.conftest import World
from mandate.core import actions, policy
from mandate.core.errors import DomainError
from mandate.core.models import AuditEvent, RoleKind
from mandate.core.policy import Perm


def visible(user, branch=None):  # type: ignore[no-untyped-def]
    return set(
        policy.members_for(user, Perm.VIEW_MEMBERS, branch).values_list(
            "membership_number", flat=True
        )
    )


def test_branch_officer_sees_whole_branch_only(world: World) -> None:
    assert visible(world.secretary) == {"L0001", "L0002", "L0003"}


def test_rep_sees_only_covered_workplace(world: World) -> None:
    assert visible(world.rep) == {"L0001", "L0002"}
    with pytest.raises(Http404):
        policy.get_member(world.rep, world.uncovered.pk, Perm.VIEW_MEMBERS)


def test_regional_officer_sees_region_not_others(world: World) -> None:
    assert visible(world.regional) == {"L0001", "L0002", "L0003"}
    assert not policy.has_branch_perm(world.regional, Perm.VIEW_MEMBERS, world.ucl)


def test_national_officer_sees_all(world: World) -> None:
    assert visible(world.national) == {"L0001", "L0002", "L0003", "U0001"}


def test_outsider_gets_404_for_other_branch(world: World) -> None:
    assert visible(world.outsider) == {"U0001"}
    with pytest.raises(Http404):
        policy.get_branch(world.outsider, world.liverpool.slug, Perm.VIEW_MEMBERS)
    with pytest.raises(Http404):
        policy.get_member(world.outsider, world.member.pk, Perm.VIEW_MEMBERS)


@pytest.mark.parametrize("who", ["member_user", "panel"])
def test_members_and_fund_panel_cannot_browse_register(world: World, who: str) -> None:
    user = getattr(world, who)
    assert visible(user) == set()
    assert not policy.can_anywhere(user, Perm.VIEW_MEMBERS)


def test_salary_visible_to_officer_and_panel_not_rep(world: World) -> None:
    assert policy.can_see_salary(world.secretary, world.liverpool)
    assert policy.can_see_salary(world.panel, world.liverpool)
    assert not policy.can_see_salary(world.rep, world.liverpool)
    assert not policy.can_see_salary(world.regional, world.liverpool)


def test_guessed_ids_are_404(world: World) -> None:
    for pk in ("abc", "-1", "999999", None):
        with pytest.raises(Http404):
            policy.get_member(world.secretary, pk, Perm.VIEW_MEMBERS)


def test_audit_scope(world: World) -> None:
    liverpool_actions = set(
        policy.audit_events_for(world.secretary).values_list("branch_id", flat=True)
    )
    assert liverpool_actions == {world.liverpool.pk}
    assert policy.audit_events_for(world.rep).count() == 0
    assert policy.audit_events_for(world.national).count() == AuditEvent.objects.count()


def test_audit_events_are_append_only(world: World) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.action = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_role_grant_rejects_mismatched_scope(world: World) -> None:
    with pytest.raises(DomainError, match="whole union"):
        actions.role_grant(user=world.rep, kind=RoleKind.NATIONAL_OFFICER, branch=world.ucl)
    with pytest.raises(DomainError, match="workplaces or departments"):
        actions.role_grant(user=world.rep, kind=RoleKind.REP, branch=world.ucl)
    bloomsbury = world.ucl_employer.workplaces.get()
    with pytest.raises(DomainError, match="of their branch"):
        actions.role_grant(
            user=world.rep, kind=RoleKind.REP, branch=world.liverpool, workplaces=[bloomsbury]
        )
