"""The rulebook as data: every rule cited and dated, regimes by trigger, overrides with reasons."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from mandate.law import (
    JURISDICTIONS,
    Citation,
    LawError,
    Override,
    TriggerEvent,
    action_notice_deadline,
    ballot_timetable,
    evaluate_ballot,
    rulebook_for,
)
from mandate.law.jurisdictions import constitution

D = dt.date
GB = rulebook_for("gb")
DOMAIN_IDS = {
    "B-notice", "B-sample", "B-scrutineer", "B-electorate", "B-called", "B-separate",
    "V-questions", "V-post", "T-turnout", "T-majority", "T-ips", "T-inform", "A-notice",
    "A-content", "A-mandate", "A-early", "P-place", "P-six", "P-supervisor",
}  # fmt: skip
LAW_DIR = Path(__file__).resolve().parents[1]


def test_gb_rulebook_has_every_rule_of_the_domain_table_in_every_regime() -> None:
    assert set(GB.rule_ids) >= DOMAIN_IDS
    for rule_id in GB.rule_ids:
        assert {v.regime for v in GB.versions(rule_id)} == {"A", "B", "C", "D"}, rule_id


@pytest.mark.parametrize("code", JURISDICTIONS)
def test_every_rule_version_is_cited_titled_and_triggered(code: str) -> None:
    for rule in rulebook_for(code):
        assert rule.source.short and rule.source.instrument, rule.key
        assert rule.title, rule.key
        assert isinstance(rule.trigger, TriggerEvent)


@pytest.mark.parametrize("code", JURISDICTIONS)
def test_exactly_one_in_force_version_of_each_rule_on_any_date(code: str) -> None:
    book = rulebook_for(code)
    days = [D(2000, 1, 1), D(2017, 2, 28), D(2017, 3, 1), D(2026, 2, 17), D(2026, 2, 18)]
    for rule_id in book.rule_ids:
        for day in days:
            assert sum(v.covers(day) for v in book.versions(rule_id)) == 1, (rule_id, day)


@pytest.mark.parametrize(
    ("day", "regime"),
    [
        (D(2017, 2, 28), "A"),
        (D(2017, 3, 1), "B"),
        (D(2026, 2, 17), "B"),
        (D(2026, 2, 18), "C"),
        (D(2099, 1, 1), "C"),
    ],
)
def test_gb_regime_boundaries(day: dt.date, regime: str) -> None:
    assert GB.regime_on(day).code == regime


def test_regime_d_is_present_but_not_in_force_and_never_chosen_by_date() -> None:
    d = GB.regime("D")
    assert d.in_force is False
    assert d.state == "not yet in force"
    assert all(GB.regime_on(day).code != "D" for day in (D(2026, 11, 1), D(2040, 1, 1)))
    assert GB.rule("T-turnout", regime="D").applies is False


def test_regime_d_timetable_warns_it_is_a_what_if() -> None:
    timetable = ballot_timetable(GB, opens=D(2026, 9, 1), closes=D(2026, 9, 22), regime="D")
    assert timetable.warnings and "not yet in force" in timetable.warnings[0]


def test_triggers_follow_the_domain_table() -> None:
    expected = {
        "T-ips": TriggerEvent.BALLOT_OPENING,
        "T-turnout": TriggerEvent.BALLOT_OPENING,
        "A-mandate": TriggerEvent.BALLOT_OPENING,
        "V-content": TriggerEvent.BALLOT_OPENING,
        "A-notice": TriggerEvent.ACTION_NOTICE_RECEIPT,
        "B-content": TriggerEvent.BALLOT_NOTICE_RECEIPT,
        "P-supervisor": TriggerEvent.PICKETING,
    }
    for rule_id, trigger in expected.items():
        assert {v.trigger for v in GB.versions(rule_id)} == {trigger}


def test_statute_numbers_per_regime() -> None:
    assert GB.rule("A-notice", regime="A").params["days"] == 7
    assert GB.rule("A-notice", regime="B").params["days"] == 14
    assert GB.rule("A-notice", regime="B").params["days_by_agreement"] == 7
    assert GB.rule("A-notice", regime="C").params["days"] == 10
    assert GB.rule("A-mandate", regime="A").params["weeks"] == 4
    assert GB.rule("A-mandate", regime="B").params["months"] == 6
    assert GB.rule("A-mandate", regime="B").params["months_by_agreement"] == 9
    assert GB.rule("A-mandate", regime="C").params["months"] == 12
    assert GB.rule("A-mandate", regime="C").params["months_by_agreement"] is None
    assert GB.rule("T-turnout", regime="B").params["share"] == Fraction(1, 2)
    assert GB.rule("T-ips", regime="B").params["share"] == Fraction(2, 5)
    assert GB.rule("B-scrutineer", regime="C").params["max_entitled_without_scrutineer"] == 50
    assert GB.rule("P-six", regime="C").params["max_pickets_per_entrance"] == 6
    assert GB.rule("P-supervisor", regime="B").applies is True
    assert GB.rule("P-supervisor", regime="C").applies is False


def test_override_records_reason_and_original_and_changes_the_answer() -> None:
    book = GB.with_overrides(
        {"A-notice@C": {"days": 12}}, reason="Counsel's advice: allow two days for post"
    )
    rule = book.rule("A-notice", regime="C")
    assert rule.params["days"] == 12
    assert rule.applied_override is not None
    assert rule.applied_override.original["days"] == 10
    assert rule.applied_override.override.reason == "Counsel's advice: allow two days for post"
    deadline = action_notice_deadline(book, first_action=D(2026, 6, 15))
    assert deadline is not None and deadline.date == D(2026, 6, 3)
    # The original rulebook is untouched.
    assert GB.rule("A-notice", regime="C").params["days"] == 10


def test_override_by_bare_id_touches_every_version_with_the_parameter() -> None:
    book = GB.with_overrides({"A-notice": {"days_by_agreement": 8}}, reason="Agreement clause")
    assert book.rule("A-notice", regime="B").params["days_by_agreement"] == 8
    assert book.rule("A-notice", regime="C").params["days_by_agreement"] == 8
    assert book.rule("A-notice", regime="B").params["days"] == 14


def test_override_objects_carry_their_own_reason_and_accept_form_text() -> None:
    at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    book = GB.with_overrides(
        {
            "T-ips@B": Override({"share": "45%"}, reason="Test a stricter reading", recorded_at=at),
            "A-mandate@B": Override({"months": "5"}, reason="Safety margin", recorded_by="admin"),
        }
    )
    assert book.rule("T-ips", regime="B").params["share"] == Fraction(9, 20)
    assert book.rule("A-mandate", regime="B").params["months"] == 5
    row = next(r for r in book.describe() if r["key"] == "T-ips@B")
    assert row["override"]["reason"] == "Test a stricter reading"
    assert row["override"]["original"] == {"applies": True, "share": "2/5"}
    assert row["override"]["recorded_at"] == "2026-05-01T09:30:00+00:00"
    assert row["params"]["share"] == "9/20"


@pytest.mark.parametrize(
    ("overrides", "reason", "message"),
    [
        ({"A-notice@C": {"days": 12}}, "", "needs a recorded reason"),
        ({"X-unknown": {"days": 1}}, "r", "not a rule"),
        ({"A-notice@C": {"weeks": 1}}, "r", "no parameter 'weeks'"),
        ({"A-notice@C": {"days": -1}}, "r", "must not be negative"),
        ({"A-notice@C": {"days": "ten"}}, "r", "expected a whole number"),
        ({"T-ips@B": {"share": "3/2"}}, "r", "between 0 and 1"),
        ({"T-majority@B": {"basis": "hearsay"}}, "r", "expected one of"),
        ({"A-notice@Z": {"days": 1}}, "r", "not a rule"),
        ({"A-notice@C": {}}, "r", "changes no parameter"),
        ({"T-ips@C": {"applies": True}}, "r", "cannot be overridden"),
    ],
)
def test_bad_overrides_are_refused_with_a_clear_message(
    overrides: dict[str, dict[str, object]], reason: str, message: str
) -> None:
    with pytest.raises(LawError, match=message):
        GB.with_overrides(overrides, reason=reason)  # type: ignore[arg-type]


def test_describe_lists_every_rule_with_params_regime_dates_trigger_and_citation() -> None:
    rows = GB.describe()
    assert len(rows) == len(GB.rules)
    row = next(r for r in rows if r["key"] == "T-turnout@B")
    assert row["params"] == {"applies": True, "share": "1/2"}
    assert row["effective_from"] == "2017-03-01"
    assert row["effective_to"] == "2026-02-17"
    assert row["trigger"] == "ballot_opening"
    assert row["source"]["short"] == "TULRCA s226(2)(a)(iia)"
    assert row["source"]["url"].startswith("https://www.legislation.gov.uk/")
    d_row = next(r for r in rows if r["key"] == "T-turnout@D")
    assert d_row["regime_state"] == "not yet in force"
    json.dumps(GB.to_dict())


def test_northern_ireland_has_no_turnout_threshold_7_days_notice_4_week_mandate() -> None:
    ni = rulebook_for("ni")
    outcome = evaluate_ballot(
        ni,
        opens=D(2026, 3, 2),
        closes=D(2026, 3, 23),
        entitled=1000,
        votes_cast=300,
        yes=200,
        no=100,
    )
    assert outcome.turnout_required is False
    assert outcome.mandate is True
    assert outcome.last_day == D(2026, 4, 19)
    timetable = ballot_timetable(
        ni, opens=D(2026, 3, 2), closes=D(2026, 3, 23), first_action=D(2026, 4, 1)
    )
    assert timetable.deadline("A-notice").date == D(2026, 3, 25)
    assert timetable.deadline("B-notice").date == D(2026, 2, 23)
    assert timetable.deadline("A-notice").source.short == "TULR(NI)O 1995 Art 118"
    extended = ballot_timetable(
        ni, opens=D(2026, 3, 2), closes=D(2026, 3, 23), extension_agreed=True
    )
    assert extended.mandate is not None and extended.mandate.last_day == D(2026, 5, 17)


def test_ireland_one_week_notice_majority_of_votes_cast_no_expiry() -> None:
    ie = rulebook_for("ie")
    timetable = ballot_timetable(
        ie, opens=D(2026, 3, 2), closes=D(2026, 3, 16), first_action=D(2026, 3, 30)
    )
    assert timetable.deadline("A-notice").date == D(2026, 3, 23)
    assert timetable.mandate is None
    assert {r.rule_id for r in timetable.not_applicable} >= {"B-notice", "A-mandate"}
    outcome = evaluate_ballot(
        ie,
        opens=D(2026, 3, 2),
        closes=D(2026, 3, 16),
        entitled=100,
        votes_cast=41,
        yes=20,
        no=19,
        spoiled=2,
    )
    # 20 > 19, but 20 is not more than half of the 41 votes cast: the readings differ.
    assert outcome.majority_met is False
    assert outcome.majority_other_reading_met is True
    assert outcome.mandate is False


def test_union_constitution_two_thirds_of_those_voting() -> None:
    book = constitution.rulebook(
        name="Example union constitution",
        source=Citation(short="Constitution art. XII s3", instrument="Example union constitution"),
        majority_share=Fraction(2, 3),
    )

    def vote(yes: int, no: int) -> bool:
        return evaluate_ballot(
            book,
            opens=D(2026, 3, 2),
            closes=D(2026, 3, 9),
            entitled=300,
            votes_cast=yes + no,
            yes=yes,
            no=no,
        ).mandate

    assert vote(200, 100) is True  # exactly two-thirds
    assert vote(199, 101) is False
    timetable = ballot_timetable(book, opens=D(2026, 3, 2), closes=D(2026, 3, 9))
    assert timetable.mandate is None


def test_union_constitution_rejects_impossible_thresholds() -> None:
    with pytest.raises(LawError) as caught:
        constitution.rulebook(
            name="x", source=Citation(short="r", instrument="r"), majority_share=Fraction(3, 2)
        )
    assert caught.value.field == "majority_share"


def test_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(LawError, match="unknown jurisdiction 'fr'"):
        rulebook_for("fr")


def test_law_package_imports_without_django() -> None:
    code = (
        "import sys\n"
        "import mandate.law\n"
        "import mandate.law.jurisdictions.constitution\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_law_package_source_never_mentions_django_imports() -> None:
    offenders = [
        str(path)
        for path in LAW_DIR.rglob("*.py")
        if "tests" not in path.parts
        and any(
            line.lstrip().startswith(("import django", "from django"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
