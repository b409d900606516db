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


def format_millions(pence, places: int = 1, sign: bool = False) -> str:
    """``£7.2m`` style text; ``sign`` adds ``+`` to increases, as the reports' change columns do.

    An amount that is not nil but would show as £0.0m is "less than £0.1m"
    (with ``sign``, "less than £0.1m over" or "under"), so a sentence never
    calls a real underspend "£0.0m", nor shows three decimals.
    """
    if pence is None or pd.isna(pence):
        return "–"
    units = whole_units(int(pence), places)
    if units == 0 and int(pence) != 0:
        smallest = units_text(1, places)
        return f"less than £{smallest}m" + ((" over" if int(pence) > 0 else " under") if sign else "")
    return f"{'-' if units < 0 else '+' if sign and units > 0 else ''}£{units_text(abs(units), places)}m"


def whole_units(pence: int, places: int) -> int:
    """Whole pence as a whole number of £m to ``places`` decimals (tenths of £1m for one place), rounded half
    up (away from zero), the way a finance officer rounds: the one rounding of money for display."""
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


def percent(part, whole):
    """``part`` as a per cent of ``whole``: two numbers, or Series (one may be a number) on one index.

    Blank (NaN) where either is blank, or the whole is nil or negative: a per
    cent of a negative budget (income) would carry the wrong sign and means nothing.
    """
    if not isinstance(part, pd.Series) and not isinstance(whole, pd.Series):
        if whole is None or pd.isna(whole) or whole <= 0 or part is None or pd.isna(part):
            return math.nan
        return 100.0 * part / whole
    index = part.index if isinstance(part, pd.Series) else whole.index
    part, whole = ((v if isinstance(v, pd.Series) else pd.Series(v, index=index)).astype("Float64")
                   for v in (part, whole))
    return (100 * part / whole.where(whole > 0)).astype("float64")


def percent_shown(value) -> float:
    """A per cent as it is shown, to one decimal (the rounding ``percent_text`` writes)."""
    return float(f"{float(value):.1f}")


def percent_text(value, signed: bool = False) -> str:
    """A per cent to one decimal as the briefing shows one (``-2.1%``, ``1,234.5%``, never ``-0.0%``),
    with ``signed`` "+" before one above nil (``+2.1%``). Formatting rounds the binary value correctly, as
    ``round(value, 1)`` does."""
    text = f"{float(value):,.1f}"
    text = "0.0" if text == "-0.0" else text
    return ("+" if signed and text[0] != "-" and text != "0.0" else "") + text + "%"


def pct_text(value) -> str:
    """A per cent in a sentence, unsigned, to one decimal: ``2.1%``; one that is not nil but rounds to
    0.0% is ``less than 0.1%``."""
    text = percent_text(abs(float(value)))
    return "less than 0.1%" if text == "0.0%" and float(value) != 0 else text
