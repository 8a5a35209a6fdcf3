"""The rulebook's data: citations, regimes, trigger events, rules and administrator overrides.

Rules are data, never code paths: every number a view, model or calculator uses is a parameter of
a cited rule, and each rule version carries the regime and the effective window it belongs to.
A regime is selected per step by that step's own trigger event (TULRCA changes took effect by
ballot opening for some steps and by the employer's receipt of a notice for others), so selection
works on a rule version's own window, not on one regime fixed for a whole dispute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from mandate.law.errors import LawError

ParamValue = int | bool | str | Fraction | None
Params = Mapping[str, ParamValue]

# String parameters are enumerations; an override may only pick one of these values.
STRING_CHOICES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # What the majority is counted against: yes + no (s226(2)(a)(iii) as read by the courts
        # and the Code of Practice) or every paper returned, spoiled included.
        "basis": frozenset({"yes_no", "votes_cast"}),
        # What the mandate period limits: the start of action (pre-2016 s234, NI Art 117) or all
        # action (s234 as substituted by the Trade Union Act 2016 s9).
        "limits": frozenset({"start_of_action", "all_action"}),
    }
)


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: short form for reasons, long form and address for the web page."""

    short: str
    instrument: str
    url: str = ""
    amended_by: str = ""

    def __str__(self) -> str:
        return self.short

    def to_dict(self) -> dict[str, str]:
        return {
            "short": self.short,
            "instrument": self.instrument,
            "amended_by": self.amended_by,
            "url": self.url,
        }


class TriggerEvent(StrEnum):
    """The event whose date selects which version of a rule applies to a step."""

    BALLOT_OPENING = "ballot_opening"
    BALLOT_NOTICE_RECEIPT = "ballot_notice_receipt"
    ACTION_NOTICE_RECEIPT = "action_notice_receipt"
    PICKETING = "picketing"

    @property
    def label(self) -> str:
        return _TRIGGER_LABELS[self]


_TRIGGER_LABELS: Mapping[TriggerEvent, str] = MappingProxyType(
    {
        TriggerEvent.BALLOT_OPENING: "ballot opening date (first day any voting paper is sent)",
        TriggerEvent.BALLOT_NOTICE_RECEIPT: (
            "date the employer receives the notice of ballot or sample voting paper"
        ),
        TriggerEvent.ACTION_NOTICE_RECEIPT: "date the employer receives the notice of action",
        TriggerEvent.PICKETING: "date of the picketing",
    }
)


def _in_window(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


@dataclass(frozen=True)
class Regime:
    """A legal regime of one jurisdiction, with the dates it governs and whether it is law yet."""

    code: str
    name: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    in_force: bool
    summary: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.in_force and _in_window(day, self.effective_from, self.effective_to)

    @property
    def state(self) -> str:
        return "in force" if self.in_force else "not yet in force"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "effective_from": _iso(self.effective_from),
            "effective_to": _iso(self.effective_to),
            "in_force": self.in_force,
            "state": self.state,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class Override:
    """An administrator's change to a rule's parameters, with the reason it was recorded."""

    params: Params
    reason: str
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": {k: param_to_json(v) for k, v in self.params.items()},
            "reason": self.reason,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
        }


@dataclass(frozen=True)
class AppliedOverride:
    """An override as applied to one rule version: what it replaced, and why."""

    original: Params
    override: Override


@dataclass(frozen=True)
class Rule:
    """One version of a rule: its parameters as they stand in one regime, with its source."""

    id: str
    title: str
    params: Params
    trigger: TriggerEvent
    regime: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    in_force: bool
    source: Citation
    notes: str = ""
    applied_override: AppliedOverride | None = None

    @property
    def key(self) -> str:
        """The address of this version in an override: ``A-notice@B``."""
        return f"{self.id}@{self.regime}"

    def covers(self, day: dt.date) -> bool:
        return self.in_force and _in_window(day, self.effective_from, self.effective_to)

    @property
    def applies(self) -> bool:
        """False where the rule does not exist in this regime (repealed, or never enacted)."""
        value = self.params.get("applies", True)
        return bool(value)

    def int_param(self, name: str) -> int:
        value = self.params.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise LawError(f"Rule {self.key} has no whole-number parameter {name!r}.")
        return value

    def optional_int_param(self, name: str) -> int | None:
        value = self.params.get(name)
        if value is None:
            return None
        return self.int_param(name)

    def fraction_param(self, name: str) -> Fraction:
        value = self.params.get(name)
        if not isinstance(value, Fraction):
            raise LawError(f"Rule {self.key} has no fraction parameter {name!r}.")
        return value

    def str_param(self, name: str) -> str:
        value = self.params.get(name)
        if not isinstance(value, str):
            raise LawError(f"Rule {self.key} has no text parameter {name!r}.")
        return value

    def to_dict(self, regimes: Mapping[str, Regime] | None = None) -> dict[str, Any]:
        regime = regimes.get(self.regime) if regimes else None
        applied = self.applied_override
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "regime": self.regime,
            "regime_name": regime.name if regime else "",
            "regime_state": regime.state if regime else ("in force" if self.in_force else ""),
            "in_force": self.in_force,
            "applies": self.applies,
            "effective_from": _iso(self.effective_from),
            "effective_to": _iso(self.effective_to),
            "trigger": str(self.trigger),
            "trigger_label": self.trigger.label,
            "params": {k: param_to_json(v) for k, v in self.params.items()},
            "source": self.source.to_dict(),
            "notes": self.notes,
            "override": (
                None
                if applied is None
                else {
                    **applied.override.to_dict(),
                    "original": {k: param_to_json(v) for k, v in applied.original.items()},
                }
            ),
        }


@dataclass(frozen=True)
class Rulebook:
    """Every rule version of one jurisdiction, with its regimes and any overrides applied."""

    jurisdiction: str
    name: str
    regimes: tuple[Regime, ...]
    rules: tuple[Rule, ...]
    description: str = ""
    _by_id: Mapping[str, tuple[Rule, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Rule]] = {}
        codes = {regime.code for regime in self.regimes}
        for rule in self.rules:
            if rule.regime not in codes:
                raise LawError(f"Rule {rule.key} names regime {rule.regime!r}, not in {self.name}.")
            grouped.setdefault(rule.id, []).append(rule)
        for rule_id, versions in grouped.items():
            live = sorted(
                (v for v in versions if v.in_force),
                key=lambda v: v.effective_from or dt.date.min,
            )
            for earlier, later in zip(live, live[1:], strict=False):
                if earlier.effective_to is None or (
                    later.effective_from is not None
                    and later.effective_from <= earlier.effective_to
                ):
                    raise LawError(f"Rule {rule_id} has overlapping versions in {self.name}.")
        object.__setattr__(
            self, "_by_id", MappingProxyType({k: tuple(v) for k, v in grouped.items()})
        )

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def regime_map(self) -> Mapping[str, Regime]:
        return {regime.code: regime for regime in self.regimes}

    def regime(self, code: str) -> Regime:
        for regime in self.regimes:
            if regime.code == code:
                return regime
        known = ", ".join(r.code for r in self.regimes)
        raise LawError(f"{self.name} has no regime {code!r} (known: {known}).")

    def regime_on(self, day: dt.date) -> Regime:
        """The in-force regime governing a date; a regime not in force is never chosen by date."""
        for regime in self.regimes:
            if regime.covers(day):
                return regime
        raise LawError(f"No regime of {self.name} in force on {day.isoformat()}.")

    def versions(self, rule_id: str) -> tuple[Rule, ...]:
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise LawError(f"{self.name} has no rule {rule_id!r}.") from None

    def has_rule(self, rule_id: str) -> bool:
        return rule_id in self._by_id

    def rule(self, rule_id: str, *, on: dt.date | None = None, regime: str | None = None) -> Rule:
        """The version of a rule for a trigger date, or for a regime chosen explicitly."""
        versions = self.versions(rule_id)
        if regime is not None:
            if on is not None:
                raise LawError("Ask for a rule either on a trigger date or in a named regime.")
            self.regime(regime)
            for version in versions:
                if version.regime == regime:
                    return version
            raise LawError(f"Rule {rule_id} has no version in regime {regime} of {self.name}.")
        if on is None:
            raise LawError("Ask for a rule either on a trigger date or in a named regime.")
        for version in versions:
            if version.covers(on):
                return version
        raise LawError(
            f"Rule {rule_id} of {self.name} has no version in force on {on.isoformat()}."
        )

    def with_overrides(
        self,
        overrides: Mapping[str, Override | Params],
        *,
        reason: str = "",
        recorded_by: str = "",
        recorded_at: dt.datetime | None = None,
    ) -> Rulebook:
        """A new rulebook with parameters overridden, each change keeping its reason.

        Keys are a rule id (every version that has the parameter) or ``id@regime`` (one version).
        Values are ``Override`` objects, or plain parameter mappings that share ``reason``.
        """
        resolved: list[tuple[str, Override]] = []
        for key, value in overrides.items():
            if isinstance(value, Override):
                override = value
            else:
                override = Override(
                    params=dict(value),
                    reason=reason,
                    recorded_by=recorded_by,
                    recorded_at=recorded_at,
                )
            if not override.reason.strip():
                raise LawError(f"Override of {key} needs a recorded reason.")
            if not override.params:
                raise LawError(f"Override of {key} changes no parameter.")
            resolved.append((key, override))

        rules = list(self.rules)
        for key, override in resolved:
            rule_id, _, regime_code = key.partition("@")
            targets = [
                i
                for i, rule in enumerate(rules)
                if rule.id == rule_id and (not regime_code or rule.regime == regime_code)
            ]
            if not targets:
                raise LawError(f"Override names {key!r}, which is not a rule of {self.name}.")
            touched = False
            if "applies" in override.params:
                # Whether a provision exists in a regime is the statute's to say; a rulebook that
                # switched one on would lack its numbers. Model a what-if by selecting a regime.
                raise LawError(
                    f"Override of {key}: 'applies' records whether the provision exists in a "
                    "regime and cannot be overridden; change its numbers instead."
                )
            for name in override.params:
                if not any(name in rules[i].params for i in targets):
                    raise LawError(f"Override of {key}: rule has no parameter {name!r}.")
            for i in targets:
                rule = rules[i]
                changes = {n: v for n, v in override.params.items() if n in rule.params}
                if not changes:
                    continue
                coerced = {n: coerce_param(rule, n, v) for n, v in changes.items()}
                original = (
                    rule.applied_override.original
                    if rule.applied_override is not None
                    else MappingProxyType(dict(rule.params))
                )
                rules[i] = replace(
                    rule,
                    params=MappingProxyType({**rule.params, **coerced}),
                    applied_override=AppliedOverride(
                        original=original,
                        override=replace(override, params=MappingProxyType(coerced)),
                    ),
                )
                touched = True
            if not touched:
                raise LawError(f"Override of {key} matched no rule version.")
        return replace(self, rules=tuple(rules))

    def describe(self) -> list[dict[str, Any]]:
        """Every rule version, ready for a web page: parameters, regime, dates, trigger, source."""
        regimes = self.regime_map
        order = {r.code: i for i, r in enumerate(self.regimes)}
        ids = {rule_id: i for i, rule_id in enumerate(self.rule_ids)}
        rows = sorted(self.rules, key=lambda r: (ids[r.id], order[r.regime]))
        return [rule.to_dict(regimes) for rule in rows]

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "name": self.name,
            "description": self.description,
            "regimes": [regime.to_dict() for regime in self.regimes],
            "rules": self.describe(),
        }


def build_rules(
    *,
    rule_id: str,
    title: str,
    trigger: TriggerEvent,
    regimes: Iterable[Regime],
    versions: Mapping[str, tuple[Params, Citation, str]],
) -> list[Rule]:
    """One rule version per named regime, each inheriting the regime's window and state."""
    by_code = {regime.code: regime for regime in regimes}
    rules: list[Rule] = []
    for code, (params, source, notes) in versions.items():
        regime = by_code[code]
        rules.append(
            Rule(
                id=rule_id,
                title=title,
                params=MappingProxyType(dict(params)),
                trigger=trigger,
                regime=code,
                effective_from=regime.effective_from,
                effective_to=regime.effective_to,
                in_force=regime.in_force,
                source=source,
                notes=notes,
            )
        )
    return rules


def param_to_json(value: ParamValue) -> int | bool | str | None:
    """JSON form of a parameter: fractions as ``"1/2"`` so no precision is lost."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return value


def coerce_param(rule: Rule, name: str, value: object) -> ParamValue:
    """Check and convert an override value to the kind of the parameter it replaces.

    Accepts the text a web form or database column holds ("14", "2/5", "40%", "true") so a
    stored override round-trips without the caller knowing each parameter's type.
    """
    current = rule.params[name]
    where = f"override of {rule.key} parameter {name!r}"
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no"}:
            return value.strip().lower() in {"true", "yes"}
        raise LawError(f"{where}: expected true or false, got {value!r}.")
    if isinstance(current, Fraction):
        return _coerce_fraction(value, where)
    if isinstance(current, str):
        choices = STRING_CHOICES.get(name)
        if choices is None or not isinstance(value, str) or value not in choices:
            allowed = ", ".join(sorted(choices)) if choices else "no change allowed"
            raise LawError(f"{where}: expected one of {allowed}, got {value!r}.")
        return value
    # Whole numbers of days, months, people; None means "no such option" (no extension).
    if value is None:
        if current is None:
            return None
        raise LawError(f"{where}: a value is required.")
    return _coerce_count(value, where)


def _coerce_fraction(value: object, where: str) -> Fraction:
    result: Fraction
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, Fraction | int):
            result = Fraction(value)
        elif isinstance(value, str):
            text = value.strip()
            result = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        else:
            raise ValueError
    except (ValueError, ZeroDivisionError):
        raise LawError(f"{where}: expected a fraction such as 1/2, 0.4 or 40%.") from None
    if not 0 <= result <= 1:
        raise LawError(f"{where}: a share must lie between 0 and 1, got {result}.")
    return result


def _coerce_count(value: object, where: str) -> int:
    if isinstance(value, bool):
        raise LawError(f"{where}: expected a whole number, got {value!r}.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise LawError(f"{where}: expected a whole number, got {value!r}.")
    if number < 0:
        raise LawError(f"{where}: must not be negative, got {number}.")
    return number


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
