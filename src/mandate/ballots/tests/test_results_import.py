"""The two real 2021 scrutineer reports, end to end through the command, and bad input."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mandate.ballots import actions
from mandate.ballots.models import (
    BallotState,
    Constituency,
    ConstituencyAlias,
    Mandate,
    Result,
    ResultsImport,
)
from mandate.ballots.tests.factories import PAY, PENSIONS, historic_ballot
from mandate.core.models import AuditEvent, Jurisdiction

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def strike_mandates(ballot_id: int) -> list[Mandate]:
    return list(
        Mandate.objects.filter(
            constituency__ballot_id=ballot_id, question="strike", granted=True
        ).select_related("constituency")
    )


def test_pay_report_gives_54_strike_mandates_52_gb_and_2_ni() -> None:
    ballot = historic_ballot()
    out = run("results", "import", str(PAY), "--ballot", str(ballot.pk), "--create-constituencies")
    assert "Imported 290 results for 145 constituencies (145 created)" in out
    granted = strike_mandates(ballot.pk)
    assert len(granted) == 54
    ni = [m for m in granted if m.constituency.jurisdiction == Jurisdiction.NORTHERN_IRELAND]
    assert len(ni) == 2
    assert {m.rulebook for m in ni} == {"ni"}
    assert len(granted) - len(ni) == 52
    assert (
        Constituency.objects.filter(
            ballot=ballot, jurisdiction=Jurisdiction.NORTHERN_IRELAND
        ).count()
        == 4
    )
    # Total rows are the scrutineer's check sums, never constituencies.
    assert not Constituency.objects.filter(ballot=ballot, name__icontains="total").exists()
    ballot.refresh_from_db()
    assert ballot.state == BallotState.RESULTS_IN
    # Regime B by opening date (18 Oct 2021): 6 months from the date of the ballot, 4 Nov 2021.
    gb = next(m for m in granted if m.rulebook == "gb")
    assert gb.regime == "B" and gb.last_day.isoformat() == "2022-05-03"


def test_pensions_report_gives_37_of_68_and_manchester_none() -> None:
    ballot = historic_ballot("USS 2021")
    run("results", "import", str(PENSIONS), "--ballot", str(ballot.pk), "--create-constituencies")
    assert Constituency.objects.filter(ballot=ballot).count() == 68
    assert len(strike_mandates(ballot.pk)) == 37
    manchester = Mandate.objects.get(
        constituency__ballot=ballot,
        constituency__name="The University of Manchester",
        question="strike",
    )
    assert not manchester.granted
    assert manchester.turnout_met is False
    assert "49.95%" in manchester.reason
    assert "50.00%" not in manchester.reason
    # Northern Ireland results in this report give no electorate: no threshold, still decided.
    qub = Mandate.objects.get(
        constituency__ballot=ballot,
        constituency__name="Queen's University Belfast",
        question="strike",
    )
    assert qub.granted and qub.turnout_met is None and qub.last_day_limits == "start_of_action"


def test_reimport_replaces_results_idempotently_and_is_audited() -> None:
    ballot = historic_ballot()
    run("results", "import", str(PAY), "--ballot", str(ballot.pk), "--create-constituencies")
    first = set(
        Result.objects.filter(constituency__ballot=ballot).values_list(
            "constituency__name", "question", "votes_cast", "yes"
        )
    )
    out = run("results", "import", str(PAY), "--ballot", str(ballot.pk))
    assert "(0 created)" in out
    assert (
        set(
            Result.objects.filter(constituency__ballot=ballot).values_list(
                "constituency__name", "question", "votes_cast", "yes"
            )
        )
        == first
    )
    assert Result.objects.filter(constituency__ballot=ballot).count() == 290
    assert Mandate.objects.filter(constituency__ballot=ballot).count() == 290
    assert len(strike_mandates(ballot.pk)) == 54
    assert ResultsImport.objects.filter(ballot=ballot).count() == 2
    events = AuditEvent.objects.filter(action="ballot.results_import")
    assert events.count() == 2
    assert events.first().detail["results"] == 290


def test_unmatched_names_refused_with_suggestions_and_nothing_written() -> None:
    ballot = historic_ballot()
    actions.constituency_add(ballot=ballot, name="Abertay (Dundee)", actor=None)
    with pytest.raises(CommandError) as caught:
        run("results", "import", str(PAY), "--ballot", str(ballot.pk))
    message = str(caught.value)
    assert "match no constituency" in message
    assert "“Abertay University” (did you mean: Abertay (Dundee)" in message
    assert not Result.objects.exists()
    assert Constituency.objects.filter(ballot=ballot).count() == 1
    ballot.refresh_from_db()
    assert ballot.state == BallotState.DRAFT


def test_chosen_match_is_remembered_as_alias_for_the_next_ballot() -> None:
    first = historic_ballot("First")
    ucl = actions.constituency_add(ballot=first, name="University College London", actor=None)
    data = PAY.read_bytes()
    preview = actions.results_preview(ballot=first, data=data, filename=PAY.name)
    report_name = "UCL"
    assert preview.unmatched[report_name][0].name == "University College London"
    actions.results_import(
        ballot=first,
        data=data,
        filename=PAY.name,
        actor=None,
        create_constituencies=True,
        resolutions={report_name: ucl.pk},
    )
    assert Result.objects.filter(constituency=ucl).count() == 2
    assert ConstituencyAlias.objects.filter(alias="UCL", name="University College London").exists()

    second = historic_ballot("Second")
    actions.constituency_add(ballot=second, name="University College London", actor=None)
    preview = actions.results_preview(ballot=second, data=data, filename=PAY.name)
    assert report_name in preview.matched
    assert preview.how[report_name] == "alias"


def test_unknown_ballot_corrupt_file_and_non_report(tmp_path) -> None:
    ballot = historic_ballot()
    with pytest.raises(CommandError, match="No ballot has the id '999999'"):
        run("results", "import", str(PAY), "--ballot", "999999")
    corrupt = tmp_path / "report.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(CommandError) as caught:
        run("results", "import", str(corrupt), "--ballot", str(ballot.pk))
    assert "report.xlsx" in str(caught.value)
    other = tmp_path / "members.csv"
    other.write_text("first_name,last_name,email\nAnn,Lee,ann@example.org\n")
    with pytest.raises(CommandError, match="No results table found"):
        run("results", "import", str(other), "--ballot", str(ballot.pk), "--create-constituencies")
    assert not Result.objects.exists()
    assert not Constituency.objects.exists()


def test_row_errors_name_row_and_column_and_write_nothing(tmp_path) -> None:
    ballot = historic_ballot()
    bad = tmp_path / "strike.csv"
    bad.write_text(
        "Institution,Mailedout,Turnout,Yes\n"
        "Alpha University,100,60,40\n"
        "Beta University,100,lots,40\n"
        "Total,200,120,80\n"
    )
    with pytest.raises(CommandError) as caught:
        run("results", "import", str(bad), "--ballot", str(ballot.pk), "--create-constituencies")
    assert "row 3" in str(caught.value)
    assert not Result.objects.exists()
    assert not Constituency.objects.exists()


def test_results_refused_before_the_ballot_closes(world) -> None:
    from mandate.ballots.tests.factories import local_ballot

    ballot = local_ballot(world)
    with pytest.raises(CommandError, match="no results before it closes"):
        run("results", "import", str(PAY), "--ballot", str(ballot.pk))


def test_mandates_command_json_and_csv_columns() -> None:
    ballot = historic_ballot("USS 2021")
    run("results", "import", str(PENSIONS), "--ballot", str(ballot.pk), "--create-constituencies")
    rows = json.loads(run("mandates", "--ballot", str(ballot.pk), "--format", "json"))
    assert len(rows) == 136
    assert list(rows[0]) == [
        "constituency",
        "jurisdiction",
        "question",
        "entitled",
        "turnout",
        "yes",
        "no",
        "turnout_met",
        "majority_met",
        "mandate",
        "last_day",
        "reason",
    ]
    manchester = next(
        r
        for r in rows
        if r["constituency"] == "The University of Manchester" and r["question"] == "strike"
    )
    assert manchester["entitled"] == 2094 and manchester["turnout"] == 1046
    assert manchester["mandate"] is False and manchester["last_day"] is None
    assert sum(1 for r in rows if r["question"] == "strike" and r["mandate"]) == 37
    text = run("mandates", "--ballot", str(ballot.pk), "--format", "csv")
    lines = text.splitlines()
    assert (
        lines[0]
        == "constituency,jurisdiction,question,entitled,turnout,yes,no,turnout_met,majority_met,mandate,last_day,reason"
    )
    assert len(lines) == 137
    with pytest.raises(CommandError, match="No ballot"):
        run("mandates", "--ballot", "nope")


def test_ballot_create_command_prints_only_the_id() -> None:
    from mandate.ballots.models import Ballot
    from mandate.ballots.tests.factories import national_dispute

    dispute = national_dispute()
    out = run(
        "ballot",
        "create",
        "--dispute",
        dispute.slug,
        "--name",
        "Pay 2026",
        "--jurisdiction",
        "gb",
        "--opens",
        "2026-09-01",
        "--closes",
        "2026-10-20",
    )
    ballot = Ballot.objects.get(pk=int(out.strip()))
    assert ballot.dispute == dispute and ballot.kind == "separate"
    with pytest.raises(CommandError, match="s228A"):
        run(
            "ballot",
            "create",
            "--dispute",
            dispute.slug,
            "--name",
            "Agg",
            "--opens",
            "2026-09-01",
            "--closes",
            "2026-10-20",
            "--aggregated",
        )
    with pytest.raises(CommandError, match="before it opens"):
        run(
            "ballot",
            "create",
            "--dispute",
            dispute.slug,
            "--name",
            "Backwards",
            "--opens",
            "2026-10-01",
            "--closes",
            "2026-09-20",
        )
