from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[3]


def _run_settings(env: dict[str, str], argv0: str = "x") -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "MANDATE_TESTING"}
    }
    clean.update(env)
    clean["PYTHONPATH"] = str(SRC)
    code = (
        f"import sys; sys.argv = [{argv0!r}, 'runserver']; "
        "import mandate.settings as s; print('started', s.DEBUG)"
    )
    return subprocess.run(  # noqa: S603 - a fixed interpreter and code string
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_settings_refuse_to_start_without_a_secret() -> None:
    result = _run_settings({"MANDATE_TESTING": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_secret_read_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-file\n")
    result = _run_settings({"MANDATE_TESTING": "0", "SECRET_KEY_FILE": str(secret)})
    assert result.returncode == 0, result.stderr
    assert "started False" in result.stdout


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        PYTHONPATH=str(SRC),
        MANDATE_TESTING="0",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}",
        DJANGO_SETTINGS_MODULE="mandate.settings",
    )
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "print(connection.transaction_mode)"
    )
    result = subprocess.run(  # noqa: S603 - a fixed interpreter and code string
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE"]
