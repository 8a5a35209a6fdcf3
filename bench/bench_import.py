"""Benchmark: import a generated member register from CSV, end to end, against a raw baseline.

    .venv/bin/python bench/bench_import.py [--rows 120000] [--database sqlite|postgres]

Generates a realistic CSV (22 columns, UK phones, postcodes, day-first dates), sets up a branch
in a throwaway database (a temporary SQLite file, or a `bench_mandate` PostgreSQL database that
is created and dropped), then times:

* the import end to end as the command runs it (reading the file, checking every row,
  comparing with the register, writing the members and their employments in one
  transaction): the figure the target applies to;
* the web wizard's two requests: the preview (checks, writes nothing), then the apply (checks
  the stored file again and writes, as the command does);
* a re-import of the same file (nothing changes, nothing is written);
* the raw baseline: the same rows, already typed, inserted into the same two tables with
  `executemany` (SQLite) or `COPY` (PostgreSQL), and nothing else.

It prints rows per second, the ratio to the baseline, CPU seconds, and peak memory (the
process's maximum resident set size, which includes generating the file).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate"

HEADER = [
    "Membership No",
    "Forename",
    "Surname",
    "Email",
    "Work email",
    "Mobile",
    "Address line 1",
    "Town",
    "Postcode",
    "Status",
    "Join date",
    "Subs band",
    "Email consent",
    "SMS consent",
    "Workplace",
    "Department",
    "Job title",
    "Grade",
    "Contract type",
    "FTE",
    "Salary",
    "Start date",
]
WORKPLACES = ["Main campus", "City campus", "Medical school", "Library", "Sports centre"]
DEPARTMENTS = [
    "History",
    "Physics",
    "Chemistry",
    "Nursing",
    "Law",
    "Music",
    "Estates",
    "Finance",
    "Library services",
    "Computer science",
]


def _configure(database: str, workdir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["MANDATE_VAR"] = str(workdir)
    if database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mandate.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _db_cpu() -> float:
    """CPU seconds so far of the PostgreSQL backends serving the benchmark's database (0 on
    SQLite, whose work is done in this process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import _server

    return _server.db_cpu_seconds(PG_DB)


def _drop_pg() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """Write ROWS members to PATH as UTF-8 CSV, streaming, with a fixed seed."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("en_GB")
    Faker.seed(seed)
    first_names = [fake.first_name() for _ in range(400)] + ["Siân", "Zoë", "Séamus", "Ólafur"]
    last_names = [fake.last_name() for _ in range(600)] + ["Ó Briain", "O'Neill", "Smith-Jones"]
    streets = [fake.street_name() for _ in range(300)]
    towns = ["Liverpool", "Birkenhead", "Wallasey", "Bootle", "Crosby", "Widnes", "St Helens"]
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    epoch = date(1990, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            first, last = rng.choice(first_names), rng.choice(last_names)
            local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            local = local.encode("ascii", "ignore").decode() or "member"
            joined = epoch + timedelta(days=rng.randrange(12_000))
            started = joined - timedelta(days=rng.randrange(2_000))
            writer.writerow(
                [
                    f"M{n + 1:07d}",
                    first,
                    last,
                    f"{local}{n}@example.org",
                    f"{local[:1]}.{local.split('.')[-1]}{n}@liverpool.ac.uk" if n % 3 else "",
                    f"077{rng.randrange(10, 100)} {rng.randrange(100000, 1000000)}",
                    f"{rng.randrange(1, 300)} {rng.choice(streets)}",
                    rng.choice(towns),
                    f"L{rng.randrange(1, 40)} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}",
                    "Active" if n % 20 else "Lapsed",
                    joined.strftime("%d/%m/%Y"),
                    rng.choice(["A", "B", "C", "D"]),
                    rng.choice(["Y", "N", "Yes"]),
                    rng.choice(["Y", "N", "TRUE", "1"]),
                    rng.choice(WORKPLACES),
                    rng.choice(DEPARTMENTS),
                    rng.choice(
                        ["Lecturer", "Senior lecturer", "Researcher", "Technician", "Librarian"]
                    ),
                    f"Grade {rng.randrange(5, 10)}",
                    rng.choice(["Permanent", "Fixed term", "Hourly paid", "Zero hours"]),
                    rng.choice(["1", "0.5", "0.8", "100%"]),
                    f"£{rng.randrange(22, 80)},{rng.randrange(100, 1000)}",
                    started.strftime("%d/%m/%Y"),
                ]
            )


def _setup_branch() -> Any:
    from mandate.core import actions
    from mandate.core.models import Union

    union = Union.objects.create(name="Bench union", slug="bench")
    region = actions.region_create(union=union, name="North West")
    employer = actions.employer_create(
        name="University of Merseyside",
        jurisdiction="england",
        workplaces=WORKPLACES,
        departments=DEPARTMENTS,
    )
    return actions.branch_create(region=region, name="Merseyside", employers=[employer])


def _baseline(branch: Any, path: Path) -> tuple[float, int]:
    """Insert the file's rows, already typed, with the database's raw bulk path; return seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from mandate.members.models import Employment, Member

    employer = branch.employers.get()
    workplaces = dict(employer.workplaces.values_list("name", "pk"))
    departments = dict(employer.departments.values_list("name", "pk"))
    now = timezone.now()
    db_now = connection.ops.adapt_datetimefield_value(now)
    contract = {
        "Permanent": "open_ended",
        "Fixed term": "fixed_term",
        "Hourly paid": "hourly_paid",
        "Zero hours": "zero_hours",
    }

    def day(text: str) -> date:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        records = list(reader)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM members_member")
        member_base = cursor.fetchone()[0] + 1_000_000
        cursor.execute("SELECT coalesce(max(id), 0) FROM members_employment")
        employment_base = cursor.fetchone()[0] + 1_000_000
    members, employments = [], []
    for i, r in enumerate(records):
        member_id = member_base + i
        phone = "+44" + r[5].replace(" ", "")[1:]
        fte = Decimal(r[19].rstrip("%")) / (100 if r[19].endswith("%") else 1)
        members.append(
            (
                member_id,
                branch.pk,
                "B" + r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                phone,
                "",
                r[6],
                "",
                r[7],
                r[8],
                r[9].lower(),
                day(r[10]),
                r[11],
                r[12] != "N",
                r[13] != "N",
                True,
                False,
                "",
                None,
                None,
                db_now,
                db_now,
            )
        )
        employments.append(
            (
                employment_base + i,
                member_id,
                employer.pk,
                workplaces[r[14]],
                departments[r[15]],
                r[16],
                r[17],
                contract[r[18]],
                fte,
                Decimal(r[20].lstrip("£").replace(",", "")),
                day(r[21]),
                None,
            )
        )
    member_cols = [
        "id",
        "branch_id",
        "membership_number",
        "first_name",
        "last_name",
        "personal_email",
        "work_email",
        "mobile",
        "other_phone",
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "status",
        "join_date",
        "subscription_band",
        "consent_email",
        "consent_sms",
        "consent_phone",
        "do_not_contact",
        "notes",
        "user_id",
        "missing_since",
        "created_at",
        "updated_at",
    ]
    employment_cols = [
        "id",
        "member_id",
        "employer_id",
        "workplace_id",
        "department_id",
        "job_category",
        "grade",
        "contract_type",
        "fte",
        "annual_salary",
        "start_date",
        "end_date",
    ]
    tables = (
        (Member._meta.db_table, member_cols, members),
        (Employment._meta.db_table, employment_cols, employments),
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, cols, rows in tables:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(cols))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows
                )
    return time.perf_counter() - started, len(records)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        workdir = Path(tmp)
        _configure(args.database, workdir)
        try:
            return _run(args, workdir)
        finally:
            if args.database == "postgres":
                _drop_pg()


def _clear(branch: Any) -> None:
    from django.db import transaction

    from mandate.members.models import Employment, Member, MemberChange

    with transaction.atomic():
        MemberChange.objects.filter(member__branch=branch).delete()
        Employment.objects.filter(member__branch=branch)._raw_delete(Employment.objects.db)
        Member.objects.filter(branch=branch)._raw_delete(Member.objects.db)


def _run(args: argparse.Namespace, workdir: Path) -> int:
    from django.db import connection

    from mandate.members.importing import import_apply, plan_import
    from mandate.members.models import Employment, Member

    path = workdir / "register.csv"
    started = time.perf_counter()
    generate(path, args.rows)
    print(
        f"generated {args.rows:,} rows ({path.stat().st_size / 1_048_576:.1f} MB) "
        f"in {time.perf_counter() - started:.1f}s"
    )
    branch = _setup_branch()

    # The command: read, check, compare and write in one pass and one transaction.
    cpu0, db0 = time.process_time(), _db_cpu()
    started = time.perf_counter()
    plan = import_apply(branch=branch, data=path.read_bytes(), actor=None, filename=path.name)
    command_s = time.perf_counter() - started
    command_cpu = time.process_time() - cpu0 + _db_cpu() - db0
    assert plan.ok and len(plan.new_rows) == args.rows, plan.counts()
    del plan
    assert Member.objects.filter(branch=branch).count() == args.rows
    assert Employment.objects.filter(member__branch=branch).count() == args.rows

    started = time.perf_counter()
    again = import_apply(branch=branch, data=path.read_bytes(), actor=None)
    reimport_s = time.perf_counter() - started
    assert again.ok and again.unchanged == args.rows, again.counts()
    del again
    _clear(branch)

    # The wizard: a preview (one request), then the apply (the next), which checks again.
    started = time.perf_counter()
    data = path.read_bytes()
    preview = plan_import(branch=branch, data=data, filename=path.name)
    preview_s = time.perf_counter() - started
    assert preview.ok, [str(e) for e in preview.errors[:5]]
    previewed = preview.counts()
    del preview
    applied = import_apply(branch=branch, data=data, actor=None, filename=path.name)
    wizard_s = time.perf_counter() - started
    assert applied.ok and applied.counts() == previewed
    del applied, data
    _clear(branch)

    # The process's peak so far: generating the file streams, so this is the imports' peak.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0, db0 = time.process_time(), _db_cpu()
    baseline_s, baseline_rows = _baseline(branch, path)
    baseline_cpu = time.process_time() - cpu0 + _db_cpu() - db0

    def rate(seconds: float) -> float:
        return args.rows / seconds

    baseline_rate = baseline_rows / baseline_s
    version = (
        connection.Database.sqlite_version
        if connection.vendor == "sqlite"
        else connection.pg_version  # type: ignore[attr-defined]
    )
    print(f"database: {connection.vendor} {version}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"command (check + write):   {command_s:6.2f}s  {rate(command_s):9,.0f} rows/s")
    print(f"wizard preview:            {preview_s:6.2f}s  {rate(preview_s):9,.0f} rows/s")
    print(
        f"wizard apply (2nd request):{wizard_s - preview_s:6.2f}s  {rate(wizard_s - preview_s):9,.0f} rows/s"
    )
    print(f"wizard, both requests:     {wizard_s:6.2f}s  {rate(wizard_s):9,.0f} rows/s")
    print(f"re-import, no changes:     {reimport_s:6.2f}s  {rate(reimport_s):9,.0f} rows/s")
    print(f"raw baseline (insert only):{baseline_s:6.2f}s  {baseline_rate:9,.0f} rows/s")
    print(
        f"ratio to baseline:         command {rate(command_s) / baseline_rate:.2f}, "
        f"wizard {rate(wizard_s) / baseline_rate:.2f}"
    )
    print(
        f"CPU (this process + the database server's backend): command {command_cpu:.2f}s "
        f"= {args.rows / command_cpu:,.0f} rows per CPU-second, raw baseline {baseline_cpu:.2f}s "
        f"= {baseline_rows / baseline_cpu:,.0f}; ratio {baseline_cpu / command_cpu:.2f} "
        "(steadier than the wall-clock ratio when the machine is shared)"
    )
    print(f"peak memory (max RSS) of the imports: {peak_mb:.0f} MB")
    # The figure is the import end to end, checking included: the command, which is
    # also what the wizard's apply request runs (it checks the stored file again). The wizard's
    # preview is a request of its own, made before an officer reads it.
    ok = rate(command_s) >= 20_000 and peak_mb < 500
    print("target (command >= 20,000 rows/s, < 500 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
