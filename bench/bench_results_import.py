"""Benchmark: importing a 150-constituency scrutineer's report into a ballot.

    .venv/bin/python bench/bench_results_import.py [--constituencies 150] [--runs 5]
                                                   [--database both|sqlite|postgres]

Generates a report in the scrutineer's layout with openpyxl (title rows, Strike/ASOS sheets and
NI sheets, text percentages, trailing spaces, Total rows: 300 result rows), then imports it with
``results_import`` into a ballot whose constituencies are created from the report on the first
run and matched on every later run (a re-import replaces the results). Each run is timed from
bytes to committed results and recomputed mandates. Throwaway databases: a temporary SQLite file,
and a ``bench_mandate_results`` PostgreSQL database when BENCH_PG_ADMIN_URL answers. Target: under
2 s per import.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "bench_mandate_results"
TARGET_S = 2.0


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable": skip PostgreSQL
        return False


def _configure(database: str, workdir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["MANDATE_VAR"] = str(workdir)
    os.environ["DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
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


def _drop_pg() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def run(database: str, constituencies: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _configure(database, Path(tmp))
        from mandate.ballots import actions
        from mandate.ballots.demo import ReportRow, synthetic_report
        from mandate.ballots.models import Mandate
        from mandate.disputes.models import Dispute, DisputeScope

        rng = random.Random(2026)
        rows = []
        for i in range(constituencies):
            entitled = rng.randint(20, 3000)
            votes = rng.randint(entitled // 4, entitled)
            rows.append(
                ReportRow(
                    name=f"University {i:03d}",
                    entitled=entitled,
                    votes_cast=votes,
                    strike_yes=rng.randint(votes // 3, votes),
                    asos_yes=rng.randint(votes // 3, votes),
                    ni=i >= constituencies - 4,
                )
            )
        data = synthetic_report(rows)
        dispute = Dispute.objects.create(
            name="Bench dispute", slug="bench", scope=DisputeScope.NATIONAL
        )
        ballot = actions.ballot_create(
            dispute=dispute,
            name="Bench ballot",
            opens=dt.date(2021, 10, 18),
            closes=dt.date(2021, 11, 4),
            actor=None,
        )
        times = []
        for i in range(runs):
            started = time.perf_counter()
            actions.results_import(
                ballot=ballot,
                data=data,
                filename="report.xlsx",
                actor=None,
                create_constituencies=i == 0,
            )
            times.append(time.perf_counter() - started)
        granted = Mandate.objects.filter(constituency__ballot=ballot, granted=True).count()
        print(
            f"{database}: {constituencies} constituencies, {len(data) // 1024} KiB, "
            f"first import (creating constituencies) {times[0]:.2f} s, re-import median "
            f"{statistics.median(times[1:] or times):.2f} s (max {max(times):.2f} s) over "
            f"{runs} runs; {granted} mandates; target < {TARGET_S:.0f} s"
        )
        if database == "postgres":
            _drop_pg()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--constituencies", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=["both", "sqlite", "postgres"], default="both")
    args = parser.parse_args()
    if args.database != "both":
        run(args.database, args.constituencies, args.runs)
        return
    for database in ("sqlite", "postgres"):
        if database == "postgres" and not _pg_reachable():
            print("postgres: not reachable, skipped")
            continue
        # One process per database: Django's settings are read once per process.
        subprocess.run(  # noqa: S603 - runs this same script with fixed arguments
            [
                sys.executable,
                __file__,
                "--database",
                database,
                "--constituencies",
                str(args.constituencies),
                "--runs",
                str(args.runs),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
