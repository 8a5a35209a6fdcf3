"""Read counts and percentages out of cells that may be numbers or text."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .reading import Cell

_INT = re.compile(r"[+-]?\d+")
_INT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+")
_INT_POINT_ZERO = re.compile(r"([+-]?\d+)\.0+")
_PERCENT = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


class CellValueError(ValueError):
    """A cell does not hold what its column needs; the message is written for a person."""


def clean_text(value: object) -> str:
    """A cell's text with surrounding space dropped and inner runs of space collapsed."""
    return " ".join(str(value).replace("\u00a0", " ").split())


def read_count(cell: Cell) -> int | None:
    """A whole number (negative allowed, checked later), None for an empty cell, else raise."""
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CellValueError(f"{value:g} is not a whole number")
    if isinstance(value, str):
        text = clean_text(value).replace(" ", "")
        if not text:
            return None
        if _INT.fullmatch(text):
            return int(text)
        if _INT_THOUSANDS.fullmatch(text):
            return int(text.replace(",", ""))
        match = _INT_POINT_ZERO.fullmatch(text)
        if match:
            return int(match.group(1))
        raise CellValueError(f"{clean_text(value)!r} is not a whole number")
    raise CellValueError(f"{value!s} is not a number")


@dataclass(frozen=True, slots=True)
class Percent:
    """A percentage as written, with how finely it was written (for rounding tolerance)."""

    value: Decimal
    # Digits after the decimal point as written: 49.95 -> 2, 50 -> 0.
    decimals: int
    # True when the cell already says it is a percentage (a % sign, or a percent number format),
    # False for a bare number whose scale (0.4995 or 49.95) the whole column decides.
    explicit: bool

    def scaled(self, fraction_column: bool) -> Percent:
        """The value in percent units, given whether the column holds fractions of one."""
        if self.explicit or not fraction_column:
            return self
        return Percent(self.value * 100, max(self.decimals - 2, 0), True)

    @property
    def tolerance(self) -> Decimal:
        # One unit in the last written place: reports both round (72.35 -> 72.4) and truncate
        # (61.76 -> 61.7, as the 2021 pay report does for Leeds Trinity).
        return Decimal(1).scaleb(-self.decimals) + Decimal("1e-9")


def _decimals(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def read_percent(cell: Cell) -> Percent | None:
    """A percentage from a number or from text such as '49.95%', '49.95' or '49,95'."""
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellValueError(f"{value!r} is not a percentage")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise CellValueError(f"{value!r} is not a percentage")
        # repr() is the shortest text that reads back as the same float, so 72.3 stays 72.3.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if cell.percent_format:
            number *= 100
            return Percent(number.normalize(), _decimals(number.normalize()), True)
        return Percent(number, _decimals(number.normalize()), False)
    if isinstance(value, str):
        text = clean_text(value).replace(" ", "")
        explicit = text.endswith("%")
        text = text.rstrip("%")
        if not text:
            return None
        if not _PERCENT.fullmatch(text):
            raise CellValueError(f"{clean_text(value)!r} is not a percentage")
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation as exc:
            raise CellValueError(f"{clean_text(value)!r} is not a percentage") from exc
        return Percent(number, _decimals(number), explicit)
    raise CellValueError(f"{value!s} is not a percentage")
