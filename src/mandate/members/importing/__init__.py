"""Importing a branch's member register from CSV or XLSX: read, check, compare, apply.

``reading`` turns the uploaded bytes into rows of text, ``columns`` knows the headings and
how to read each cell, ``planning`` checks every row and compares the file with the register,
``applying`` writes the plan in one transaction.
"""

from __future__ import annotations

from mandate.members.importing.applying import import_apply, import_run_apply, import_run_create
from mandate.members.importing.columns import FIELDS, FieldSpec
from mandate.members.importing.planning import ImportPlan, RowError, plan_import, size_error

__all__ = [
    "FIELDS",
    "FieldSpec",
    "ImportPlan",
    "RowError",
    "import_apply",
    "import_run_apply",
    "import_run_create",
    "plan_import",
    "size_error",
]
