"""Charts of the briefing: matplotlib in the Analysis Function style, each with alt text from its data.

Every chart function takes a DataFrame and returns a ``Chart``: a headline
title that states the finding, a subtitle, alt text generated from the numbers
it draws, and the table of those numbers (shown after the chart and written to
tables.xlsx, unless ``table_key`` names a table elsewhere in the document that
already holds them). No meaning rests on colour alone: bars carry hatching,
value labels or a legend in words. Figures are drawn with the object-oriented
API (no pyplot state), so charts in one kernel cannot leak into the next
document, and only when the PNG is first needed: building the tables of a
briefing draws nothing.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from .money import format_millions, millions, whole_units
from .performance import with_unit
from .periods import is_period, label, month_name
from .tables import Table, element_id, format_value
from .words import listed, plural, sentence_case

try:  # the Analysis Function style and palette, when afcharts is installed
    import afcharts
    from afcharts.af_colours import get_af_colours
    STYLE = str(Path(afcharts.__file__).resolve().parent / "afcharts.mplstyle")
    AF_COLOURS = get_af_colours("categorical", number_of_colours=6)
except ImportError:  # pragma: no cover - afcharts is a declared dependency
    STYLE = "default"
    AF_COLOURS = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]

INK = "#0b0c0c"
RAG_STYLE = {  # fill, hatch, edge, label colour: the hatch says the status without colour
    "Green": ("#00703c", "", INK, "#ffffff"),
    "Amber": ("#ffdd00", "..", INK, INK),
    "Red": ("#d4351c", "//", INK, "#ffffff"),
    "Monitoring only": ("#ffffff", "xx", "#505a5f", INK),
}
OVERSPEND = ("#801650", "//")  # dark pink, hatched
UNDERSPEND = ("#12436D", "")   # dark blue, plain
DPI = 96
RC = {"font.size": 11, "hatch.linewidth": 0.8, "axes.titlesize": 11}
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINE_STYLES = ["-", "--", ":", "-."]


@dataclass
class Chart:
    """A chart with its words: headline, subtitle, alt text, and the table of the numbers it draws.

    ``draw(fig, ax)`` draws it; the PNG is made once, the first time it is
    needed. ``table`` holds the chart's figures; ``table_key``, when set, names
    a table elsewhere in the document with the same figures, which the chart
    links to instead of repeating them (or in the document ``table_document``,
    the officers' annex, when the chart is in the Cabinet paper).
    """

    key: str
    title: str
    subtitle: str
    alt: str
    draw: Callable = field(repr=False, compare=False)
    size: tuple[float, float] = (8.0, 4.2)
    table: Table | None = None
    table_key: str | None = None
    table_document: str | None = None  # the file holding table ``table_key``, when not this one

    @cached_property
    def png(self) -> bytes:
        return render(self.draw, *self.size)

    @property
    def phone_size(self) -> tuple[float, float]:
        """The phone drawing's size: as wide as a phone's screen, so that its text is shown at full size
        (12 px or more at 390 px), and taller, for the labels wrapped onto more lines."""
        return PHONE_WIDTH, round(self.size[1] + 0.8, 2)

    @cached_property
    def phone_png(self) -> bytes:
        """The chart drawn again for a phone (``render(..., narrow=True)``), shown instead of ``png`` on a
        narrow screen: the full drawing scaled down to a phone's width would have 5-pixel text."""
        return render(self.draw, *self.phone_size, narrow=True)

    @property
    def element_id(self) -> str:
        return element_id("chart", self.key.removeprefix("chart-"))

    def data_pointer(self) -> str:
        """The sentence in the caption that says where the chart's figures are, as HTML."""
        if self.table_key:
            where = html.escape(self.table_document or "")
            link = (f'<a href="{where}#{element_id("table", self.table_key)}">'
                    f"{html.escape(self.table_key)}</a>")
            return (f"The figures are in the table {link} of the officers' annex." if self.table_document else
                    f"The figures are in the table {link}.")
        return "The figures are in the table that follows." if self.table is not None else ""

    def _repr_html_(self) -> str:
        data, phone = (base64.b64encode(png).decode("ascii") for png in (self.png, self.phone_png))
        width, height = (round(v * DPI) for v in self.size)
        phone_width, phone_height = (round(v * DPI) for v in self.phone_size)
        block = self.element_id
        parts = [f'<section class="chart-block" id="{block}">',
                 f'<h3 class="chart-title" id="{block}-title">{html.escape(self.title)}</h3>',
                 f'<figure class="chart"><picture><source media="(max-width: {PHONE_SCREEN}px)" '
                 f'srcset="data:image/png;base64,{phone}" width="{phone_width}" height="{phone_height}">'
                 f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                 f'width="{width}" height="{height}"></picture>',
                 f"<figcaption>{html.escape(self.subtitle)} {self.data_pointer()}</figcaption></figure>"]
        if self.table is not None and not self.table_key:
            parts.append(self.table._repr_html_())
        parts.append("</section>")
        return "\n".join(parts)


PHONE_SCREEN = 640  # px: up to this width a page shows each chart's phone drawing
PHONE_WIDTH = 3.6  # inches: a phone drawing's width, at DPI the 346 px a 390 px phone's page has for it


def render(draw: Callable, width: float = 8.0, height: float = 4.2, narrow: bool = False) -> bytes:
    """Draw with ``draw(fig, ax)`` in the Analysis Function style and return PNG bytes at screen resolution.

    ``narrow``: for a phone's width (``fit_narrow``: labels wrapped, legends in one or two columns below).
    """
    with matplotlib.style.context(STYLE), rc_context(RC):
        fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        draw(fig, ax)
        if narrow:
            fit_narrow(fig, ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def fit_narrow(fig: Figure, ax) -> None:
    """Make a chart drawn for a wide page fit a phone's: category labels wrapped onto short lines, and every
    legend moved below the chart in at most two columns (a legend beside or across the top would take the
    width the bars need). The marks and their labels are the same drawing's."""
    for axis, width in ((ax.yaxis, 16), (ax.xaxis, 10)):
        labels = [t.get_text() for t in axis.get_ticklabels()]
        if any(len(text) > width for text in labels):
            axis.set_ticks(axis.get_ticklocs(), [_wrap(text, width) for text in labels])
    ax.set_xlabel(_wrap(ax.get_xlabel(), 34))
    ax.set_ylabel(_wrap(ax.get_ylabel(), 30))
    for legend in [*fig.legends, *filter(None, [ax.get_legend()])]:
        handles, texts = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
        legend.remove()
        two = all(len(line) <= 14 for text in texts for line in text.splitlines())
        fig.legend(handles, texts, loc="outside lower center", ncols=2 if two else 1, frameon=False, fontsize=10)


# Words ------------------------------------------------------------------------

def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _amount(pence) -> str:
    """``7.3``: an amount in £m as its table shows it (``tables.format_value``), so a chart's labels and alt
    text show every figure exactly as its table does; "not available" when blank."""
    return "not available" if pd.isna(pence) else format_value(pence, "money")


def _signed(pence) -> str:
    """``+7.3``, ``-0.2``, ``0.0``: as ``_amount``, with the sign spelt out."""
    return "not available" if pd.isna(pence) else format_value(pence, "money_signed")


def _position(pence) -> str:
    """``an overspend of £7.9m``, ``an underspend of £0.2m``, ``on budget``."""
    if whole_units(int(pence), 1) == 0:
        return "on budget" if int(pence) == 0 else f"an {'overspend' if pence > 0 else 'underspend'} of less " \
                                                    "than £0.1m"
    return f"an {'overspend' if pence > 0 else 'underspend'} of {format_millions(abs(int(pence)))}"


def _wrap(text: str, width: int) -> str:
    """Break a long label onto lines of about ``width`` characters."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _check_columns(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"chart data lacks column(s) {missing}")


# Drawing helpers ----------------------------------------------------------------

def _stacked(ax, labels: list[str], frame: pd.DataFrame, statuses: list[str], horizontal: bool) -> None:
    """Stacked RAG bars, a hatch per status, and the count written in every segment big enough to hold it."""
    counts = frame[statuses].fillna(0).astype(int)
    totals = counts.sum(axis=1)
    smallest_labelled = max(1, 0.06 * float(totals.max() or 1))
    base = [0] * len(frame)
    positions = list(range(len(frame)))
    bar = ax.barh if horizontal else ax.bar
    for status in statuses:
        colour, hatch, edge, ink = RAG_STYLE[status]
        values = counts[status].tolist()
        offset = {"left": base} if horizontal else {"bottom": base}
        bars = bar(positions, values, color=colour, hatch=hatch, edgecolor=edge, linewidth=0.8, label=status,
                   **offset)
        shown = [str(v) if v >= smallest_labelled else "" for v in values]
        ax.bar_label(bars, labels=shown, label_type="center", color=ink, fontsize=10, fontweight="bold",
                     bbox={"facecolor": colour, "edgecolor": "none", "pad": 1})
        base = [b + v for b, v in zip(base, values)]
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.grid(axis="x", visible=True)
        ax.grid(axis="y", visible=False)
    else:
        ax.set_xticks(positions, labels)
    _legend_above(ax, len(statuses))


def _not_available(ax, text: str) -> None:
    """No bar, only the words saying why: a chart of figures that are not available draws no bars of zero."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, _wrap(text, 60), ha="center", va="center", transform=ax.transAxes, color=INK, fontsize=12)


def _legend_above(ax, columns: int) -> None:
    """The legend in words across the top of the figure, where layout makes room for it."""
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside upper left", ncols=columns, frameon=False)


def _counts_table(key: str, title: str, frame: pd.DataFrame, first: str, statuses: list[str],
                  caption: str, source: str) -> Table:
    """The figures behind a RAG chart: one row per bar, a column per status, and the total (blank where the
    counts are not available)."""
    table = frame[[first, *statuses]].copy()
    table[statuses] = table[statuses].astype("Int64")
    table["Total"] = table[statuses].sum(axis=1, skipna=False)
    return Table(key, title, table, caption=caption, source=source,
                 formats={**{s: "int" for s in statuses}, "Total": "int"})


def most_red(groups: pd.DataFrame, group: str, what: str, when: str = "") -> str:
    """``OCC07 … has the most Red measures in July 2022 (4)`` (``when``: " in July 2022"), naming every group
    tied for the most; ``what`` is a group in words ("priority")."""
    red = groups["Red"].fillna(0).astype(int)
    most = int(red.max()) if len(groups) else 0
    if not most:
        return f"No {what} has a Red measure{when}"
    worst = groups.loc[red == most, group].astype(str).tolist()
    if len(groups) == 1:  # a directorate with one priority: nothing to compare it with
        return f"{worst[0]} has {plural(most, 'Red measure')}{when}"
    if len(worst) == 1:
        return f"{worst[0]} has the most Red measures{when} ({most})"
    return f"{listed(worst)} have the most Red measures{when} ({most} each)"


# The charts ---------------------------------------------------------------------

def rag_by_month_chart(tracking: pd.DataFrame, labels: list[str], table_key: str | None = None) -> Chart:
    """Year-to-date RAG counts by month as stacked bars (Figure 4 of the July 2022 report).

    ``tracking`` has one row per month, oldest first, with Green, Amber and
    Red counts; ``labels`` names the months as the title and axis show them
    ("April 2022").
    """
    statuses = ["Green", "Amber", "Red"]
    _check_columns(tracking, statuses)
    if len(labels) != len(tracking):
        raise ValueError(f"{len(labels)} month labels for {len(tracking)} months")
    red = tracking["Red"].fillna(0).astype(int).tolist()
    title = f"{plural(red[-1], 'measure was', 'measures were')} Red in {labels[-1]}"
    if len(red) > 1:
        change = red[-1] - red[-2]
        title += (f", the same as in {labels[-2]}" if change == 0 else
                  f", {'up' if change > 0 else 'down'} {abs(change)} on {labels[-2]}")
    frame = tracking[statuses].reset_index(drop=True).assign(Month=list(labels))
    months = [f"{m}: {int(r.Green)} Green, {int(r.Amber)} Amber, {int(r.Red)} Red"
              for m, r in zip(labels, frame.itertuples())]
    alt = (f"Stacked bar chart of the number of measures rated Green, Amber and Red in each month of the year "
           f"to date. {title}. {'; '.join(months)}.")
    tick_labels = [str(m).replace(" ", "\n", 1) for m in labels]

    def draw(fig, ax):
        _stacked(ax, tick_labels, frame, statuses, horizontal=False)
        ax.set_ylabel("Measures rated (number)")
        ax.set_xlabel("Month")

    table = _counts_table("RAG by month (chart)", "Measures rated Green, Amber and Red each month", frame,
                          "Month", statuses, "Measures rated each month of the year to date, by RAG status",
                          "directorate returns; measure register")
    return Chart("chart-rag-by-month", title, "Measures rated each month, not counting monitoring-only measures; "
                 "totals vary because not every measure is due every month.", alt, draw, (8.0, 4.2), table, table_key)


def rag_by_group_chart(counts: pd.DataFrame, group: str, key: str, what: str,
                       table_key: str | None = None, unavailable: str = "") -> Chart:
    """RAG counts for each priority or directorate as horizontal stacked bars.

    ``counts`` has a ``group`` column naming each bar and a column per status
    (Green, Amber, Red and optionally Monitoring only); ``what`` is the group
    in words ("priority"). ``unavailable``, when the counts cannot be known
    (the return they come from was not used), is the sentence saying so: the
    chart then draws no bar, and its title, alt text and table say so.
    """
    statuses = [s for s in ("Green", "Amber", "Red", "Monitoring only") if s in counts]
    _check_columns(counts, ["Green", "Amber", "Red", group])
    frame = counts.reset_index(drop=True)
    if unavailable:
        frame = frame.assign(**{s: pd.array([pd.NA] * len(frame), dtype="Int64") for s in statuses})
    labels = [_wrap(str(g), 40) for g in frame[group]]
    title = unavailable or most_red(frame, group, what)
    rows = [] if unavailable else [f"{r[group]}: " + ", ".join(f"{int(r[s])} {s}" for s in statuses)
                                   for _, r in frame.iterrows()]
    alt = (f"Horizontal stacked bar chart of measures by RAG status for each {what}. {title}. "
           + (f"{'; '.join(rows)}." if rows else "No bar is drawn."))
    label_lines = sum(label.count("\n") + 1 for label in labels)
    size = (8.0, max(2.8, 0.3 * label_lines + 0.25 * len(labels) + 1.4))

    def draw(fig, ax):
        if unavailable:
            return _not_available(ax, unavailable)
        _stacked(ax, labels, frame, statuses, horizontal=True)
        ax.set_xlabel("Measures reported (number)")

    heading = sentence_case(what)
    table = _counts_table(f"RAG by {what} (chart)"[:31], f"Measures by RAG status for each {what}",
                          frame.rename(columns={group: heading}), heading, statuses,
                          f"Measures reported this period by {what} and RAG status",
                          "directorate returns; measure register")
    return Chart(key, title, f"Measures reported this period by {what} and status.", alt, draw, size, table,
                 table_key)


def variance_chart(position: pd.DataFrame, table_key: str | None = None) -> Chart:
    """Each directorate's forecast variance: bars right of zero are overspends (hatched), left underspends.

    ``position`` has one row per directorate (no total row) with
    ``directorate`` and ``variance`` in pence; directorates without a
    forecast are left out of the bars and named in the alt text.
    """
    _check_columns(position, ["directorate", "variance"])
    frame = position.dropna(subset=["variance"]).reset_index(drop=True)
    missing = position.loc[position["variance"].isna(), "directorate"].tolist()
    values = [millions(v) for v in frame["variance"]]
    labels = [_wrap(d, 34) for d in frame["directorate"]]
    if values:
        i = max(range(len(values)), key=lambda k: abs(values[k]))
        biggest = frame["directorate"].iloc[i]
        pence = int(frame["variance"].iloc[i])
        title = (f"{biggest} forecasts the largest {'overspend' if pence > 0 else 'underspend'}, "
                 f"{format_millions(abs(pence))}" if pence else "Every directorate forecasts to spend its budget")
        if missing:  # the largest of those known, not of them all
            title += f" ({listed(missing)}: not available)"
    else:
        title = "No directorate forecast is available"
    parts = [f"{d} {_signed(v)}" for d, v in zip(frame["directorate"], frame["variance"])]
    alt = (f"Horizontal bar chart of each directorate's forecast variance in £m; overspends are positive and "
           f"drawn to the right of zero, hatched. {title}. {'; '.join(parts)}."
           + (f" No forecast from {listed(missing)}." if missing else ""))

    def draw(fig, ax):
        styles = [OVERSPEND if v > 0 else UNDERSPEND for v in values]
        bars = ax.barh(range(len(values)), values, color=[s[0] for s in styles], hatch=[s[1] for s in styles],
                       edgecolor=INK, linewidth=0.6)
        ax.bar_label(bars, labels=[_signed(v) for v in frame["variance"]], padding=3, fontsize=10)
        ax.set_yticks(range(len(values)), labels)
        ax.invert_yaxis()
        ax.axvline(0, color=INK, linewidth=1)
        ax.grid(axis="x", visible=True)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("Forecast variance (£m), overspend positive")
        lo, hi = min(values + [0]), max(values + [0])
        pad = (hi - lo) * 0.18 or 1
        ax.set_xlim(lo - pad, hi + pad)

    table = Table("Variance (chart)", "Forecast variance by directorate",
                  pd.DataFrame({"Directorate": position["directorate"].tolist(),
                                "Forecast variance £m": position["variance"].tolist()}),
                  caption="Forecast outturn less latest budget by directorate, £m (an overspend is positive)",
                  formats={"Forecast variance £m": "money_signed"}, source="directorate returns, Finance sheets")
    return Chart("chart-variance", title, "Forecast outturn less latest budget, £m.", alt, draw,
                 (8.0, max(2.8, 0.5 * len(values) + 1.4)), table, table_key)


def _moved_most(by_directorate: pd.DataFrame, labels: list[str]) -> str:
    """The finding of a forecast trend: the directorate whose forecast moved most since the first month."""
    months = list(by_directorate.columns)
    latest = by_directorate[months[-1]].dropna() if months else pd.Series(dtype="Int64")
    if latest.empty:
        return "No directorate forecast is available"
    if len(months) == 1:
        return f"Forecast variance by directorate, {labels[-1]}"
    moved = (latest - by_directorate[months[0]].reindex(latest.index)).abs().astype("float64")
    mover = moved.idxmax() if moved.notna().any() else latest.index[0]
    since = month_name(months[0]) if is_period(str(months[0])) else labels[0]  # "April", as sentences say it
    return f"{_possessive(mover)} forecast moved most since {since}, to {_position(latest[mover])}"


def variance_trend_chart(trend: pd.DataFrame, labels: list[str], table_key: str | None = None,
                         title: str | None = None, key: str = "chart-variance-trend") -> Chart:
    """Each directorate's forecast variance at each month's report, as lines with a marker and style each.

    ``trend`` has a ``directorate`` column and one column of variances in
    pence per month, oldest first; ``labels`` names those months; a month
    not available has no marker and is said to be so. ``title``, when given,
    is the finding of the table holding the figures (one directorate's
    briefing states it once, the same way); otherwise the directorate whose
    forecast moved most.
    """
    _check_columns(trend, ["directorate"])
    months = [c for c in trend.columns if c != "directorate"]
    if len(labels) != len(months):
        raise ValueError(f"{len(labels)} month labels for {len(months)} month columns")
    frame = trend.reset_index(drop=True)
    by_directorate = frame.set_index("directorate")[months]
    title = _moved_most(by_directorate, labels) if title is None else title
    rows = [f"{d}: " + ", ".join(f"{m} {_signed(v)}" for m, v in zip(labels, row))
            for d, row in by_directorate.iterrows()]
    whose = _possessive(by_directorate.index[0]) if len(by_directorate) == 1 else "each directorate's"
    alt = (f"Line chart of {whose} forecast variance in £m at each month's report. {title}. "
           + "; ".join(rows) + ".")
    tick_labels = [str(m).replace(" ", "\n", 1) for m in labels]

    def draw(fig, ax):
        for i, (directorate, row) in enumerate(by_directorate.iterrows()):
            ax.plot(range(len(months)), [millions(v) for v in row], marker=MARKERS[i % len(MARKERS)],
                    color=AF_COLOURS[i % len(AF_COLOURS)], linestyle=LINE_STYLES[i // len(AF_COLOURS) % 4],
                    label=_wrap(directorate, 28))
        ax.axhline(0, color=INK, linewidth=1)
        for j, month in enumerate(months):  # a month no line has a figure for is said to be not available
            if by_directorate[month].isna().all():
                ax.annotate("not available", (j, 0), xytext=(0, 5), textcoords="offset points", ha="center",
                            va="bottom", rotation=90, color=INK, fontsize=9)
        ax.set_xticks(range(len(months)), tick_labels)
        ax.set_ylabel("Forecast variance (£m, overspend positive)")
        ax.set_xlabel("Month of report")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9, borderaxespad=0)

    table_frame = frame.rename(columns={"directorate": "Directorate", **dict(zip(months, labels))})
    table = Table("Variance trend (chart)", "Forecast variance by directorate at each month's report",
                  table_frame, caption="Forecast variance by directorate and month of report, £m (an overspend "
                  "is positive)", formats={m: "money_signed" for m in labels},
                  source="directorate returns, Finance sheets")
    subtitle = "Forecast variance at each month's report, £m" + (
        "." if len(by_directorate) == 1 else "; each directorate has its own marker and line style.")
    return Chart(key, title, subtitle, alt, draw, (9.0, 4.4), table, table_key)


def balances_chart(opening: int, movement: int, forecast: int, risk_assessed: int,
                   table_key: str | None = None) -> Chart:
    """General balances: the opening balance, the forecast movement, the forecast balance, the risk-assessed level.

    Amounts are pence; the risk-assessed level is a dashed line labelled in words.
    """
    names = ["Opening balance", "Forecast movement", "Forecast balance"]
    values = [millions(opening), millions(movement), millions(forecast)]
    level = millions(risk_assessed)
    gap = values[2] - level
    title = (f"General balances are forecast at {format_millions(forecast)}, "
             f"{format_millions(abs(forecast - risk_assessed))} {'above' if gap >= 0 else 'below'} the "
             f"risk-assessed level of {format_millions(risk_assessed)}")
    alt = (f"Bar chart of general balances in £m: opening £{_amount(opening)}m, forecast movement "
           f"{_signed(movement)}, forecast balance £{_amount(forecast)}m, against a dashed line at the "
           f"risk-assessed level of £{_amount(risk_assessed)}m. The forecast balance is "
           f"{format_millions(abs(forecast - risk_assessed))} {'above' if gap >= 0 else 'below'} that level.")

    def draw(fig, ax):
        colours = [AF_COLOURS[0], OVERSPEND[0] if values[1] < 0 else AF_COLOURS[1], AF_COLOURS[0]]
        bars = ax.bar(range(3), values, color=colours, hatch=["", "//", ""], edgecolor=INK, linewidth=0.6,
                      width=0.6)
        ax.bar_label(bars, labels=[_amount(opening), _signed(movement), _amount(forecast)],
                     padding=3, fontsize=10)
        ax.axhline(level, color=INK, linestyle="--", linewidth=1.5)
        ax.annotate(f"Risk-assessed level £{_amount(risk_assessed)}m", (1, level), xytext=(0, 5),
                    textcoords="offset points", ha="center", va="bottom", color=INK, fontsize=10,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        ax.axhline(0, color=INK, linewidth=1)
        ax.set_xticks(range(3), names)
        ax.set_ylabel("General balances (£m)")
        ax.set_ylim(min(0, *values) * 1.2, max(level, *values) * 1.18)

    table = Table("Balances (chart)", "General balances against the risk-assessed level",
                  pd.DataFrame({"Item": names + ["Risk-assessed level"],
                                "£m": [opening, movement, forecast, risk_assessed]}),
                  caption="General balances: opening, forecast movement and forecast balance, against the "
                          "risk-assessed level, £m", formats={"£m": "money"}, source="corporate return")
    return Chart("chart-balances", title, "General balances, £m; the dashed line is the risk-assessed level.",
                 alt, draw, (8.0, 3.8), table, table_key)


def savings_chart(savings: pd.DataFrame, title: str, table_key: str | None = None, group: str = "directorate",
                  key: str = "chart-savings") -> Chart:
    """Savings planned against forecast delivered, by directorate, as paired bars (delivered hatched).

    ``savings`` has one row per directorate with ``planned`` and
    ``forecast_delivered`` in pence; ``title`` is the savings table's own (the
    finding is stated once, the same way). A directorate whose savings are not
    available has no bars and is said to be so, as in the table. ``group``
    names the column naming the bars: "saving" for one directorate's savings.
    """
    _check_columns(savings, [group, "planned", "forecast_delivered"])
    frame = savings.reset_index(drop=True)
    planned = [millions(v) if pd.notna(v) else 0.0 for v in frame["planned"]]
    delivered = [millions(v) if pd.notna(v) else 0.0 for v in frame["forecast_delivered"]]
    labels = [_wrap(d, 34) for d in frame[group]]
    rows = [f"{d}: planned {_amount(p)}, forecast delivered {_amount(q)}" if pd.notna(p) else f"{d}: not available"
            for d, p, q in zip(frame[group], frame["planned"], frame["forecast_delivered"])]
    alt = (f"Paired horizontal bar chart of savings planned and forecast to be delivered by {group}, £m; "
           f"forecast delivered bars are hatched. {title}." + (f" {'; '.join(rows)}." if rows else ""))

    def draw(fig, ax):
        if frame["planned"].isna().all():
            return _not_available(ax, "; ".join(rows) or title)
        ys = list(range(len(labels)))
        a = ax.barh([y - 0.2 for y in ys], planned, height=0.4, color=AF_COLOURS[0], edgecolor=INK,
                    linewidth=0.6, label="Planned")
        b = ax.barh([y + 0.2 for y in ys], delivered, height=0.4, color=AF_COLOURS[1], hatch="..",
                    edgecolor=INK, linewidth=0.6, label="Forecast delivered (hatched)")
        ax.bar_label(a, labels=[_amount(v) for v in frame["planned"]], padding=3, fontsize=9)
        ax.bar_label(b, labels=[_amount(v) if pd.notna(p) else "" for v, p in
                                zip(frame["forecast_delivered"], frame["planned"])], padding=3, fontsize=9)
        ax.set_yticks(ys, labels)
        ax.invert_yaxis()
        ax.grid(axis="x", visible=True)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("Savings (£m)")
        ax.set_xlim(0, max(planned + delivered + [0.1]) * 1.15)
        _legend_above(ax, 2)

    table = Table("Savings (chart)", f"Savings planned and forecast to be delivered by {group}",
                  frame[[group, "planned", "forecast_delivered"]].rename(columns={
                      group: group.capitalize(), "planned": "Planned £m",
                      "forecast_delivered": "Forecast delivered £m"}),
                  caption=f"Savings planned and forecast to be delivered by {group}, £m",
                  formats={"Planned £m": "money", "Forecast delivered £m": "money"},
                  source="directorate returns, Savings sheets")
    return Chart(key, title, "Planned savings and those forecast to be delivered, £m.", alt, draw,
                 (8.0, max(3.0, 0.6 * len(labels) + 1.6)), table, table_key)


# Each measure's history -------------------------------------------------------------

SPC_GREY = "#505a5f"  # the mean and the process limits: thin, behind the figures


def _history_words(values: np.ndarray, periods: np.ndarray, unit) -> str:
    """A measure's figures (``values`` in ``periods``, oldest first) in words, first and latest: ``rose from
    1,100 in August 2022 to 1,752 in March 2023`` (``fell``, ``was 5 in both``, ``was 5 in March 2023``), each
    figure as the table shows it."""
    first, last = with_unit(float(values[0]), unit), with_unit(float(values[-1]), unit)
    start, end = label(periods[0]), label(periods[-1])
    if len(values) == 1:
        return f"was {last} in {end}"
    if first == last:
        return f"was {last} in both {start} and {end}"
    return f"{'rose' if values[-1] > values[0] else 'fell'} from {first} in {start} to {last} in {end}"


PANEL = {"left": 0.04, "right": 0.96, "bottom": 0.1, "top": 0.68}  # a panel's plot within its 1 × 1 cell
PANEL_HEIGHT = 1.0  # inches a row of panels takes on a page


def _panel_marks(x: np.ndarray, drawn: np.ndarray, ringed: np.ndarray) -> dict:
    """A panel's marks in its own unit square, x and y from 0 to 1 (y from the lowest figure drawn to the
    highest; a single level across the middle), from its points' ``x`` (0 to 1), ``drawn`` (a row per point:
    value, target, mean, lower and upper limit) and ``ringed`` (part of a special-cause pattern): ``values`` and
    ``target`` as (x, y) rows, ``levels`` the mean and the process limits (none without them), ``ringed``."""
    lo, hi = float(np.nanmin(drawn)), float(np.nanmax(drawn))
    base, height = (lo, hi - lo) if hi > lo else (lo - 0.5, 1.0)
    y = (drawn - base) / height
    has_target = ~np.isnan(y[:, 1])
    return {"values": np.column_stack([x, y[:, 0]]), "target": np.column_stack([x[has_target], y[has_target, 1]]),
            "levels": y[0, 2:] if not np.isnan(y[0, 4]) else np.empty(0), "ringed": ringed}


def _panel_heading(row) -> str:
    """``OCC07.01 L+``: a panel's measure ID and variation symbol (and ``in-month`` for a year-to-date measure,
    charted on its in-month figures)."""
    return " ".join(filter(None, [row.measure_id, row.symbol, "in-month" if row.cumulative else ""]))


def measure_history_chart(points: pd.DataFrame, measures: pd.DataFrame, periods: list[str], title: str,
                          key: str = "chart-directorate-measure-history", table_key: str | None = None) -> Chart:
    """Small multiples: a panel per measure of its figures month by month (a line with markers), its target
    (dashed) and, where it has the points for statistical process control, its mean (thin line) and process
    limits (dotted), with each point of a special-cause pattern ringed. Each panel has its own scale, from the
    lowest to the highest figure it draws, unlabelled (the panels show each measure's course and its place
    against its target and limits; the table of the chart's figures has the figures and names each measure),
    and is headed by the measure's ID and variation symbol.

    ``points`` are ``spc.spc_points`` rows; ``measures`` one row per measure in the order of the panels, with
    ``measure_id``, ``measure``, ``unit``, ``cumulative`` (charted on its in-month figures), ``symbol`` (its
    variation symbol) and ``spc_words`` (its SPC status in words, for the alt text); ``periods`` the months of
    every panel's x axis, oldest first; ``title`` the finding. A measure with no figures (a judgement target)
    has no panel, and the alt text says so. Two columns of panels on a phone's width, three on a page's.

    The panels are cells of one axes, not an axes each, and carry no measure names or scale labels: a
    directorate's two drawings (page and phone) of twenty panels took two seconds as axes with names, and 0.6 s
    as cells with them, most of it drawing text (a few milliseconds a label), where the batch's whole year has a
    budget of a few seconds for these charts.
    """
    _check_columns(points, ["measure_id", "period", "value", "target", "mean", "lower_limit", "upper_limit",
                            "special_cause"])
    _check_columns(measures, ["measure_id", "measure", "unit", "cumulative", "symbol", "spc_words"])
    ordered = points.sort_values(["measure_id", "period"], kind="stable")
    ids, months = ordered["measure_id"].to_numpy(), ordered["period"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.empty(0, dtype=int)
    spans = dict(zip(ids[starts], zip(starts, np.r_[starts[1:], len(ids)].astype(int))))  # each measure's rows
    figures = ordered[["value", "target", "mean", "lower_limit", "upper_limit"]].to_numpy(dtype="float64")
    position = {p: i / max(len(periods) - 1, 1) for i, p in enumerate(periods)}  # 0 to 1 across a panel
    x = np.array([position[p] for p in months], dtype="float64")
    ringed = (ordered["special_cause"] != "").to_numpy()
    drawn = measures[measures["measure_id"].isin(spans)].reset_index(drop=True)
    said = []
    for row in measures.itertuples():
        name = f"{row.measure_id} (in-month figures)" if row.cumulative else row.measure_id
        if row.measure_id in spans:
            rows = slice(*spans[row.measure_id])
            said.append(f"{name} {_history_words(figures[rows, 0], months[rows], row.unit)}; {row.spc_words}")
        else:
            said.append(f"{row.measure_id} has no figures to chart")
    span = f"{label(periods[0])} to {label(periods[-1])}" if periods else "no month"
    alt = (f"Line charts, one for each measure, of its figures by month from {span}, with its target as a "
           f"dashed line and, where there are enough points, its mean and process limits as thin lines; points "
           f"of a special-cause pattern are ringed. {title}. {'. '.join(said)}.")
    marks = [_panel_marks(x[rows], figures[rows], ringed[rows])  # worked out once for both drawings
             for rows in (slice(*spans[m]) for m in drawn["measure_id"])]
    headings = [_panel_heading(row) for row in drawn.itertuples()]

    def draw(fig, ax):
        # One axes over the whole figure, placed rather than laid out: laying out measures every text first
        fig.set_layout_engine("none")
        ax.set_position((0.005, 0.005, 0.99, 0.99))
        ax.set_axis_off()
        if drawn.empty:
            return ax.text(0.5, 0.5, "No measure has figures to chart", ha="center", va="center", color=INK)
        columns = 2 if fig.get_figwidth() < 5 else 3
        rows = -(-len(drawn) // columns)
        lines, dashed, means, limits, rings, floors = [], [], [], [], [], []
        for i, (panel, heading) in enumerate(zip(marks, headings)):
            x0, y0 = i % columns + PANEL["left"], rows - 1 - i // columns + PANEL["bottom"]
            size = np.array([PANEL["right"] - PANEL["left"], PANEL["top"] - PANEL["bottom"]])

            def at(unit):
                return unit * size + (x0, y0)

            lines.append(at(panel["values"]))
            rings.append(lines[-1][panel["ringed"]])
            if len(panel["target"]):
                dashed.append(at(panel["target"]))
            levels = [at(np.array([[0.0, level], [1.0, level]])) for level in panel["levels"]]
            means += levels[:1]
            limits += levels[1:]
            floors.append(at(np.array([[0.0, -0.08], [1.0, -0.08]])))
            ax.text(x0, y0 - PANEL["bottom"] + 0.97, heading, ha="left", va="top", fontsize=8.5, color=INK)
        for segments, style in ((floors, {"colors": "#b1b4b6", "linewidths": 0.6}),
                                (limits, {"colors": SPC_GREY, "linewidths": 0.7, "linestyles": ":"}),
                                (means, {"colors": SPC_GREY, "linewidths": 0.7}),
                                (dashed, {"colors": INK, "linewidths": 1, "linestyles": "--"}),
                                (lines, {"colors": AF_COLOURS[0], "linewidths": 1.4})):
            # unsmoothed: half the PNG's bytes and a third less time, and at a panel's size the lines read the same
            ax.add_collection(LineCollection(segments, antialiaseds=False, **style))
        points, ringed = np.concatenate(lines), np.concatenate(rings)
        ax.scatter(points[:, 0], points[:, 1], s=7, color=AF_COLOURS[0], zorder=3)
        ax.scatter(ringed[:, 0], ringed[:, 1], s=50, facecolors="none", edgecolors=AF_COLOURS[3], linewidths=1.2,
                   zorder=4)
        ax.set_xlim(0, columns)
        ax.set_ylim(0, rows)

    table = _history_table(points, measures, periods)
    rows = -(-max(len(drawn), 1) // 3)
    return Chart(key, title, f"Each measure's figures by month, {span} from left to right (line), its target "
                 "(dashed) and, with 12 or more points, its mean (thin line) and process limits (dotted); a ringed "
                 "point is part of a special-cause pattern. Each panel is headed by its measure's ID and variation "
                 "symbol (~ common cause; H or L a special cause, high or low, + improving, ! concerning) and has its "
                 "own scale, from its lowest figure to its highest; a year-to-date measure is shown by its in-month "
                 "figures.",
                 alt, draw, (8.0, round(PANEL_HEIGHT * rows + 0.1, 2)), table, table_key)


SPARKLINE = (96, 24)  # pixels: a table cell's line, wide enough for thirteen months


def sparklines(points: pd.DataFrame, measures: pd.DataFrame, periods: list[str]) -> pd.Series:
    """Each measure's figures by month as a sparkline for a table cell, by measure ID: an inline SVG of its line
    (the latest point dotted, each point of a special-cause pattern ringed) and its target (dashed), on the
    panels' scale of ``measure_history_chart``, named by a ``<title>`` that says the trend in words (what a
    screen reader reads, and what tables.xlsx keeps of the cell). A measure with no figures has "no figures".

    ``points`` are ``spc.spc_points`` rows; ``measures`` has ``measure_id``, ``unit`` and ``cumulative``;
    ``periods`` the months across the line, oldest first."""
    _check_columns(measures, ["measure_id", "unit", "cumulative"])
    ordered = points.sort_values(["measure_id", "period"], kind="stable")
    width, height = SPARKLINE
    position = {p: i / max(len(periods) - 1, 1) for i, p in enumerate(periods)}
    shown = {}
    for row in measures.itertuples():
        mine = ordered[ordered["measure_id"] == row.measure_id]
        if mine.empty:
            shown[row.measure_id] = "no figures"
            continue
        # the line and its target on their own scale; the limits are the full chart's
        figures = np.full((len(mine), 5), np.nan)
        figures[:, :2] = mine[["value", "target"]].to_numpy(dtype="float64")
        x = np.array([position[p] for p in mine["period"]], dtype="float64")
        marks = _panel_marks(x, figures, (mine["special_cause"] != "").to_numpy())
        words = _history_words(figures[:, 0], mine["period"].to_numpy(), row.unit)
        name = "in-month figure " if row.cumulative else ""

        def path(xy: np.ndarray) -> str:
            return " ".join(f"{2 + a * (width - 4):.1f},{height - 2 - b * (height - 4):.1f}" for a, b in xy)

        target = (f'<polyline points="{path(marks["target"])}" fill="none" stroke="{INK}" stroke-width="1" '
                  'stroke-dasharray="3 2"/>' if len(marks["target"]) else "")
        ringed = path(marks["values"][marks["ringed"]]).split()
        rings = "".join(f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="3" fill="none" '
                        f'stroke="{AF_COLOURS[3]}" stroke-width="1.2"/>' for c in ringed)
        last = path(marks["values"][-1:])
        shown[row.measure_id] = (
            f'<svg class="sparkline" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<title>{html.escape(sentence_case(name + words))}</title>{target}'
            f'<polyline points="{path(marks["values"])}" fill="none" stroke="{AF_COLOURS[0]}" stroke-width="1.5"/>'
            f'<circle cx="{last.split(",")[0]}" cy="{last.split(",")[1]}" r="2" fill="{AF_COLOURS[0]}"/>'
            f'{rings}</svg>')
    return pd.Series(shown, dtype=object)


def _history_table(points: pd.DataFrame, measures: pd.DataFrame, periods: list[str]) -> Table:
    """The figures of ``measure_history_chart``: a row per measure, its figure in each month, its latest
    target, mean and process limits, as the chart's words show them (and as numbers for tables.xlsx)."""
    ids = measures["measure_id"].tolist()
    by_month = points.pivot(index="measure_id", columns="period", values="value").reindex(index=ids, columns=periods)
    latest = points.groupby("measure_id", sort=False)[["target", "mean", "lower_limit", "upper_limit"]].last() \
        .reindex(ids)
    numbers = {label(p): by_month[p].to_numpy(dtype="float64") for p in periods} | {
        name: latest[column].to_numpy(dtype="float64") for name, column in
        (("Target", "target"), ("Mean", "mean"), ("Lower limit", "lower_limit"), ("Upper limit", "upper_limit"))}
    units = measures["unit"].tolist()
    shown = {name: [with_unit(v, u) for v, u in zip(column, units)] for name, column in numbers.items()}
    frame = pd.DataFrame({"Measure": (measures["measure_id"].astype(str) + ": " + measures["measure"].astype(str)),
                          "Charted": ["in-month figure" if c else "actual" for c in measures["cumulative"]],
                          **shown}).reset_index(drop=True)
    figures = {name: pd.DataFrame({"value": column, "unit": units, "as_written": ""})
               for name, column in numbers.items()}
    return Table("Directorate measure history", "Each measure's figures by month, with its mean and process "
                 "limits", frame,
                 caption="Each measure's figure in each month loaded (for a year-to-date measure, the in-month "
                         "change in its year-to-date figure), its latest target, and the mean and process limits "
                         "of its XmR chart where it has 12 or more points",
                 source="directorate returns, Performance sheets; measure register", figures=figures)
