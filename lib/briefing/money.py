"""Money held exactly as integer pence; rounded only when shown.

Returns state money in £m with a few decimals. Floats drift when added up in
their thousands, so every amount is turned into whole pence on the way in and
every total is a sum of integers. Display rounds once, at the end.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

PENCE_PER_MILLION = 100_000_000


def pence_from_millions(value) -> int | None:
    """£m as typed in a return (e.g. 211.083) to whole pence; blank stays None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    exact = Decimal(repr(float(value))) * PENCE_PER_MILLION
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def millions(pence) -> float:
    """Pence to £m as a float, for charts and per cents (never for totals)."""
    if pence is None or pd.isna(pence):
        return math.nan
    return int(pence) / PENCE_PER_MILLION


def round_millions(pence, places: int = 1) -> Decimal | None:
    """Pence to £m rounded half-up to ``places`` decimals, the way a finance officer rounds."""
    if pence is None or pd.isna(pence):
        return None
    return (Decimal(int(pence)) / PENCE_PER_MILLION).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_millions(pence, places: int = 1, sign: bool = False) -> str:
    """``£7.2m`` style text; ``sign`` adds ``+`` to increases, as the reports' change columns do."""
    value = round_millions(pence, places)
    if value is None:
        return "–"
    if value == 0:
        value = abs(value)
    text = f"{abs(value):,.{places}f}"
    prefix = "-" if value < 0 else ("+" if sign and value > 0 else "")
    return f"{prefix}£{text}m"


def pence_column(values: pd.Series) -> pd.Series:
    """A column of £m numbers as nullable integer pence."""
    return pd.array([pence_from_millions(v) for v in values], dtype="Int64")


def percent(part, whole) -> float:
    """``part`` as a per cent of ``whole``; NaN when the whole is nothing."""
    if whole is None or pd.isna(whole) or whole == 0 or part is None or pd.isna(part):
        return math.nan
    return 100.0 * int(part) / int(whole)
