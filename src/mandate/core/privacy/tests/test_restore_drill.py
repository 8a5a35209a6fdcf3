"""The restore drill: dump a populated PostgreSQL database, restore it into a fresh one, and the
app's own checks pass on the copy with every table's row count equal. PostgreSQL pass only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from mandate.calls.tests.factories import phone_member
from mandate.conftest import build_world
from mandate.core import health
from mandate.core.privacy.tests.scenario import build

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MANDATE = Path(sys.executable).with_name("mandate")


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            t: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))
            ).fetchone()[0]  # type: ignore[index]
            for t in tables
        }


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def _mandate(args: list[str], url: str, var: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("MANDATE_TESTING", "MANDATE_TEST_DB_NAME")
    }
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="restore-drill-" + "x7Qp2Lm9" * 6,
        ALLOWED_HOSTS="mandate.example.org",
        MANDATE_VAR=str(var),
    )
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(MANDATE), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_dump_restore_and_check(tmp_path: Path) -> None:
    world = build_world()
    build(world)
    for n in range(200, 350):
        phone_member(world.liverpool, str(n))
    health.beat("drill-worker")
    source = connection.settings_dict["NAME"]
    target = f"{source}_restore"
    before = _counts(_url(source))
    assert sum(before.values()) > 300

    dump = tmp_path / "mandate.dump"
    subprocess.run(  # noqa: S603
        ["/usr/bin/pg_dump", "-Fc", "--no-owner", "-f", str(dump), _url(source)], check=True
    )
    _admin(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target)))
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    try:
        subprocess.run(  # noqa: S603
            ["/usr/bin/pg_restore", "--no-owner", "--exit-on-error", "-d", _url(target), str(dump)],
            check=True,
        )
        assert _counts(_url(target)) == before

        static = tmp_path / "var" / "static" / "mandate"
        static.mkdir(parents=True)
        (static / "site.css").write_text("")
        var = tmp_path / "var"
        for args in (["check"], ["migrate", "--check"], ["doctor"]):
            done = _mandate(args, _url(target), var)
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        doctor = _mandate(["doctor"], _url(target), var).stdout
        assert "ok      database: reachable (postgresql) and migrated" in doctor
        assert "ok      worker" in doctor
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
