"""Synthetic members for the demo union, with the contract mix of a UK university branch."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from faker import Faker

from mandate.core.demo import DemoContext
from mandate.core.models import Department, Workplace
from mandate.members.models import ContractType, Employment, Member, MemberStatus

# Branch sizes for the default demo (members); the national demo spreads 120,000 over 150.
DEFAULT_SIZES = {
    "University of Liverpool": 1200,
    "University of Manchester": 900,
    "Lancaster University": 350,
    "University College London": 800,
    "King's College London": 600,
    "University of Leeds": 500,
    "University of Bristol": 450,
    "University of Edinburgh": 500,
    "Cardiff University": 300,
    "Queen's University Belfast": 250,
}
NATIONAL_TOTAL = 120_000

CONTRACTS = [
    (ContractType.OPEN_ENDED, 62),
    (ContractType.FIXED_TERM, 18),
    (ContractType.HOURLY_PAID, 14),
    (ContractType.ZERO_HOURS, 6),
]
JOBS = [
    ("Lecturer", "Grade 7", 38_000, 46_000),
    ("Senior lecturer", "Grade 8", 47_000, 58_000),
    ("Professor", "Professorial", 65_000, 95_000),
    ("Research associate", "Grade 6", 33_000, 38_000),
    ("Teaching fellow", "Grade 7", 36_000, 44_000),
    ("Professional services", "Grade 5", 27_000, 33_000),
    ("Librarian", "Grade 6", 31_000, 39_000),
    ("Technician", "Grade 5", 26_000, 32_000),
]
SUB_BANDS = ["A (over 45k)", "B (35k-45k)", "C (25k-35k)", "D (under 25k)"]


def _sizes(ctx: DemoContext) -> list[int]:
    if not ctx.national:
        return [DEFAULT_SIZES.get(b.name, 200) for b in ctx.branches]
    # A skewed spread: a few branches near 3,000, most a few hundred, none under 20.
    weights = [ctx.rng.paretovariate(1.3) for _ in ctx.branches]
    scale = NATIONAL_TOTAL / sum(weights)
    sizes = [max(20, min(3000, round(w * scale))) for w in weights]
    sizes[0] = 3000  # Liverpool: the benchmark-sized branch
    diff = NATIONAL_TOTAL - sum(sizes)
    i = 1
    while diff != 0:
        step = 1 if diff > 0 else -1
        if 20 <= sizes[i] + step <= 3000:
            sizes[i] += step
            diff -= step
        i = i % (len(sizes) - 1) + 1
    return sizes


def build_members(ctx: DemoContext) -> None:
    fake = Faker("en_GB")
    fake.seed_instance(ctx.rng.randint(0, 2**31))
    firsts = [fake.first_name() for _ in range(800)]
    lasts = [fake.last_name() for _ in range(1500)]
    streets = [fake.street_address().replace("\n", ", ") for _ in range(1500)]
    towns = [fake.city() for _ in range(300)]
    postcodes = [fake.postcode() for _ in range(1500)]
    contracts = [c for c, weight in CONTRACTS for _ in range(weight)]
    today = date(2026, 11, 1)
    number = 1_000_000
    total = 0
    for branch, size in zip(ctx.branches, _sizes(ctx), strict=True):
        employer = branch.employers.get()
        workplaces = list(Workplace.objects.filter(employer=employer))
        departments = list(Department.objects.filter(employer=employer))
        domain = (
            f"{branch.slug.replace('university-of-', '').replace('-university', '')}.example.ac.uk"
        )
        members: list[Member] = []
        jobs: list[tuple[ContractType, tuple[str, str, int, int]]] = []
        rng = ctx.rng
        for _ in range(size):
            number += 1
            first, last = rng.choice(firsts), rng.choice(lasts)
            handle = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            status_roll = rng.random()
            status = (
                MemberStatus.ACTIVE
                if status_roll < 0.94
                else MemberStatus.LAPSED
                if status_roll < 0.98
                else MemberStatus.RESIGNED
            )
            members.append(
                Member(
                    branch=branch,
                    membership_number=f"M{number}",
                    first_name=first,
                    last_name=last,
                    personal_email=f"{handle}{number % 1000}@example.org"
                    if rng.random() < 0.86
                    else "",
                    work_email=f"{handle}@{domain}" if rng.random() < 0.95 else "",
                    # Ofcom's drama range: numbers that never reach a real phone.
                    mobile=f"+447700900{rng.randint(0, 999):03d}" if rng.random() < 0.78 else "",
                    address_line1=rng.choice(streets),
                    town=rng.choice(towns),
                    postcode=rng.choice(postcodes),
                    status=status,
                    join_date=today - timedelta(days=rng.randint(30, 365 * 25)),
                    subscription_band=rng.choice(SUB_BANDS),
                    consent_sms=rng.random() < 0.9,
                    consent_email=rng.random() < 0.97,
                    do_not_contact=rng.random() < 0.01,
                )
            )
            jobs.append((rng.choice(contracts), rng.choice(JOBS)))
        Member.objects.bulk_create(members, batch_size=2000)
        employments = []
        for member, (contract, (title, grade, low, high)) in zip(members, jobs, strict=True):
            part_time = contract in (ContractType.HOURLY_PAID, ContractType.ZERO_HOURS)
            fte = (
                Decimal(rng.choice(["0.200", "0.400", "0.500"])) if part_time else Decimal("1.000")
            )
            employments.append(
                Employment(
                    member=member,
                    employer=employer,
                    workplace=rng.choice(workplaces),
                    department=rng.choice(departments),
                    job_category="Hourly-paid lecturer" if part_time else title,
                    grade=grade,
                    contract_type=contract,
                    fte=fte,
                    annual_salary=Decimal(rng.randint(low, high)) if rng.random() < 0.7 else None,
                    start_date=member.join_date,
                )
            )
        Employment.objects.bulk_create(employments, batch_size=2000)
        total += size
    ctx.out(f"  {total:,} members")
