"""Reporting periods: months written ``YYYY-MM`` in a financial year running April to March."""
from __future__ import annotations

import re
from pathlib import Path

# ASCII digits only, and nothing after the month (``$`` would let a trailing newline through).
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December"]


class PeriodError(ValueError):
    """A period that is not a month written ``YYYY-MM``."""


def parse_period(period: str) -> tuple[int, int]:
    """Return (year, month) of a ``YYYY-MM`` period, refusing anything else.

    Periods come from the command line, parameter files and folder names, so a
    strict pattern is also what keeps ``../../etc`` out of the file system.
    """
    match = _PERIOD.fullmatch(str(period))
    if not match:
        raise PeriodError(f"period {period!r} is not a month written YYYY-MM (e.g. 2022-07)")
    return int(match.group(1)), int(match.group(2))


def is_period(text: str) -> bool:
    """True when ``text`` is a well-formed ``YYYY-MM`` period."""
    return bool(_PERIOD.fullmatch(str(text)))


def shift(period: str, months: int) -> str:
    """The period ``months`` after (or, negative, before) ``period``."""
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def check_comparison(period: str, compare_to: str) -> None:
    """Refuse a ``compare_to`` that is not a month before ``period``: a briefing reports what changed since
    an earlier report, and a later one would turn every change round."""
    parse_period(compare_to)
    if compare_to >= period:
        raise PeriodError(f"cannot compare {period} with {compare_to}: the month to compare with must come "
                          f"before it (e.g. {shift(period, -1)})")


def financial_year(period: str) -> str:
    """The financial year a period falls in, written ``2022-23``."""
    year, month = parse_period(period)
    start = year if month >= 4 else year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def months_elapsed(period: str) -> int:
    """Months of the financial year completed at the end of ``period`` (April 1 … March 12)."""
    _, month = parse_period(period)
    return (month - 4) % 12 + 1


def year_to_date(period: str) -> list[str]:
    """Every period of the financial year from April up to and including ``period``."""
    return [shift(period, -k) for k in range(months_elapsed(period) - 1, -1, -1)]


def period_range(spec: str) -> list[str]:
    """Expand ``2022-04..2023-03`` (inclusive) or a single period into a list of periods."""
    if ".." not in spec:
        parse_period(spec)
        return [spec]
    first, last = spec.split("..", 1)
    parse_period(first), parse_period(last)
    if last < first:
        raise PeriodError(f"range {spec!r} ends before it starts")
    out = [first]
    while out[-1] != last:
        out.append(shift(out[-1], 1))
    return out


def label(period: str) -> str:
    """A period as people write it: ``July 2022``."""
    year, month = parse_period(period)
    return f"{MONTH_NAMES[month - 1]} {year}"


def month_name(period: str) -> str:
    """The month of a period: ``July``."""
    return MONTH_NAMES[parse_period(period)[1] - 1]


def available_periods(data_dir: Path) -> list[str]:
    """Every period with a returns folder holding at least one workbook, oldest first."""
    root = Path(data_dir) / "returns"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and is_period(p.name) and any(p.glob("*.xlsx")))
