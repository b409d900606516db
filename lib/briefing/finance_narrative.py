"""The financial position in sentences: the paragraph that opens the finance section.

Every number is one of the period's figures (``Briefing.finance``, see
``finance.FinancePosition``), written as the reports write them.
"""
from __future__ import annotations

import pandas as pd

from .finance import NET_OPERATING_BUDGET, TOTAL_CENTRAL
from .money import format_millions, pct_text
from .periods import label
from .tables import Narrative


def spend_kind(pence) -> str:
    """``overspend`` or ``underspend`` for a variance."""
    return "overspend" if pence > 0 else "underspend"


def narrative_text(b) -> str:
    """The financial position in sentences, every number computed from the tables of this section."""
    position = b.finance.position.iloc[-1]
    council = b.finance.council.set_index("line")
    sentences = []
    if pd.isna(position["variance"]):
        missing = b.current.no_usable("finance") or "no usable return from a directorate"
        return (f"The forecast directorate position is not available: there is {missing}. "
                "The tables below show what was returned.")
    if position["variance"] == 0:
        sentences.append("Directorates forecast to spend exactly their budget.")
    else:
        sentences.append(f"The forecast directorate {spend_kind(position['variance'])} is "
                         f"{format_millions(abs(position['variance']))} or {pct_text(position['variance_pct'])} "
                         "of the budget.")
    if pd.notna(position["change"]) and b.run.compare_to:
        change = position["change"]
        moved = "has not changed" if change == 0 else \
            f"has {'risen' if change > 0 else 'fallen'} by {format_millions(abs(change))}"
        sentences.append(f"The directorate variance {moved} since {label(b.run.compare_to)}.")
    nob, central = council.loc[NET_OPERATING_BUDGET], council.loc[TOTAL_CENTRAL]
    if pd.notna(nob["variance"]) and pd.notna(central["variance"]):
        after = "no variation on budgets held centrally" if central["variance"] == 0 else \
            f"a forecast {spend_kind(central['variance'])} of {format_millions(abs(central['variance']))} " \
            "on budgets held centrally"
        overall = "The overall forecast is on budget" if nob["variance"] == 0 else \
            f"The overall forecast {spend_kind(nob['variance'])} is {format_millions(abs(nob['variance']))} or " \
            f"{pct_text(nob['variance_pct'])} of the net operating budget"
        sentences.append(f"{overall} after taking account of {after}.")
    sentences.append(_balances_sentence(b.finance.balances))
    savings = b.finance.savings.iloc[-1]
    if pd.notna(savings["planned"]) and savings["planned"]:
        sentences.append(f"{format_millions(savings['forecast_delivered'])} of the "
                         f"{format_millions(savings['planned'])} planned savings "
                         f"({pct_text(savings['achieved_pct'])}) are forecast to be delivered.")
    dsg = b.finance.dsg
    if len(dsg) > 1 and pd.notna(dsg.iloc[-1]["closing_deficit"]):
        total = dsg.iloc[-1]
        largest = dsg.iloc[:-1].sort_values("closing_deficit", ascending=False).iloc[0]
        sentences.append(f"The forecast in-year Dedicated Schools Grant deficit of "
                         f"{format_millions(total['in_year_deficit'])} would take the cumulative deficit to "
                         f"{format_millions(total['closing_deficit'])}, {format_millions(largest['closing_deficit'])} "
                         f"of it on the {largest['block']} block.")
    return " ".join(s for s in sentences if s)


def _balances_sentence(balances: pd.DataFrame) -> str:
    movement, forecast, level, gap = balances["amount"].iloc[1:5]
    if pd.isna(gap):
        return ""
    taking = "" if movement == 0 else \
        f"After taking account of the forecast {'overspend' if movement < 0 else 'underspend'} of " \
        f"{format_millions(abs(movement))}, "
    where = "above" if gap >= 0 else "below"
    opening = "G" if not taking else "g"
    return (f"{taking}{opening}eneral balances will be {format_millions(forecast)}, {format_millions(abs(gap))} "
            f"{where} the risk-assessed level of {format_millions(level)}.")


def narrative(b) -> Narrative:
    """The opening paragraph of the financial position."""
    return Narrative(narrative_text(b))
