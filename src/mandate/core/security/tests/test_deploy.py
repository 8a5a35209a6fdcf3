"""`mandate check --deploy` is clean with the production settings docs/security.md lists."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[4]


def _check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a server never would.
        if k
        not in {
            "DEBUG",
            "MANDATE_TESTING",
            "SECRET_KEY",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
        and not k.startswith(("SECURE_", "AXES_", "MANDATE_REQUIRE"))
    }
    env.update(
        PYTHONPATH=str(SRC),
        DJANGO_SETTINGS_MODULE="mandate.settings",
        MANDATE_TESTING="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="mandate.example.org",
        CSRF_TRUSTED_ORIGINS="https://mandate.example.org",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        MANDATE_VAR=str(tmp_path),
    )
    env.update(extra)
    code = (
        "import sys; sys.argv = ['mandate', 'check', '--deploy', '--fail-level', 'WARNING']; "
        "from mandate.__main__ import main; main()"
    )
    return subprocess.run(  # noqa: S603 - a fixed interpreter and code string
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_notices_a_weakened_setting(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout
    assert "security.W004" in result.stderr + result.stdout
