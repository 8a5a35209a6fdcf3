"""The permission policy: the one place that decides who may see and do what, and where.

Views and queries ask this module; they never compare role kinds themselves. An object outside
a user's scope is reported as not found (404), so an outsider cannot learn that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mandate.core import access_cache
from mandate.core.models import AuditEvent, Branch, Employer, Region, Role, RoleKind, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mandate.actions.models import Action
    from mandate.ballots.models import Ballot, Constituency
    from mandate.calls.models import CallAssignment
    from mandate.disputes.models import Dispute
    from mandate.funds.models import Claim, Fund
    from mandate.meetings.models import Meeting
    from mandate.members.models import Member
    from mandate.pickets.models import PicketSite
    from mandate.votes.models import Poll


class Perm(StrEnum):
    VIEW_BRANCH = "view_branch"
    VIEW_MEMBERS = "view_members"
    EDIT_MEMBERS = "edit_members"
    IMPORT_MEMBERS = "import_members"
    EXPORT_MEMBERS = "export_members"
    VIEW_SALARY = "view_salary"
    MANAGE_SEGMENTS = "manage_segments"
    VIEW_AUDIT = "view_audit"
    MANAGE_DISPUTES = "manage_disputes"
    VIEW_DISPUTES = "view_disputes"
    MANAGE_BALLOTS = "manage_ballots"
    VIEW_BALLOTS = "view_ballots"
    IMPORT_RESULTS = "import_results"
    OVERRIDE_RULES = "override_rules"
    VIEW_FUNDS = "view_funds"
    MANAGE_STRUCTURE = "manage_structure"
    MANAGE_ROLES = "manage_roles"
    SEND_MESSAGES = "send_messages"
    MAKE_CALLS = "make_calls"
    MANAGE_MEETINGS = "manage_meetings"
    MANAGE_ACTIONS = "manage_actions"
    VIEW_ACTIONS = "view_actions"
    MANAGE_POLLS = "manage_polls"
    ERASE_MEMBERS = "erase_members"
    VIEW_FUND_TOTALS = "view_fund_totals"
    RESET_TWO_FACTOR = "reset_two_factor"


_OFFICER = frozenset(
    {
        Perm.VIEW_BRANCH,
        Perm.VIEW_MEMBERS,
        Perm.EDIT_MEMBERS,
        Perm.IMPORT_MEMBERS,
        Perm.EXPORT_MEMBERS,
        Perm.MANAGE_SEGMENTS,
        Perm.VIEW_AUDIT,
        Perm.MANAGE_ROLES,
        Perm.MANAGE_DISPUTES,
        Perm.VIEW_DISPUTES,
        Perm.MANAGE_BALLOTS,
        Perm.VIEW_BALLOTS,
        Perm.SEND_MESSAGES,
        Perm.MAKE_CALLS,
        Perm.MANAGE_MEETINGS,
        Perm.MANAGE_ACTIONS,
        Perm.VIEW_ACTIONS,
        Perm.MANAGE_POLLS,
        Perm.VIEW_FUND_TOTALS,
        Perm.ERASE_MEMBERS,
    }
)

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    RoleKind.NATIONAL_OFFICER: frozenset(Perm),
    RoleKind.REGIONAL_OFFICER: _OFFICER | {Perm.IMPORT_RESULTS},
    # Branch officers (secretary, chair, treasurer) see salaries: deductions and hardship
    # claims are worked out from them.
    RoleKind.BRANCH_OFFICER: _OFFICER | {Perm.VIEW_SALARY},
    RoleKind.REP: frozenset(
        {
            Perm.VIEW_BRANCH,
            Perm.VIEW_MEMBERS,
            Perm.EDIT_MEMBERS,
            Perm.VIEW_DISPUTES,
            Perm.VIEW_BALLOTS,
            Perm.MAKE_CALLS,
            # Reps steward meetings: check people in and count hands.
            Perm.MANAGE_MEETINGS,
            Perm.VIEW_ACTIONS,
        }
    ),
    # Callers reach only the contacts a call assignment hands them, through their own views.
    RoleKind.CALLER: frozenset({Perm.MAKE_CALLS}),
    RoleKind.FUND_PANEL: frozenset({Perm.VIEW_FUNDS, Perm.VIEW_SALARY}),
    RoleKind.MEMBER: frozenset(),
}

# Perms whose reach a rep's workplaces and departments narrow.
_REP_NARROWED = {Perm.VIEW_MEMBERS, Perm.EDIT_MEMBERS}


@dataclass
class Grants:
    """What one user may do, resolved once per request from their roles."""

    national: set[Perm] = field(default_factory=set)
    by_region: dict[int, set[Perm]] = field(default_factory=dict)
    by_branch: dict[int, set[Perm]] = field(default_factory=dict)
    # For reps: branch id -> (workplace ids, department ids) they cover.
    rep_reach: dict[int, tuple[set[int], set[int]]] = field(default_factory=dict)
    branch_region: dict[int, int] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)


def grants(user: User | AnonymousUser) -> Grants:
    if not user.is_authenticated:
        return Grants()
    cached: Grants | None = getattr(user, "_mandate_grants", None)
    if cached is not None:
        return cached
    # Shared between requests and threads from here on: read only.
    remembered: Grants | None = access_cache.recall("grants", user)
    if remembered is not None:
        user._mandate_grants = remembered  # type: ignore[attr-defined]
        return remembered
    result = Grants()
    roles = Role.objects.filter(user_id=user.pk).prefetch_related("workplaces", "departments")
    for role in roles:
        perms = set(ROLE_PERMS.get(role.kind, frozenset()))
        result.kinds.add(role.kind)
        if role.kind == RoleKind.NATIONAL_OFFICER:
            result.national |= perms
        elif role.region_id is not None:
            result.by_region.setdefault(role.region_id, set()).update(perms)
        elif role.branch_id is not None:
            if role.kind == RoleKind.REP:
                wp, dp = result.rep_reach.setdefault(role.branch_id, (set(), set()))
                wp.update(w.pk for w in role.workplaces.all())
                dp.update(d.pk for d in role.departments.all())
            result.by_branch.setdefault(role.branch_id, set()).update(perms)
    if result.by_branch:
        result.branch_region = dict(
            Branch.objects.filter(pk__in=result.by_branch).values_list("pk", "region_id")
        )
    user._mandate_grants = result  # type: ignore[attr-defined]
    access_cache.remember("grants", user, result)
    return result


def forget(user: User) -> None:
    """Drop the cached grants, after roles change."""
    if hasattr(user, "_mandate_grants"):
        del user._mandate_grants
    access_cache.forget([user.pk])


def has_national(user: User | AnonymousUser, perm: Perm) -> bool:
    """True if the user holds PERM across the whole union."""
    return perm in grants(user).national


def can_anywhere(user: User | AnonymousUser, perm: Perm) -> bool:
    """True if the user holds PERM somewhere (for showing a menu entry)."""
    g = grants(user)
    return (
        perm in g.national
        or any(perm in p for p in g.by_region.values())
        or any(perm in p for p in g.by_branch.values())
    )


def _full_branch_perm(g: Grants, perm: Perm, branch_id: int, region_id: int) -> bool:
    """PERM over the whole branch: national, regional, or a branch role that is not narrowed."""
    if perm in g.national or perm in g.by_region.get(region_id, set()):
        return True
    if perm in g.by_branch.get(branch_id, set()):
        return not (
            perm in _REP_NARROWED and branch_id in g.rep_reach and not _officer_in(g, branch_id)
        )
    return False


def _officer_in(g: Grants, branch_id: int) -> bool:
    # A rep who is also a branch officer of the same branch sees the whole branch.
    return Perm.IMPORT_MEMBERS in g.by_branch.get(branch_id, set())


def has_branch_perm(user: User | AnonymousUser, perm: Perm, branch: Branch) -> bool:
    """True if the user holds PERM in BRANCH (a rep's narrower reach still counts here)."""
    g = grants(user)
    return (
        perm in g.national
        or perm in g.by_region.get(branch.region_id, set())
        or perm in g.by_branch.get(branch.pk, set())
    )


def branches_with(user: User | AnonymousUser, perm: Perm) -> QuerySet[Branch]:
    g = grants(user)
    if perm in g.national:
        return Branch.objects.all()
    regions = [r for r, p in g.by_region.items() if perm in p]
    branches = [b for b, p in g.by_branch.items() if perm in p]
    return Branch.objects.filter(Q(region_id__in=regions) | Q(pk__in=branches))


def get_branch(user: User | AnonymousUser, slug: str, perm: Perm) -> Branch:
    """Return the branch SLUG if the user holds PERM there, else raise 404."""
    try:
        branch = Branch.objects.select_related("region").get(slug=slug)
    except Branch.DoesNotExist:
        raise Http404("No such branch.") from None
    if not has_branch_perm(user, perm, branch):
        raise Http404("No such branch.")
    return branch


def members_for(
    user: User | AnonymousUser, perm: Perm, branch: Branch | None = None
) -> QuerySet[Member]:
    """The members the user may reach with PERM, optionally within one branch."""
    from mandate.members.models import Employment, Member

    g = grants(user)
    qs = Member.objects.all()
    if branch is not None:
        qs = qs.filter(branch=branch)
    if perm in g.national:
        return qs
    full_regions = [r for r, p in g.by_region.items() if perm in p]
    full_branches = [
        b
        for b, p in g.by_branch.items()
        if perm in p and _full_branch_perm(g, perm, b, g.branch_region.get(b, 0))
    ]
    cond = Q(branch__region_id__in=full_regions) | Q(branch_id__in=full_branches)
    for branch_id, (workplaces, departments) in g.rep_reach.items():
        if perm not in g.by_branch.get(branch_id, set()) or branch_id in full_branches:
            continue
        covered = Employment.objects.filter(
            Q(workplace_id__in=workplaces) | Q(department_id__in=departments),
            member__branch_id=branch_id,
        ).values("member_id")
        cond |= Q(branch_id=branch_id, pk__in=covered)
    return qs.filter(cond)


def get_member(user: User | AnonymousUser, pk: Any, perm: Perm) -> Member:
    """Return member PK if the user may reach them with PERM, else raise 404."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such member.") from None
    member = members_for(user, perm).filter(pk=pk_int).select_related("branch").first()
    if member is None:
        raise Http404("No such member.")
    return member


def can_see_salary(user: User | AnonymousUser, branch: Branch) -> bool:
    return has_branch_perm(user, Perm.VIEW_SALARY, branch)


def audit_events_for(user: User | AnonymousUser) -> QuerySet[AuditEvent]:
    """Audit events within the user's scope: national sees all, others their regions and branches."""
    g = grants(user)
    if Perm.VIEW_AUDIT in g.national:
        return AuditEvent.objects.all()
    regions = [r for r, p in g.by_region.items() if Perm.VIEW_AUDIT in p]
    branches = [b for b, p in g.by_branch.items() if Perm.VIEW_AUDIT in p]
    if not regions and not branches:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        Q(branch_id__in=branches)
        | Q(branch__region_id__in=regions)
        | Q(branch__isnull=True, region_id__in=regions)
    )


def role_kinds(user: User | AnonymousUser) -> set[str]:
    return grants(user).kinds


def require(allowed: bool, message: str = "Not found.") -> None:
    """Raise 404 unless ALLOWED; used after an object is fetched within scope."""
    if not allowed:
        raise Http404(message)


def visible_branch_ids(user: User | AnonymousUser, perm: Perm) -> Iterable[int]:
    return branches_with(user, perm).values_list("pk", flat=True)


# Ballots ------------------------------------------------------------------------------------
# A ballot belongs to its dispute: a national dispute's ballots are read by anyone holding
# VIEW_BALLOTS somewhere (results are published) and managed nationally; a local dispute's by its
# branch, like the register. Results imports need IMPORT_RESULTS over the dispute.


def can_on_ballot(user: User | AnonymousUser, perm: Perm, ballot: Ballot) -> bool:
    """True if the user holds PERM over BALLOT (through its dispute)."""
    branch = ballot.dispute.branch
    if branch is None:
        return perm in grants(user).national or (
            perm == Perm.VIEW_BALLOTS and can_anywhere(user, perm)
        )
    return has_branch_perm(user, perm, branch)


def ballots_for(user: User | AnonymousUser, perm: Perm) -> QuerySet[Ballot]:
    """The ballots the user may reach with PERM."""
    from mandate.ballots.models import Ballot

    if perm in grants(user).national:
        return Ballot.objects.all()
    cond = Q(dispute__branch__in=branches_with(user, perm))
    if perm == Perm.VIEW_BALLOTS and can_anywhere(user, perm):
        cond |= Q(dispute__branch__isnull=True)
    return Ballot.objects.filter(cond)


def get_ballot(user: User | AnonymousUser, pk: Any, perm: Perm) -> Ballot:
    """Return ballot PK if the user may see it and holds PERM over it.

    Out of sight: 404. In sight but without PERM (a rep asking to change it): 403.
    """
    from mandate.ballots.models import Ballot
    from mandate.core.errors import PermissionDenied

    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such ballot.") from None
    ballot = (
        Ballot.objects.select_related("dispute", "dispute__branch", "dispute__branch__region")
        .filter(pk=pk_int)
        .first()
    )
    if ballot is None or not can_on_ballot(user, Perm.VIEW_BALLOTS, ballot):
        raise Http404("No such ballot.")
    if perm != Perm.VIEW_BALLOTS and not can_on_ballot(user, perm, ballot):
        raise PermissionDenied("Your role can read this ballot but not change it.")
    return ballot


def can_override_rules(user: User | AnonymousUser) -> bool:
    """Only national officers may override a rule of the rulebook."""
    return has_national(user, Perm.OVERRIDE_RULES)


# Disputes -----------------------------------------------------------------------------------
# A national dispute (no branch) is seen by anyone holding the perm anywhere and managed only by
# those holding it nationally; a local dispute belongs to its branch like the register does.


def disputes_for(user: User | AnonymousUser, perm: Perm) -> QuerySet[Dispute]:
    """The disputes the user may reach with PERM (VIEW_DISPUTES or MANAGE_DISPUTES)."""
    from mandate.disputes.models import Dispute, DisputeScope

    if perm in grants(user).national:
        return Dispute.objects.all()
    national_ok = perm == Perm.VIEW_DISPUTES and can_anywhere(user, perm)
    cond = Q(scope=DisputeScope.LOCAL, branch__in=branches_with(user, perm))
    if national_ok:
        cond |= Q(scope=DisputeScope.NATIONAL)
    return Dispute.objects.filter(cond)


def get_dispute(user: User | AnonymousUser, slug: str, perm: Perm) -> Dispute:
    """Return the dispute SLUG if the user may reach it with PERM, else raise 404."""
    dispute = (
        disputes_for(user, perm)
        .select_related("branch", "branch__region")
        .filter(slug=slug)
        .first()
    )
    if dispute is None:
        raise Http404("No such dispute.")
    return dispute


def can_on_dispute(user: User | AnonymousUser, perm: Perm, dispute: Dispute) -> bool:
    """True if the user holds PERM over DISPUTE (already fetched within their view)."""
    branch = dispute.branch
    if branch is None:
        return perm in grants(user).national or (
            perm == Perm.VIEW_DISPUTES and can_anywhere(user, perm)
        )
    return has_branch_perm(user, perm, branch)


def employers_with(user: User | AnonymousUser, perm: Perm) -> QuerySet[Employer]:
    """Employers covered by a branch in which the user holds PERM (all of them nationally)."""
    if perm in grants(user).national:
        return Employer.objects.all()
    return Employer.objects.filter(branches__in=branches_with(user, perm)).distinct()


# Phone banking --------------------------------------------------------------------------------
# Organisers manage a call assignment with MANAGE_BALLOTS over its branch (national ones
# nationally). Callers work only the assignments they were added to, and only while they hold
# MAKE_CALLS there; they reach a member only through the contact the queue hands them.


def can_manage_calls(user: User | AnonymousUser, branch: Branch | None) -> bool:
    """True if the user may create and run call assignments for BRANCH (None: nationally)."""
    if branch is None:
        return has_national(user, Perm.MANAGE_BALLOTS)
    return has_branch_perm(user, Perm.MANAGE_BALLOTS, branch)


def call_assignments_managed(user: User | AnonymousUser) -> QuerySet[CallAssignment]:
    """The call assignments the user may run as an organiser."""
    from mandate.calls.models import CallAssignment

    if has_national(user, Perm.MANAGE_BALLOTS):
        return CallAssignment.objects.all()
    return CallAssignment.objects.filter(
        branch__in=branches_with(user, Perm.MANAGE_BALLOTS), branch__isnull=False
    )


def call_assignments_to_work(user: User | AnonymousUser) -> QuerySet[CallAssignment]:
    """The call assignments the user was added to as a caller and may still work."""
    from mandate.calls.models import CallAssignment

    if not user.is_authenticated or not can_anywhere(user, Perm.MAKE_CALLS):
        return CallAssignment.objects.none()
    mine = CallAssignment.objects.filter(callers__user_id=user.pk)
    if has_national(user, Perm.MAKE_CALLS):
        return mine
    # A national assignment is worked by whoever a national officer added, from any branch.
    return mine.filter(Q(branch__isnull=True) | Q(branch__in=branches_with(user, Perm.MAKE_CALLS)))


def get_call_assignment(user: User | AnonymousUser, pk: Any, *, manage: bool) -> CallAssignment:
    """Return call assignment PK to run (MANAGE) or to work as a caller, else raise 404."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such call assignment.") from None
    if manage:
        qs = call_assignments_managed(user)
        found = qs.select_related("ballot", "branch", "constituency").filter(pk=pk_int).first()
        if found is None:
            raise Http404("No such call assignment.")
        return found
    # As call_assignments_to_work, with the branch checked on the row found: the caller's
    # screen is the busiest page of a phone bank, and building its query cost more than
    # running it (on PostgreSQL the row is read with plain SQL, see mandate.calls.rows).
    from django.db import connection

    from mandate.calls import rows
    from mandate.calls.models import CallAssignment

    if not user.is_authenticated or not can_anywhere(user, Perm.MAKE_CALLS):
        raise Http404("No such call assignment.")
    if connection.vendor == "postgresql":
        found = rows.assignment_for_caller(pk_int, user.pk)
    else:
        found = (
            CallAssignment.objects.select_related("ballot", "branch", "constituency")
            .filter(pk=pk_int, callers__user_id=user.pk)
            .first()
        )
    if found is None or (
        found.branch is not None and not has_branch_perm(user, Perm.MAKE_CALLS, found.branch)
    ):
        raise Http404("No such call assignment.")
    return found


# Get the Vote Out ---------------------------------------------------------------------------
# GTVO figures are counted per constituency. Whoever manages the ballot sees every constituency;
# others see the constituencies of employers their branches cover (a rep: their branch's, read
# only). Reminders need SEND_MESSAGES there; settings and the scrutineer's export need
# MANAGE_BALLOTS over the ballot.


def gtvo_constituencies(user: User | AnonymousUser, ballot: Ballot) -> QuerySet[Constituency]:
    """The constituencies of BALLOT (already in the user's sight) whose GTVO figures they see."""
    from mandate.ballots.models import Constituency

    qs = Constituency.objects.filter(ballot=ballot)
    if can_on_ballot(user, Perm.MANAGE_BALLOTS, ballot):
        return qs
    return qs.filter(employer__in=employers_with(user, Perm.VIEW_BALLOTS))


def gtvo_can_manage(user: User | AnonymousUser, ballot: Ballot) -> bool:
    """True if the user may change BALLOT's GTVO settings and export replacement requests."""
    return can_on_ballot(user, Perm.MANAGE_BALLOTS, ballot)


def gtvo_remind_constituencies(
    user: User | AnonymousUser, ballot: Ballot
) -> QuerySet[Constituency]:
    """The constituencies of BALLOT whose electorate the user may send reminders to."""
    from mandate.ballots.models import Constituency

    qs = Constituency.objects.filter(ballot=ballot)
    if has_national(user, Perm.SEND_MESSAGES):
        return qs
    return qs.filter(employer__in=employers_with(user, Perm.SEND_MESSAGES))


# Meetings -----------------------------------------------------------------------------------
# A branch's meetings are seen by anyone holding a role in the branch (members included, so they
# can check in and read results) and by regional and national officers over it; they are run by
# whoever holds MANAGE_MEETINGS there (officers, and reps as stewards). A national delegate
# meeting is seen by anyone who runs meetings somewhere and run only nationally; delegates reach
# it through their personal links. Organising channels are the branch's own: only people with a
# role in that branch, or a member record in it, see them; nobody else learns they exist.


def in_branch(user: User | AnonymousUser, branch: Branch) -> bool:
    """True if the user is one of BRANCH's own people: any role there, or a member record."""
    if not user.is_authenticated:
        return False
    if branch.pk in grants(user).by_branch:
        return True
    from mandate.members.models import Member

    return Member.objects.filter(user_id=user.pk, branch=branch).exists()


def can_manage_meeting_in(user: User | AnonymousUser, branch: Branch | None) -> bool:
    """True if the user may set up and run meetings for BRANCH (None: national meetings)."""
    if branch is None:
        return has_national(user, Perm.MANAGE_MEETINGS)
    return has_branch_perm(user, Perm.MANAGE_MEETINGS, branch)


def can_see_meetings_of(user: User | AnonymousUser, branch: Branch | None) -> bool:
    if branch is None:
        return can_anywhere(user, Perm.MANAGE_MEETINGS)
    return has_branch_perm(user, Perm.VIEW_BRANCH, branch) or in_branch(user, branch)


def get_meeting_branch(user: User | AnonymousUser, slug: str) -> Branch:
    """Return branch SLUG if the user may see its meetings, else raise 404."""
    branch = Branch.objects.select_related("region").filter(slug=slug).first()
    if branch is None or not can_see_meetings_of(user, branch):
        raise Http404("No such branch.")
    return branch


def get_channels_branch(user: User | AnonymousUser, slug: str) -> Branch:
    """Return branch SLUG if the user is one of its own people, else raise 404."""
    branch = Branch.objects.select_related("region").filter(slug=slug).first()
    if branch is None or not in_branch(user, branch):
        raise Http404("No such branch.")
    return branch


def can_manage_channels(user: User | AnonymousUser, branch: Branch) -> bool:
    """Channels are kept by the branch's own meeting organisers, not from outside the branch."""
    return Perm.MANAGE_MEETINGS in grants(user).by_branch.get(branch.pk, set())


def get_meeting(user: User | AnonymousUser, pk: Any, *, manage: bool = False) -> Meeting:
    """Return meeting PK if the user may see it (and, with MANAGE, run it), else raise 404.

    In sight but not theirs to run (a member asking for the steward's console): 403.
    """
    from mandate.core.errors import PermissionDenied
    from mandate.meetings.models import Meeting

    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such meeting.") from None
    meeting = (
        Meeting.objects.select_related("branch", "branch__region", "series")
        .filter(pk=pk_int)
        .first()
    )
    if meeting is None or not can_see_meetings_of(user, meeting.branch):
        raise Http404("No such meeting.")
    if manage and not can_manage_meeting_in(user, meeting.branch):
        raise PermissionDenied("Only the meeting's organisers and stewards can do that.")
    return meeting


# Rolling waves --------------------------------------------------------------------------------
# The wave planner spans regions: national officers plan across the union, regional officers
# within their own regions. A branch officer has no planner (their branch is in someone's wave).


def wave_regions(user: User | AnonymousUser, perm: Perm = Perm.MANAGE_ACTIONS) -> QuerySet[Region]:
    """The regions whose branches the user may put into a rolling wave (none: no planner)."""
    g = grants(user)
    if perm in g.national:
        return Region.objects.all()
    return Region.objects.filter(pk__in=[r for r, p in g.by_region.items() if perm in p])


# Industrial action --------------------------------------------------------------------------
# An action belongs to its dispute: read with VIEW_ACTIONS wherever the dispute is in sight,
# managed with MANAGE_ACTIONS over the dispute (a national dispute's nationally). A notice of
# action to one employer may also be served by the officers of a branch covering that employer:
# they are the ones who hand it to the registrar.


def can_on_action_dispute(user: User | AnonymousUser, perm: Perm, dispute: Dispute) -> bool:
    """True if the user holds PERM (VIEW_ACTIONS or MANAGE_ACTIONS) over DISPUTE's actions."""
    branch = dispute.branch
    if branch is None:
        return perm in grants(user).national or (
            perm == Perm.VIEW_ACTIONS and can_anywhere(user, perm)
        )
    return has_branch_perm(user, perm, branch)


def get_action_dispute(user: User | AnonymousUser, slug: str, perm: Perm) -> Dispute:
    """Return dispute SLUG for its action calendar: out of sight 404, read-only asking more 403."""
    from mandate.core.errors import PermissionDenied
    from mandate.disputes.models import Dispute

    dispute = Dispute.objects.select_related("branch", "branch__region").filter(slug=slug).first()
    if dispute is None or not can_on_action_dispute(user, Perm.VIEW_ACTIONS, dispute):
        raise Http404("No such dispute.")
    if perm != Perm.VIEW_ACTIONS and not can_on_action_dispute(user, perm, dispute):
        raise PermissionDenied("Your role can read this action calendar but not change it.")
    return dispute


def get_action(user: User | AnonymousUser, pk: Any, perm: Perm) -> Action:
    """Return action PK: out of sight 404; in sight but without PERM 403."""
    from mandate.actions.models import Action
    from mandate.core.errors import PermissionDenied

    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such action.") from None
    action = (
        Action.objects.select_related("dispute", "dispute__branch", "ballot")
        .filter(pk=pk_int)
        .first()
    )
    if action is None or not can_on_action_dispute(user, Perm.VIEW_ACTIONS, action.dispute):
        raise Http404("No such action.")
    if perm != Perm.VIEW_ACTIONS and not can_on_action_dispute(user, perm, action.dispute):
        raise PermissionDenied("Your role can read this action but not change it.")
    return action


def can_serve_notice(user: User | AnonymousUser, action: Action, employer: Employer) -> bool:
    """True if the user may draw up and record the notice of ACTION to EMPLOYER."""
    if can_on_action_dispute(user, Perm.MANAGE_ACTIONS, action.dispute):
        return True
    return employers_with(user, Perm.MANAGE_ACTIONS).filter(pk=employer.pk).exists()


def can_manage_employer_calendar(user: User | AnonymousUser, employer: Employer) -> bool:
    """True if the user may record EMPLOYER's critical dates (graduation, clearing...)."""
    return employers_with(user, Perm.MANAGE_ACTIONS).filter(pk=employer.pk).exists()


def can_view_solidarity(user: User | AnonymousUser) -> bool:
    return can_anywhere(user, Perm.VIEW_ACTIONS)


def can_manage_solidarity(user: User | AnonymousUser) -> bool:
    return can_anywhere(user, Perm.MANAGE_ACTIONS)


def own_member(user: User | AnonymousUser) -> Member | None:
    """The register entry of the logged-in member themself, if they have one."""
    from mandate.members.models import Member

    if not user.is_authenticated:
        return None
    return Member.objects.select_related("branch").filter(user_id=user.pk).first()


# Consultative e-ballots ----------------------------------------------------------------------
# A poll with a branch belongs to that branch's officers (and its region's, and national ones);
# a poll without one (dispute-wide, across branches) is run by national officers only. Members
# reach a poll only through their personal link or their own "My votes" page.


def polls_managed(user: User | AnonymousUser) -> QuerySet[Poll]:
    """The polls the user may run: open, close, publish, see turnout and results."""
    from mandate.votes.models import Poll

    if has_national(user, Perm.MANAGE_POLLS):
        return Poll.objects.all()
    return Poll.objects.filter(
        branch__in=branches_with(user, Perm.MANAGE_POLLS), branch__isnull=False
    )


def get_poll(user: User | AnonymousUser, pk: Any) -> Poll:
    """Return poll PK if the user may run it, else raise 404."""
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such ballot.") from None
    poll = (
        polls_managed(user).select_related("branch", "dispute", "segment").filter(pk=pk_int).first()
    )
    if poll is None:
        raise Http404("No such ballot.")
    return poll


def can_create_poll(user: User | AnonymousUser, branch: Branch | None) -> bool:
    """True if the user may create a poll for BRANCH (None: across branches, national only)."""
    if branch is None:
        return has_national(user, Perm.MANAGE_POLLS)
    return has_branch_perm(user, Perm.MANAGE_POLLS, branch)


# Photos from the line -----------------------------------------------------------------------
# A dispute's gallery is for the people in it: whoever may see the dispute, and members whose
# branch (a local dispute) or employer (a national one) is in it. Those who manage the dispute
# check photos for the campaign and may take any down; an uploader may take down their own.


def photo_disputes(user: User | AnonymousUser) -> QuerySet[Dispute]:
    """The disputes whose gallery the user may see and add to."""
    from mandate.disputes.models import Dispute, DisputeScope

    if not user.is_authenticated:
        return Dispute.objects.none()
    ids = disputes_for(user, Perm.VIEW_DISPUTES).values("pk")
    cond = Q(pk__in=ids)
    member = own_member(user)
    if member is not None:
        cond |= Q(scope=DisputeScope.LOCAL, branch_id=member.branch_id)
        cond |= Q(
            scope=DisputeScope.NATIONAL,
            pk__in=Dispute.objects.filter(parties__employments__member=member).values("pk"),
        )
    return Dispute.objects.filter(cond)


def get_photo_dispute(user: User | AnonymousUser, slug: str) -> Dispute:
    dispute = photo_disputes(user).select_related("branch").filter(slug=slug).first()
    if dispute is None:
        raise Http404("No such dispute.")
    return dispute


def can_moderate_photos(user: User | AnonymousUser, dispute: Dispute) -> bool:
    return can_on_dispute(user, Perm.MANAGE_DISPUTES, dispute)


# Pay deductions ------------------------------------------------------------------------------
# Salary-derived figures: a member sees their own; otherwise only those holding VIEW_SALARY over
# the member's branch (its officers and its fund panel, and national officers). Deduction
# policies are set by whoever also manages the branch's disputes there.


def get_pay_branch(user: User | AnonymousUser, slug: str) -> Branch:
    """Return branch SLUG if the user sees its members' deductions, else raise 404."""
    return get_branch(user, slug, Perm.VIEW_SALARY)


def can_set_pay_policy(user: User | AnonymousUser, branch: Branch) -> bool:
    """True if the user may record a new deduction policy for BRANCH's employers."""
    return has_branch_perm(user, Perm.VIEW_SALARY, branch) and has_branch_perm(
        user, Perm.MANAGE_DISPUTES, branch
    )


def can_see_pay_of(user: User | AnonymousUser, member: Member) -> bool:
    """True if the user may see MEMBER's days, payslips and their evidence."""
    if not user.is_authenticated:
        return False
    if member.user_id is not None and member.user_id == user.pk:
        return True
    return has_branch_perm(user, Perm.VIEW_SALARY, member.branch)


# Picket lines -------------------------------------------------------------------------------
# A branch's picket sites are run by whoever manages action there (its officers, and regional
# and national officers over it). Reps read the rotas and check people in. A site's organiser
# runs that one site (shifts, rota, check-in) whatever their role. The incident log (police,
# injuries) is read and written by the branch's own officers only.


def can_run_pickets(user: User | AnonymousUser, branch: Branch) -> bool:
    """True if the user may open sites and run every picket line of BRANCH."""
    return has_branch_perm(user, Perm.MANAGE_ACTIONS, branch)


def can_see_pickets(user: User | AnonymousUser, branch: Branch) -> bool:
    """True if the user may read BRANCH's rotas and check people in on its lines."""
    return has_branch_perm(user, Perm.VIEW_ACTIONS, branch)


def organises_in(user: User | AnonymousUser, branch: Branch) -> bool:
    if not user.is_authenticated:
        return False
    from mandate.pickets.models import PicketSite

    return PicketSite.objects.filter(branch=branch, organiser_id=user.pk).exists()


def get_picket_branch(user: User | AnonymousUser, slug: str) -> Branch:
    """Return branch SLUG if the user may see its picket lines (or organises one), else 404."""
    branch = Branch.objects.select_related("region").filter(slug=slug).first()
    if branch is None or not (can_see_pickets(user, branch) or organises_in(user, branch)):
        raise Http404("No such branch.")
    return branch


def get_picket_site(user: User | AnonymousUser, pk: Any, *, manage: bool = False) -> PicketSite:
    """Return picket site PK: out of sight 404; in sight but not the user's to run 403."""
    from mandate.core.errors import PermissionDenied
    from mandate.pickets.models import PicketSite

    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such picket site.") from None
    site = (
        PicketSite.objects.select_related(
            "branch", "branch__region", "workplace", "workplace__employer", "organiser"
        )
        .filter(pk=pk_int)
        .first()
    )
    if site is None:
        raise Http404("No such picket site.")
    organiser = user.is_authenticated and site.organiser_id == user.pk
    if not (organiser or can_see_pickets(user, site.branch)):
        raise Http404("No such picket site.")
    if manage and not (organiser or can_run_pickets(user, site.branch)):
        raise PermissionDenied("Only the site's organiser and the branch officers can do that.")
    return site


def can_see_incidents(user: User | AnonymousUser, branch: Branch) -> bool:
    """The incident log is the branch officers' own: not reps, organisers or other branches."""
    return Perm.MANAGE_ACTIONS in grants(user).by_branch.get(branch.pk, set())


# Two-factor authentication ----------------------------------------------------------------------
# Officers and the fund panel hold the register, the money and the power to call action: they
# must use a second factor. Members, reps and callers may choose to. Only national officers reset
# someone's device (a lost phone), and every reset is audited.

TWO_FACTOR_KINDS = frozenset(
    {
        RoleKind.NATIONAL_OFFICER,
        RoleKind.REGIONAL_OFFICER,
        RoleKind.BRANCH_OFFICER,
        RoleKind.FUND_PANEL,
    }
)


def requires_two_factor(user: User | AnonymousUser) -> bool:
    """True if the user must verify a second factor before using the site."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or bool(grants(user).kinds & TWO_FACTOR_KINDS)


def can_reset_two_factor(user: User | AnonymousUser) -> bool:
    return has_national(user, Perm.RESET_TWO_FACTOR)


# Strike and hardship funds --------------------------------------------------------------------
# Claim data is financial special category data. A branch fund's claims are read and decided by
# its branch's fund panel and by national officers; a national fund's by national officers. The
# officers of a branch (and its region) see totals only: for a national fund, the totals of
# their own branches' members. A member sees only their own claims.


def funds_with_details(user: User | AnonymousUser) -> QuerySet[Fund]:
    """The funds whose claims, ledger and bank details the user may read and decide."""
    from mandate.funds.models import Fund

    if has_national(user, Perm.VIEW_FUNDS):
        return Fund.objects.all()
    g = grants(user)
    branches = [b for b, p in g.by_branch.items() if Perm.VIEW_FUNDS in p]
    return Fund.objects.filter(branch_id__in=branches, branch__isnull=False)


def funds_with_totals(user: User | AnonymousUser) -> QuerySet[Fund]:
    """The funds whose totals the user may see (every fund whose details they see, too)."""
    from mandate.funds.models import Fund

    if has_national(user, Perm.VIEW_FUNDS):
        return Fund.objects.all()
    cond = Q(pk__in=funds_with_details(user).values("pk"))
    if can_anywhere(user, Perm.VIEW_FUND_TOTALS):
        cond |= Q(branch__isnull=True)
        cond |= Q(branch__in=branches_with(user, Perm.VIEW_FUND_TOTALS))
    return Fund.objects.filter(cond)


def get_fund(user: User | AnonymousUser, pk: Any, *, details: bool) -> Fund:
    """Return fund PK: out of sight 404; asking for details with totals only 403."""
    from mandate.core.errors import PermissionDenied

    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such fund.") from None
    fund = funds_with_totals(user).select_related("branch").filter(pk=pk_int).first()
    if fund is None:
        raise Http404("No such fund.")
    if details and not funds_with_details(user).filter(pk=fund.pk).exists():
        raise PermissionDenied("Only the fund's panel sees its claims.")
    return fund


def can_see_fund_details(user: User | AnonymousUser, fund: Fund) -> bool:
    return funds_with_details(user).filter(pk=fund.pk).exists()


def fund_total_branches(user: User | AnonymousUser, fund: Fund) -> QuerySet[Branch] | None:
    """Whose claims count in the totals the user sees of FUND (None: every claim)."""
    if can_see_fund_details(user, fund) or fund.branch_id is not None:
        return None
    return branches_with(user, Perm.VIEW_FUND_TOTALS)


def get_claim(user: User | AnonymousUser, pk: Any) -> Claim:
    """Return claim PK to its fund's panel or to the member who made it, else raise 404."""
    from mandate.funds.models import Claim

    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such claim.") from None
    if not user.is_authenticated:
        raise Http404("No such claim.")
    claim = (
        Claim.objects.select_related("fund", "fund__branch", "member", "dispute", "rules")
        .filter(Q(fund__in=funds_with_details(user)) | Q(member__user_id=user.pk), pk=pk_int)
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim
