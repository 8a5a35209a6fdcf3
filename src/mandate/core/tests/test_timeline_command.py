"""The ``timeline`` calculator: JSON shape, text table, and clear errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command


def run(*args: str, **options: Any) -> str:
    out = StringIO()
    call_command("timeline", *args, stdout=out, **options)
    return out.getvalue()


def run_json(**options: Any) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run(format="json", **options))
    return result


def test_json_has_deadlines_by_rule_id_and_the_mandate() -> None:
    data = run_json(jurisdiction="gb", opens="2026-03-02", closes="2026-03-23")

    assert data["jurisdiction"] == "gb"
    assert data["ballot"] == {"opens": "2026-03-02", "closes": "2026-03-23"}
    assert data["regime"]["thresholds"] == "C"
    assert data["regime"]["mandate"] == "C"
    assert data["deadlines"]["B-notice"] == {
        "date": "2026-02-23",
        "regime": "C",
        "source": "TULRCA s226A(1)(a)",
        "explanation": data["deadlines"]["B-notice"]["explanation"],
        "kind": "latest",
    }
    assert data["deadlines"]["B-sample"]["date"] == "2026-02-27"
    assert data["deadlines"]["T-inform"]["date"] == "2026-03-23"
    assert data["deadlines"]["A-mandate"]["date"] == "2027-03-22"
    assert data["mandate"]["starts"] == "2026-03-23"
    assert data["mandate"]["last_day"] == "2027-03-22"
    assert data["mandate"]["regime"] == "C"
    assert data["mandate"]["source"] == "TULRCA s234(1)"
    assert "A-notice" not in data["deadlines"]
    for deadline in data["deadlines"].values():
        assert set(deadline) >= {"date", "regime", "source", "explanation"}


def test_first_action_adds_the_notice_of_action_deadline() -> None:
    data = run_json(opens="2026-03-02", closes="2026-03-23", first_action="2026-04-13")
    assert data["deadlines"]["A-notice"]["date"] == "2026-04-03"
    assert data["deadlines"]["A-notice"]["regime"] == "C"
    assert data["deadlines"]["A-notice"]["source"] == "TULRCA s234A(4)"


def test_extension_agreed_under_regime_b_gives_7_days_and_9_months() -> None:
    data = run_json(
        opens="2025-09-01",
        closes="2025-09-22",
        first_action="2025-10-20",
        extension_agreed=True,
    )
    assert data["deadlines"]["A-notice"]["date"] == "2025-10-13"
    assert data["mandate"]["last_day"] == "2026-06-21"
    assert data["mandate"]["extended_by_agreement"] is True


def test_notice_received_is_checked_in_time_or_late() -> None:
    late = run_json(
        opens="2026-03-02",
        closes="2026-03-23",
        first_action="2026-04-13",
        notice_received="2026-04-06",
    )
    (check,) = [c for c in late["checks"] if c["rule_id"] == "A-notice"]
    assert check["ok"] is False
    assert "3 days late" in check["text"]

    on_time = run_json(
        opens="2026-03-02",
        closes="2026-03-23",
        first_action="2026-04-13",
        notice_received="03/04/2026",
    )
    (check,) = [c for c in on_time["checks"] if c["rule_id"] == "A-notice"]
    assert check["ok"] is True


def test_important_public_services_reports_the_40_percent_rule_by_regime() -> None:
    before = run_json(opens="2026-02-17", closes="2026-03-10", important_public_services=True)
    after = run_json(opens="2026-02-18", closes="2026-03-10", important_public_services=True)
    assert any(r["rule_id"] == "T-ips" for r in before["requirements"])
    assert any(r["rule_id"] == "T-ips" for r in after["not_applicable"])


def test_uk_dates_and_other_jurisdictions() -> None:
    data = run_json(jurisdiction="ni", opens="02/03/2026", closes="23/03/2026")
    assert data["jurisdiction"] == "ni"
    assert data["mandate"]["last_day"] == "2026-04-19"
    ie = run_json(jurisdiction="IE", opens="2026-03-02", closes="2026-03-16")
    assert ie["mandate"] is None


def test_text_format_is_a_table_with_reasons() -> None:
    text = run("--opens", "2026-03-02", "--closes", "2026-03-23", "--first-action", "2026-04-13")
    assert "Rule" in text and "Source" in text
    assert "B-notice   2026-02-23" in text
    assert "A-notice   2026-04-03" in text
    assert "Mandate: from 2026-03-23 to 2027-03-22" in text
    assert "Reasons:" in text
    assert "2026-04-13 - 10 days = 2026-04-03" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"opens": "2026-03-23", "closes": "2026-03-02"}, "--closes: the ballot closes"),
        ({"opens": "2026-02-30", "closes": "2026-03-23"}, "--opens: '2026-02-30' is not a real"),
        ({"opens": "soon", "closes": "2026-03-23"}, "--opens: 'soon' is not a date"),
        ({"opens": "2026-03-02", "closes": "23.03.2026"}, "--closes: '23.03.2026' is not a date"),
        (
            {"jurisdiction": "fr", "opens": "2026-03-02", "closes": "2026-03-23"},
            "--jurisdiction: unknown jurisdiction 'fr'",
        ),
        (
            {"opens": "2026-03-02", "closes": "2026-03-23", "notice_received": "2026-04-01"},
            "--notice-received: give the first day of action",
        ),
        (
            {"opens": "2026-03-02", "closes": "2026-03-23", "first_action": "13/13/2026"},
            "--first-action:",
        ),
        ({"opens": "2026-03-02", "closes": "2026-03-23", "format": "xml"}, "--format"),
    ],
)
def test_bad_input_is_a_command_error_naming_the_option(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run(**options)


def test_missing_required_option_is_refused() -> None:
    with pytest.raises(CommandError, match="--opens"):
        run(closes="2026-03-23")


def test_command_line_bad_input_exits_non_zero_without_traceback() -> None:
    env = {**os.environ, "MANDATE_TESTING": "1"}
    result = subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
        [
            sys.executable, "-m", "mandate", "timeline",
            "--jurisdiction", "gb", "--opens", "2026-03-23", "--closes", "2026-03-02",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "--closes: the ballot closes" in result.stderr
    assert "Traceback" not in result.stderr
