"""The demo union: a realistic picture of the UK university sector, built for `mandate demo`.

Each feature adds a step to DEMO_STEPS; steps run in order on one DemoContext. Every person,
number and address is synthetic; institution names are real so the demo reads like the sector.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.db import transaction
from django.utils.text import slugify

from mandate.core.models import (
    Branch,
    Department,
    Employer,
    Region,
    RoleKind,
    Union,
    User,
    Workplace,
)
from mandate.core.universities import DEFAULT_BRANCHES, DEPARTMENTS, REGIONS, WORKPLACE_SETS

DEMO_PASSWORD = "mandate-demo"  # noqa: S105 - printed for the demo on purpose

# (username, what the login shows); every demo login shares DEMO_PASSWORD.
DEMO_LOGINS = [
    ("national", "national officer: every branch"),
    ("regional", "regional officer: North West"),
    ("secretary", "branch secretary: University of Liverpool"),
    ("rep", "rep: University of Liverpool, Health and Life Sciences building"),
    ("ucl-secretary", "branch secretary: University College London (cannot see Liverpool)"),
    ("member", "member: University of Liverpool"),
    ("caller1", "volunteer caller: University of Liverpool phone bank"),
    ("caller2", "volunteer caller: University of Liverpool phone bank"),
    ("panel", "fund panel: University of Liverpool hardship fund"),
]

DEMO_STEPS: list[str] = [
    "mandate.core.demo.build_structure",
    "mandate.members.demo.build_members",
    "mandate.disputes.demo.build_disputes",
    "mandate.ballots.demo.build_ballots",
    "mandate.turnout.demo.build_turnout",
    "mandate.calls.demo.build_calls",
    "mandate.meetings.demo.build_meetings",
    "mandate.actions.demo.build_actions",
    "mandate.pickets.demo.build_pickets",
    "mandate.pay.demo.build_pay",
    "mandate.funds.demo.build_funds",
    "mandate.votes.demo.build_votes",
    "mandate.core.privacy.demo.build_privacy",
    "mandate.core.demo.build_logins",
    "mandate.pickets.demo.build_picket_organisers",
    "mandate.photos.demo.build_photos",
    # After the logins: a token for the demo secretary.
    "mandate.api.demo.build_api",
    # After the logins it enrols: the officers' authenticator.
    "mandate.core.security.demo.build_security",
]


@dataclass
class DemoContext:
    scale: str
    rng: random.Random
    out: Callable[[str], None]
    union: Union | None = None
    regions: dict[str, Region] = field(default_factory=dict)
    branches: list[Branch] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    @property
    def national(self) -> bool:
        return self.scale == "national"

    def branch(self, name: str) -> Branch:
        return next(b for b in self.branches if b.name == name)


def demo_exists() -> bool:
    return Union.objects.filter(slug="ucu-demo").exists()


def run_demo(*, scale: str, seed: int, out: Callable[[str], None]) -> DemoContext:
    """Build the demo union step by step, in one transaction."""
    ctx = DemoContext(scale=scale, rng=random.Random(seed), out=out)
    with transaction.atomic():
        for dotted in DEMO_STEPS:
            module_name, _, func_name = dotted.rpartition(".")
            step: Callable[[DemoContext], None] = getattr(import_module(module_name), func_name)
            step(ctx)
    return ctx


def build_structure(ctx: DemoContext) -> None:
    ctx.union = Union.objects.create(name="University and College Union (demo)", slug="ucu-demo")
    wanted = None if ctx.national else set(DEFAULT_BRANCHES)
    for region_name, (nation, institutions) in REGIONS.items():
        chosen = [i for i in institutions if wanted is None or i in wanted]
        if not chosen:
            continue
        region = Region.objects.create(union=ctx.union, name=region_name, slug=slugify(region_name))
        ctx.regions[region_name] = region
        for name in chosen:
            slug = slugify(name.replace("'", ""))[:50]
            employer = Employer.objects.create(name=name, slug=slug, jurisdiction=nation)
            sites = (
                ["Main campus", "Health and Life Sciences building"]
                if name == "University of Liverpool"
                else ctx.rng.choice(WORKPLACE_SETS)
            )
            Workplace.objects.bulk_create(Workplace(employer=employer, name=s) for s in sites)
            depts = ctx.rng.sample(DEPARTMENTS, 8)
            if name == "University of Liverpool":
                depts = sorted({*depts, "Biochemistry", "Nursing"})
            Department.objects.bulk_create(Department(employer=employer, name=d) for d in depts)
            branch = Branch.objects.create(region=region, name=name, slug=slug)
            branch.employers.add(employer)
            ctx.branches.append(branch)
    ctx.branches.sort(
        key=lambda b: DEFAULT_BRANCHES.index(b.name) if b.name in DEFAULT_BRANCHES else 999
    )
    ctx.out(f"  {len(ctx.regions)} regions, {len(ctx.branches)} branches")


def _user(ctx: DemoContext, username: str, first: str, last: str) -> User:
    user = User.objects.create_user(
        username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
    )
    ctx.users[username] = user
    return user


def build_logins(ctx: DemoContext) -> None:
    from mandate.core.models import Role
    from mandate.members.models import Member

    liverpool = ctx.branch("University of Liverpool")
    ucl = ctx.branch("University College London")
    hls = Workplace.objects.get(employer__branches=liverpool, name__startswith="Health")

    national = _user(ctx, "national", "Nadia", "Okafor")
    Role.objects.create(
        user=national, kind=RoleKind.NATIONAL_OFFICER, title="Head of industrial action"
    )

    regional = _user(ctx, "regional", "Rhys", "Evans")
    Role.objects.create(
        user=regional,
        kind=RoleKind.REGIONAL_OFFICER,
        region=liverpool.region,
        title="Regional official",
    )

    secretary = _user(ctx, "secretary", "Sam", "Whitfield")
    Role.objects.create(
        user=secretary, kind=RoleKind.BRANCH_OFFICER, branch=liverpool, title="Branch secretary"
    )

    rep = _user(ctx, "rep", "Rita", "Mensah")
    rep_role = Role.objects.create(
        user=rep, kind=RoleKind.REP, branch=liverpool, title="Departmental rep"
    )
    rep_role.workplaces.add(hls)

    other = _user(ctx, "ucl-secretary", "Omar", "Haddad")
    Role.objects.create(
        user=other, kind=RoleKind.BRANCH_OFFICER, branch=ucl, title="Branch secretary"
    )

    member_user = _user(ctx, "member", "Mo", "Ahmed")
    Role.objects.create(user=member_user, kind=RoleKind.MEMBER, branch=liverpool)
    member = (
        Member.objects.filter(branch=liverpool, employments__workplace=hls).order_by("pk").first()
    )
    if member is not None:
        member.user = member_user
        member.first_name, member.last_name = "Mo", "Ahmed"
        member.save(update_fields=["user", "first_name", "last_name"])
