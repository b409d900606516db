"""Problems found in the returns, each pinned to a file, sheet and cell."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

ERROR = "error"
WARNING = "warning"
RETURN_INVALID = "not available — return invalid"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in a return, and what would be right."""

    severity: str
    file: str
    sheet: str | None
    cell: str | None
    message: str
    expected: str = ""
    more: int = 0  # further problems of the same column folded into this line (``validation.fold_repeated``)

    @property
    def count(self) -> int:
        """How many problems this line stands for: itself and those folded into it."""
        return 1 + self.more

    @property
    def location(self) -> str:
        """``Children's Services.xlsx!Performance!C14``: where the analyst should look."""
        return "!".join(part for part in (self.file, self.sheet, self.cell) if part)

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        return f"{text} (expected {self.expected})" if self.expected else text


class ReturnError(Exception):
    """A return that cannot be read at all; carries the problem that says where and why."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table, errors first, in file and cell order."""
    columns = ["severity", "location", "message", "expected", "file", "sheet", "cell", "count"]
    if not problems:
        return pd.DataFrame(columns=columns)
    rows = [{**asdict(p), "location": p.location, "count": p.count} for p in problems]
    table = pd.DataFrame(rows)[columns]
    table["_order"] = (table["severity"] != ERROR).astype(int)
    return table.sort_values(["_order", "file", "sheet"], kind="stable").drop(columns="_order").reset_index(drop=True)
