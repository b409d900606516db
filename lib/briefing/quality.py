"""The data quality section: every problem found in the returns, with the cell to check."""
from __future__ import annotations

from .problems import ERROR, problems_table
from .tables import Table


def data_quality_table(b) -> Table:
    """Errors and warnings found in the register and this period's returns."""
    problems = problems_table(b.problems)
    frame = problems[["location", "severity", "message", "expected"]].rename(columns={
        "severity": "Severity", "location": "Where", "message": "Problem", "expected": "What would be right"})
    errors = int((problems["severity"] == ERROR).sum())
    warnings = len(problems) - errors
    title = "The returns passed every check" if problems.empty else \
        f"{errors} error{'s' if errors != 1 else ''} and {warnings} warning{'s' if warnings != 1 else ''} in the returns"
    return Table("Data quality", title, frame, caption="Problems found in the returns, with the cell to check",
                 empty_text="No problems found.")


def tables(b) -> list[Table]:
    """The data quality section of the briefing."""
    return [data_quality_table(b)]
