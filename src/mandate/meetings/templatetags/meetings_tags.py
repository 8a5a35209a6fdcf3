from __future__ import annotations

from decimal import Decimal

from django import template

from mandate.meetings.rules import fmt

register = template.Library()


@register.filter
def count(value: int | Decimal | None) -> str:
    """A count or card weight as a person reads it: 230, 1,234.5."""
    if value is None:
        return ""
    return fmt(value)
