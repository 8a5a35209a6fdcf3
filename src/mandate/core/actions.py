"""Changes to the union's structure and to who holds which role."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils.text import slugify

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import (
    Branch,
    Department,
    Employer,
    Jurisdiction,
    Region,
    Role,
    RoleKind,
    Union,
    User,
    Workplace,
)

_BRANCH_KINDS = {
    RoleKind.BRANCH_OFFICER,
    RoleKind.REP,
    RoleKind.CALLER,
    RoleKind.FUND_PANEL,
    RoleKind.MEMBER,
}


def _unique_slug(model: type[Region] | type[Branch] | type[Employer], name: str) -> str:
    base = slugify(name)[:45] or "x"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def region_create(*, union: Union, name: str, actor: User | None = None) -> Region:
    """Create a region of the union."""
    region = Region.objects.create(union=union, name=name, slug=_unique_slug(Region, name))
    audit_record(actor=actor, action="region.create", obj=region, region=region)
    return region


@transaction.atomic
def employer_create(
    *,
    name: str,
    jurisdiction: str,
    workplaces: Iterable[str] = (),
    departments: Iterable[str] = (),
    actor: User | None = None,
) -> Employer:
    """Create an employer with its workplaces and departments."""
    if jurisdiction not in Jurisdiction.values:
        raise DomainError(
            f"Unknown jurisdiction {jurisdiction!r}: use one of {', '.join(Jurisdiction.values)}."
        )
    employer = Employer.objects.create(
        name=name, slug=_unique_slug(Employer, name), jurisdiction=jurisdiction
    )
    Workplace.objects.bulk_create(Workplace(employer=employer, name=w) for w in workplaces)
    Department.objects.bulk_create(Department(employer=employer, name=d) for d in departments)
    audit_record(actor=actor, action="employer.create", obj=employer)
    return employer


@transaction.atomic
def branch_create(
    *, region: Region, name: str, employers: Iterable[Employer] = (), actor: User | None = None
) -> Branch:
    """Create a branch in REGION covering EMPLOYERS."""
    branch = Branch.objects.create(region=region, name=name, slug=_unique_slug(Branch, name))
    branch.employers.set(list(employers))
    audit_record(actor=actor, action="branch.create", obj=branch, branch=branch)
    return branch


@transaction.atomic
def role_grant(
    *,
    user: User,
    kind: str,
    branch: Branch | None = None,
    region: Region | None = None,
    workplaces: Iterable[Workplace] = (),
    departments: Iterable[Department] = (),
    title: str = "",
    actor: User | None = None,
) -> Role:
    """Give USER a role of KIND over BRANCH, REGION or (national officers) the whole union."""
    if kind == RoleKind.NATIONAL_OFFICER and (branch or region):
        raise DomainError("A national officer's role covers the whole union: name no branch.")
    if kind == RoleKind.REGIONAL_OFFICER and (region is None or branch is not None):
        raise DomainError("A regional officer's role needs a region and no branch.")
    if kind in _BRANCH_KINDS and (branch is None or region is not None):
        raise DomainError("This role belongs to one branch: name the branch.")
    workplaces, departments = list(workplaces), list(departments)
    if kind == RoleKind.REP and not (workplaces or departments):
        raise DomainError("A rep covers named workplaces or departments: choose at least one.")
    if branch is not None:
        employer_ids = set(branch.employers.values_list("pk", flat=True))
        if any(w.employer_id not in employer_ids for w in workplaces) or any(
            d.employer_id not in employer_ids for d in departments
        ):
            raise DomainError("A rep can only cover workplaces and departments of their branch.")
    role = Role.objects.create(user=user, kind=kind, branch=branch, region=region, title=title)
    role.workplaces.set(workplaces)
    role.departments.set(departments)
    audit_record(
        actor=actor,
        action="role.grant",
        obj=role,
        branch=branch,
        region=region,
        detail={"kind": kind, "user_id": user.pk},
    )
    return role


def user_create(*, username: str, password: str, email: str = "") -> User:
    """Create a login account."""
    if User.objects.filter(username=username).exists():
        raise DomainError(f"The username {username!r} is taken.")
    return User.objects.create_user(username=username, password=password, email=email)


# Roles a branch's own officers may hand out; regional and national roles come from national
# officers.
BRANCH_GRANTABLE = (
    RoleKind.BRANCH_OFFICER,
    RoleKind.REP,
    RoleKind.CALLER,
    RoleKind.FUND_PANEL,
    RoleKind.MEMBER,
)


@transaction.atomic
def role_revoke(*, role: Role, actor: User | None) -> None:
    """Take a role away."""
    if actor is not None and role.user_id == actor.pk and role.kind == RoleKind.BRANCH_OFFICER:
        others = Role.objects.filter(branch=role.branch, kind=RoleKind.BRANCH_OFFICER).exclude(
            pk=role.pk
        )
        if not others.exists():
            raise DomainError(
                "You are the branch's only officer: give the role to someone else first."
            )
    audit_record(
        actor=actor,
        action="role.revoke",
        obj=role,
        branch=role.branch,
        region=role.region,
        detail={"kind": role.kind, "user_id": role.user_id},
    )
    role.delete()


def password_generate() -> str:
    """A one-time password an officer passes on; the person changes it after logging in."""
    words = secrets.token_urlsafe(12)
    return f"{words[:4]}-{words[4:8]}-{words[8:12]}-{words[12:]}"
