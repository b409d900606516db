"""Money held exactly as integer pence; rounded only when shown.

Returns state money in £m with a few decimals. Floats drift when added up in
their thousands, so every amount is turned into whole pence on the way in and
every total is a sum of integers. Display rounds once, at the end.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

PENCE_PER_MILLION = 100_000_000
WHOLE_NUMBER_TYPES = frozenset({int, np.int64})  # what a column of pence holds, value by value (not bool)


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
    """``£7.2m`` style text; ``sign`` adds ``+`` to increases, as the reports' change columns do.

    An amount that is not nil but would show as £0.0m is shown to the £1,000
    returns are typed in (``-£0.007m``), so a sentence never calls a real
    underspend "£0.0m".
    """
    value = round_millions(pence, places)
    if value is None:
        return "–"
    if value == 0 and places < 3 and round_millions(pence, 3) != 0:
        return format_millions(pence, 3, sign)
    if value == 0:
        value = abs(value)
    text = f"{abs(value):,.{places}f}"
    prefix = "-" if value < 0 else ("+" if sign and value > 0 else "")
    return f"{prefix}£{text}m"


def whole_units(pence: int, places: int) -> int:
    """Whole pence as a whole number of £m to ``places`` decimals (tenths of £1m for one place), rounded half
    away from zero: ``round_millions(pence, places)`` × 10**places, without Decimal (for columns of
    thousands of amounts)."""
    unit = PENCE_PER_MILLION // 10 ** places
    units = (abs(pence) + unit // 2) // unit
    return -units if pence < 0 else units


def units_text(units: int, places: int, plus: bool = False) -> str:
    """``-1,234.5``: a ``whole_units`` amount written with ``places`` decimals, ``+`` on an increase with
    ``plus``, never ``-0.0``."""
    sign = "-" if units < 0 else "+" if plus and units > 0 else ""
    whole, part = divmod(abs(units), 10 ** places)
    return f"{sign}{whole:,}.{part:0{places}d}"


EXACT_BELOW_MILLIONS = 1e7  # below £10bn a float is at most 2e-9 from its neighbours, closer than a penny's 1e-8


def pence_column(values: pd.Series) -> pd.Series:
    """A column of £m numbers as nullable integer pence: ``pence_from_millions`` of each value.

    A large council's returns hold hundreds of thousands of amounts, and the
    Decimal arithmetic costs microseconds each, so floats are converted all at
    once where that is provably the same: when whole pence ``p`` (the nearest
    integer to ``v × 10⁸``) divided back gives ``v`` exactly and ``|v|`` is
    under £10bn, ``v`` is the float of a decimal with at most eight places, its
    shortest repr is that decimal, and the Decimal route yields ``p`` too.
    Any other value (more decimal places, huge, infinite, or not a float) takes
    the Decimal route itself.
    """
    numbers = np.asarray(values)
    if numbers.dtype != np.float64:
        return pd.array([pence_from_millions(v) for v in values], dtype="Int64")
    with np.errstate(invalid="ignore", over="ignore"):
        pence = np.rint(numbers * PENCE_PER_MILLION)
        exact = (np.abs(numbers) < EXACT_BELOW_MILLIONS) & (pence / PENCE_PER_MILLION == numbers)
    blank = np.isnan(numbers)
    if not (exact | blank).all():
        return pd.array([int(p) if ok else pence_from_millions(v) for p, ok, v in zip(pence, exact, numbers)],
                        dtype="Int64")
    return pd.arrays.IntegerArray(np.where(blank, 1, pence).astype(np.int64), blank)


def percent(part, whole) -> float:
    """``part`` as a per cent of ``whole``; NaN when the whole is nothing."""
    if whole is None or pd.isna(whole) or whole == 0 or part is None or pd.isna(part):
        return math.nan
    return 100.0 * int(part) / int(whole)


def pct_text(value) -> str:
    """A per cent in a sentence, unsigned, to one decimal: ``2.1%``; one that is not nil but rounds to
    0.0% is ``less than 0.1%``."""
    shown = abs(round(float(value), 1))
    return "less than 0.1%" if shown == 0 and float(value) != 0 else f"{shown:.1f}%"
