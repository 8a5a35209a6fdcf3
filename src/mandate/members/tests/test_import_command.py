"""The ``mandate import-members`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mandate.conftest import World
from mandate.members.models import Member
from mandate.members.tests.test_import_helpers import csv_bytes, good_rows, snapshot


def write(tmp_path: Path, data: bytes, name: str = "register.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_and_summary(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "import-members", write(tmp_path, csv_bytes(good_rows())), branch="university-of-liverpool"
    )
    out = capsys.readouterr().out
    assert "2 rows: 2 new, 0 changed, 0 unchanged" in out
    assert "3 member(s) of the branch are not in the file" in out
    assert Member.objects.filter(branch=world.liverpool).count() == 5


def test_dry_run_writes_nothing(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot()
    call_command(
        "import-members",
        write(tmp_path, csv_bytes(good_rows())),
        "--dry-run",
        branch=world.liverpool.slug,
    )
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert snapshot() == before


def test_errors_go_to_stderr_and_exit_1(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = good_rows()
    rows[1][3] = "nobody-at-example"
    before = snapshot()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import-members", write(tmp_path, csv_bytes(rows)), branch=world.liverpool.slug
        )
    assert raised.value.returncode == 1
    assert "nothing was written" in str(raised.value)
    err = capsys.readouterr().err
    assert 'row 3, column "Email": ' in err
    assert snapshot() == before


def test_file_of_50_mb_is_refused_before_reading(world: World, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: the size is real, nothing is read
    before = snapshot()
    with pytest.raises(
        CommandError, match="50.0 MB; the largest file that can be imported is 40 MB"
    ):
        call_command("import-members", str(path), branch=world.liverpool.slug)
    assert snapshot() == before


def test_sheet_option(world: World, tmp_path: Path) -> None:
    from mandate.members.tests.test_import_helpers import xlsx_bytes

    data = xlsx_bytes(
        {
            "A": [["Member No", "Forename", "Surname"], ["N1", "Ann", "Lee"]],
            "B": [["Member No", "Forename", "Surname"], ["N2", "Bo", "Moss"]],
        }
    )
    path = write(tmp_path, data, "book.xlsx")
    with pytest.raises(CommandError):
        call_command("import-members", path, branch=world.liverpool.slug)
    call_command("import-members", path, branch=world.liverpool.slug, sheet="B")
    assert Member.objects.filter(membership_number="N2").exists()


def test_unknown_branch_and_missing_file(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No branch"):
        call_command("import-members", write(tmp_path, b"x"), branch="nowhere")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import-members", str(tmp_path / "absent.csv"), branch=world.liverpool.slug)


def test_exit_status_from_the_shell(tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes(good_rows()))
    env = {
        "MANDATE_TESTING": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "PATH": "/usr/bin:/bin",
    }

    def mandate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "mandate", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    assert mandate("migrate", "--verbosity", "0").returncode == 0
    result = mandate("import-members", path, "--branch", "nowhere")
    assert result.returncode == 1, result.stderr
    assert "No branch" in result.stderr
