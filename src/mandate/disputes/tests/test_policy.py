from __future__ import annotations

import pytest
from django.http import Http404

from mandate.conftest import World
from mandate.core import policy
from mandate.core.models import User
from mandate.core.policy import Perm
from mandate.disputes.models import Dispute


def slugs(user: User, perm: Perm) -> set[str]:
    return set(policy.disputes_for(user, perm).values_list("slug", flat=True))


def test_who_sees_and_manages_which_dispute(
    world: World, local: Dispute, national: Dispute, ucl_local: Dispute
) -> None:
    everything = {local.slug, national.slug, ucl_local.slug}
    assert slugs(world.national, Perm.VIEW_DISPUTES) == everything
    assert slugs(world.national, Perm.MANAGE_DISPUTES) == everything
    assert slugs(world.secretary, Perm.VIEW_DISPUTES) == {local.slug, national.slug}
    assert slugs(world.secretary, Perm.MANAGE_DISPUTES) == {local.slug}
    assert slugs(world.regional, Perm.MANAGE_DISPUTES) == {local.slug}
    assert slugs(world.rep, Perm.VIEW_DISPUTES) == {local.slug, national.slug}
    assert slugs(world.rep, Perm.MANAGE_DISPUTES) == set()
    assert slugs(world.outsider, Perm.VIEW_DISPUTES) == {national.slug, ucl_local.slug}
    assert slugs(world.member_user, Perm.VIEW_DISPUTES) == set()
    assert slugs(world.panel, Perm.VIEW_DISPUTES) == set()


def test_get_dispute_hides_what_is_out_of_reach(world: World, local: Dispute) -> None:
    assert policy.get_dispute(world.rep, local.slug, Perm.VIEW_DISPUTES) == local
    for user, perm in [
        (world.outsider, Perm.VIEW_DISPUTES),
        (world.rep, Perm.MANAGE_DISPUTES),
        (world.member_user, Perm.VIEW_DISPUTES),
    ]:
        with pytest.raises(Http404):
            policy.get_dispute(user, local.slug, perm)
    with pytest.raises(Http404):
        policy.get_dispute(world.national, "no-such-dispute", Perm.VIEW_DISPUTES)


def test_tracker_rights_follow_the_branch_covering_the_employer(world: World) -> None:
    assert set(policy.employers_with(world.secretary, Perm.MANAGE_DISPUTES)) == {
        world.liverpool_employer
    }
    assert set(policy.employers_with(world.outsider, Perm.MANAGE_DISPUTES)) == {world.ucl_employer}
    assert not policy.employers_with(world.rep, Perm.MANAGE_DISPUTES).exists()
    assert policy.employers_with(world.national, Perm.MANAGE_DISPUTES).count() == 2


def test_can_on_dispute(world: World, local: Dispute, national: Dispute) -> None:
    assert policy.can_on_dispute(world.secretary, Perm.MANAGE_DISPUTES, local)
    assert not policy.can_on_dispute(world.secretary, Perm.MANAGE_DISPUTES, national)
    assert policy.can_on_dispute(world.secretary, Perm.VIEW_DISPUTES, national)
    assert policy.can_on_dispute(world.national, Perm.MANAGE_DISPUTES, national)
    assert not policy.can_on_dispute(world.rep, Perm.MANAGE_DISPUTES, local)
