"""Shapes shared by every route: errors, pages, and input types that refuse bad text early."""

from __future__ import annotations

from typing import Annotated, Final

from ninja import Path, Query, Schema
from pydantic import AfterValidator, Field

MAX_LIMIT: Final = 200
DEFAULT_LIMIT: Final = 50
# SQLite and PostgreSQL keep ids in a signed 64-bit integer: a larger number is no id at all.
MAX_ID: Final = 2**63 - 1
MAX_OFFSET: Final = 10**9
# The error answers every route documents, all with the ErrorOut shape.
ERRORS: Final = frozenset({400, 401, 403, 404, 405, 409, 413, 422, 429})


class FieldError(Schema):
    field: str = Field(description="The input that was refused: a query or form field name.")
    message: str


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong and what to do about it.")
    errors: list[FieldError] = Field(
        default_factory=list, description="One entry per refused field, when fields were refused."
    )


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
SlugPath = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]


class PageIn(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (max 200).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


PageQuery = Query[PageIn]


class PageMeta(Schema):
    count: int = Field(description="Items in the whole list, not just this page.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")


def page_meta(count: int, page: PageIn) -> dict[str, int | None]:
    following = page.offset + page.limit
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": following if following < count else None,
    }
