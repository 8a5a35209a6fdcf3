"""``mandate timeline``: the statutory ballot timetable as a calculator for branch secretaries.

The rules live in ``mandate.law`` (plain Python); this command only reads options, asks the
rulebook, and prints its answer as a table with reasons or as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.law import (
    JURISDICTIONS,
    LawError,
    Timetable,
    ballot_timetable,
    parse_date,
    rulebook_for,
)
from mandate.law.dates import long_date

_LABELS = {
    "B-notice": "notice of ballot: latest receipt by employer",
    "B-sample": "sample voting paper: latest receipt by employer",
    "T-inform": "result to members and employers: send by",
    "A-early": "call to action: not before the ballot closes",
    "A-mandate": "mandate: last lawful day",
    "A-notice": "notice of action: latest receipt by employer",
}


def _date_option(value: object, option: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise CommandError(f"{option}: expected a date such as 2026-03-02, got {value!r}.")
    try:
        return parse_date(value, field=option)
    except LawError as error:
        raise CommandError(error.message) from None


class Command(BaseCommand):
    help = (
        "Compute a statutory ballot's timetable: latest receipt of the ballot notice and sample "
        "paper, result notices, the mandate, and the notice of action for a first day of action."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jurisdiction",
            default="gb",
            help=f"rulebook to apply: {', '.join(JURISDICTIONS)} (default gb)",
        )
        parser.add_argument(
            "--opens", required=True, help="ballot opening date, YYYY-MM-DD or DD/MM/YYYY"
        )
        parser.add_argument(
            "--closes", required=True, help="date of the ballot (last day votes may be cast)"
        )
        parser.add_argument("--first-action", dest="first_action", help="first day of action")
        parser.add_argument(
            "--notice-received",
            dest="notice_received",
            help="day the employer received the notice of action (needs --first-action)",
        )
        parser.add_argument(
            "--important-public-services",
            dest="important_public_services",
            action="store_true",
            help="the majority entitled work in important public services (40%% support rule)",
        )
        parser.add_argument(
            "--extension-agreed",
            dest="extension_agreed",
            action="store_true",
            help="the employer agreed the shorter notice and the longer mandate the regime allows",
        )
        parser.add_argument(
            "--format", dest="output_format", default="text", help="text (default) or json"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output_format = str(options.get("output_format") or "text").lower()
        if output_format not in {"text", "json"}:
            raise CommandError(f"--format: use text or json, not {output_format!r}.")
        try:
            rulebook = rulebook_for(str(options.get("jurisdiction") or "gb"))
        except LawError as error:
            raise CommandError(f"--{error.message}") from None
        opens = _date_option(options.get("opens"), "--opens")
        closes = _date_option(options.get("closes"), "--closes")
        if opens is None:
            raise CommandError("--opens: the ballot opening date is required.")
        if closes is None:
            raise CommandError("--closes: the date of the ballot is required.")
        first_action = _date_option(options.get("first_action"), "--first-action")
        notice_received = _date_option(options.get("notice_received"), "--notice-received")
        try:
            timetable = ballot_timetable(
                rulebook,
                opens=opens,
                closes=closes,
                first_action=first_action,
                notice_received=notice_received,
                important_public_services=bool(options.get("important_public_services")),
                extension_agreed=bool(options.get("extension_agreed")),
            )
        except LawError as error:
            option = "--" + error.field.replace("_", "-") if error.field else ""
            message = error.message
            if option and message.startswith(f"{error.field}:"):
                message = option + message[len(error.field) :]
            raise CommandError(message) from None
        if output_format == "json":
            self.stdout.write(json.dumps(timetable.to_dict(), indent=2))
        else:
            self.stdout.write(render_text(timetable))


def render_text(timetable: Timetable) -> str:
    """A table a secretary can read on a phone or paste into an email, with every reason."""
    lines = [
        f"{timetable.rulebook_name}",
        f"Ballot opens {long_date(timetable.opens)}; date of the ballot (closes) "
        f"{long_date(timetable.closes)}",
        "Regime per step: "
        + ", ".join(f"{step.replace('_', ' ')} {code}" for step, code in timetable.regimes.items()),
    ]
    lines.extend(f"WARNING: {warning}" for warning in timetable.warnings)
    lines.append("")
    rows = [("Rule", "Date", "Day", "Regime", "What", "Source")]
    for item in sorted(timetable.deadlines, key=lambda d: (d.date, d.rule_id)):
        rows.append(
            (
                item.rule_id,
                item.date.isoformat(),
                f"{item.date:%a}",
                item.regime,
                _LABELS.get(item.rule_id, item.rule_id),
                item.source.short,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    if timetable.mandate is not None:
        mandate = timetable.mandate
        lines.append("")
        lines.append(
            f"Mandate: from {mandate.starts.isoformat()} to {mandate.last_day.isoformat()} "
            f"(regime {mandate.regime}, {mandate.source.short})"
        )
        if mandate.earliest_first_action is not None:
            lines.append(
                "Earliest first day of action (notice received once the result is out): "
                f"{long_date(mandate.earliest_first_action)}"
            )
    if timetable.checks:
        lines.append("")
        lines.append("Checks:")
        for check in timetable.checks:
            lines.append(f"  [{'OK' if check.ok else 'FAIL'}] {check.rule_id}: {check.text}")
    lines.append("")
    lines.append("Reasons:")
    for item in timetable.deadlines:
        lines.append(f"  {item.rule_id}: {item.explanation}")
    for reason in timetable.requirements:
        lines.append(f"  {reason.rule_id}: {reason.text}")
    if timetable.not_applicable:
        lines.append("")
        lines.append("Not applicable:")
        for reason in timetable.not_applicable:
            lines.append(f"  {reason.rule_id}: {reason.text} ({reason.source.short})")
    return "\n".join(lines)
