"""Parse an independent scrutineer's results report (.xlsx or CSV) into checked results.

Pure Python with no database access: the import into a ballot's constituencies builds on this.
"""

from .parsing import parse_report
from .types import (
    ConstituencyResult,
    Jurisdiction,
    NoBasis,
    ParsedReport,
    Question,
    ReportError,
    ReportProblem,
    ResultBlock,
    Severity,
    SourceRef,
)

__all__ = [
    "ConstituencyResult",
    "Jurisdiction",
    "NoBasis",
    "ParsedReport",
    "Question",
    "ReportError",
    "ReportProblem",
    "ResultBlock",
    "Severity",
    "SourceRef",
    "parse_report",
]
