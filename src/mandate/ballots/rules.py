"""The rulebooks as the ballots app uses them: the statutory rules with stored overrides applied."""

from __future__ import annotations

from mandate.ballots.models import RuleOverride
from mandate.core.errors import DomainError
from mandate.law.errors import LawError
from mandate.law.model import Override, Rulebook
from mandate.law.registry import JURISDICTIONS, rulebook_for


class RuleError(DomainError):
    """The rulebook cannot answer: an unknown jurisdiction, rule, regime or parameter value."""


def statutory(key: str) -> Rulebook:
    try:
        return rulebook_for(key)
    except LawError as exc:
        raise RuleError(exc.message) from None


def apply_overrides(book: Rulebook, overrides: list[RuleOverride]) -> Rulebook:
    """Apply overrides oldest first, so a later change to the same parameter wins."""
    for row in overrides:
        try:
            book = book.with_overrides(
                {
                    row.key: Override(
                        params={row.param: row.value},
                        reason=row.reason,
                        recorded_by=row.created_by.get_username() if row.created_by else "",
                        recorded_at=row.created_at,
                    )
                }
            )
        except LawError as exc:
            raise RuleError(f"Stored override {row.pk} no longer applies: {exc.message}") from None
    return book


def load_rulebook(key: str) -> Rulebook:
    """The rulebook of jurisdiction KEY with every recorded override applied."""
    book = statutory(key)
    rows = list(
        RuleOverride.objects.filter(jurisdiction=key)
        .select_related("created_by")
        .order_by("created_at", "id")
    )
    return apply_overrides(book, rows)


def load_rulebooks() -> dict[str, Rulebook]:
    """Every jurisdiction's rulebook with overrides, in two queries whatever the number."""
    rows = list(RuleOverride.objects.select_related("created_by").order_by("created_at", "id"))
    return {
        key: apply_overrides(statutory(key), [r for r in rows if r.jurisdiction == key])
        for key in JURISDICTIONS
    }
