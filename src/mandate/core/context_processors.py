from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mandate.core import policy
from mandate.core.models import RoleKind
from mandate.core.policy import Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries the user may follow; the views check again on every request."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_members": policy.can_anywhere(user, Perm.VIEW_MEMBERS),
        "nav_audit": policy.can_anywhere(user, Perm.VIEW_AUDIT),
        "nav_disputes": policy.can_anywhere(user, Perm.VIEW_DISPUTES),
        "nav_ballots": policy.can_anywhere(user, Perm.VIEW_BALLOTS),
        "nav_gtvo": policy.can_anywhere(user, Perm.VIEW_BALLOTS),
        "nav_national": policy.has_national(user, Perm.VIEW_BRANCH),
        "nav_calls": policy.can_anywhere(user, Perm.MAKE_CALLS),
        "nav_actions": policy.can_anywhere(user, Perm.VIEW_ACTIONS),
        "nav_my_action": RoleKind.MEMBER in policy.role_kinds(user),
        "nav_funds": RoleKind.MEMBER in policy.role_kinds(user)
        or policy.can_anywhere(user, Perm.VIEW_FUNDS)
        or policy.can_anywhere(user, Perm.VIEW_FUND_TOTALS),
        "nav_pay": RoleKind.MEMBER in policy.role_kinds(user)
        or policy.can_anywhere(user, Perm.VIEW_SALARY),
        # Members see their branch meetings too: any role in a branch, or running them anywhere.
        "nav_meetings": bool(policy.grants(user).by_branch)
        or policy.can_anywhere(user, Perm.MANAGE_MEETINGS),
        "nav_votes": policy.can_anywhere(user, Perm.MANAGE_POLLS),
        # From the grants already loaded: no query on every page.
        "nav_photos": bool(policy.grants(user).by_branch)
        or policy.can_anywhere(user, Perm.VIEW_DISPUTES),
    }
