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
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .money import format_millions, millions, whole_units
from .tables import Table, element_id, format_value
from .words import listed, plural

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
    links to instead of repeating them.
    """

    key: str
    title: str
    subtitle: str
    alt: str
    draw: Callable = field(repr=False, compare=False)
    size: tuple[float, float] = (8.0, 4.2)
    table: Table | None = None
    table_key: str | None = None

    @cached_property
    def png(self) -> bytes:
        return render(self.draw, *self.size)

    @property
    def element_id(self) -> str:
        return element_id("chart", self.key.removeprefix("chart-"))

    def data_pointer(self) -> str:
        """The sentence in the caption that says where the chart's figures are, as HTML."""
        if self.table_key:
            return (f'The figures are in the table <a href="#{element_id("table", self.table_key)}">'
                    f"{html.escape(self.table_key)}</a>.")
        return "The figures are in the table that follows." if self.table is not None else ""

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        width, height = (round(v * DPI) for v in self.size)
        block = self.element_id
        parts = [f'<section class="chart-block" id="{block}">',
                 f'<h3 class="chart-title" id="{block}-title">{html.escape(self.title)}</h3>',
                 f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                 f'width="{width}" height="{height}">',
                 f"<figcaption>{html.escape(self.subtitle)} {self.data_pointer()}</figcaption></figure>"]
        if self.table is not None and not self.table_key:
            parts.append(self.table._repr_html_())
        parts.append("</section>")
        return "\n".join(parts)


def render(draw: Callable, width: float = 8.0, height: float = 4.2) -> bytes:
    """Draw with ``draw(fig, ax)`` in the Analysis Function style and return PNG bytes at screen resolution."""
    with matplotlib.style.context(STYLE), rc_context(RC):
        fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig, fig.add_subplot())
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


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


def _legend_above(ax, columns: int) -> None:
    """The legend in words across the top of the figure, where layout makes room for it."""
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside upper left", ncols=columns, frameon=False)


def _counts_table(key: str, title: str, frame: pd.DataFrame, first: str, statuses: list[str],
                  caption: str, source: str) -> Table:
    """The figures behind a RAG chart: one row per bar, a column per status, and the total."""
    table = frame[[first, *statuses]].copy()
    table[statuses] = table[statuses].fillna(0).astype(int)
    table["Total"] = table[statuses].sum(axis=1)
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
                       table_key: str | None = None) -> Chart:
    """RAG counts for each priority or directorate as horizontal stacked bars.

    ``counts`` has a ``group`` column naming each bar and a column per status
    (Green, Amber, Red and optionally Monitoring only); ``what`` is the group
    in words ("priority").
    """
    statuses = [s for s in ("Green", "Amber", "Red", "Monitoring only") if s in counts]
    _check_columns(counts, ["Green", "Amber", "Red", group])
    frame = counts.reset_index(drop=True)
    labels = [_wrap(str(g), 40) for g in frame[group]]
    title = most_red(frame, group, what)
    rows = [f"{r[group]}: " + ", ".join(f"{int(r[s])} {s}" for s in statuses) for _, r in frame.iterrows()]
    alt = f"Horizontal stacked bar chart of measures by RAG status for each {what}. {title}. {'; '.join(rows)}."
    label_lines = sum(label.count("\n") + 1 for label in labels)
    size = (8.0, max(2.8, 0.3 * label_lines + 0.25 * len(labels) + 1.4))

    def draw(fig, ax):
        _stacked(ax, labels, frame, statuses, horizontal=True)
        ax.set_xlabel("Measures reported (number)")

    heading = what[:1].upper() + what[1:]
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


def variance_trend_chart(trend: pd.DataFrame, labels: list[str], table_key: str | None = None) -> Chart:
    """Each directorate's forecast variance at each month's report, as lines with a marker and style each.

    ``trend`` has a ``directorate`` column and one column of variances in
    pence per month, oldest first; ``labels`` names those months.
    """
    _check_columns(trend, ["directorate"])
    months = [c for c in trend.columns if c != "directorate"]
    if len(labels) != len(months):
        raise ValueError(f"{len(labels)} month labels for {len(months)} month columns")
    frame = trend.reset_index(drop=True)
    by_directorate = frame.set_index("directorate")[months]
    latest = by_directorate[months[-1]].dropna() if months else pd.Series(dtype="Int64")
    if len(months) > 1 and not latest.empty:
        moved = (latest - by_directorate[months[0]].reindex(latest.index)).abs().astype("float64")
        mover = moved.idxmax() if moved.notna().any() else latest.index[0]
        title = (f"{_possessive(mover)} forecast moved most since {labels[0]}, "
                 f"to {_position(latest[mover])}")
    elif not latest.empty:
        title = f"Forecast variance by directorate, {labels[-1]}"
    else:
        title = "No directorate forecast is available"
    rows = [f"{d}: " + ", ".join(f"{m} {_signed(v)}" for m, v in zip(labels, row) if pd.notna(v))
            for d, row in by_directorate.iterrows()]
    alt = (f"Line chart of each directorate's forecast variance in £m at each month's report. {title}. "
           + "; ".join(rows) + ".")
    tick_labels = [str(m).replace(" ", "\n", 1) for m in labels]

    def draw(fig, ax):
        for i, (directorate, row) in enumerate(by_directorate.iterrows()):
            ax.plot(range(len(months)), [millions(v) for v in row], marker=MARKERS[i % len(MARKERS)],
                    color=AF_COLOURS[i % len(AF_COLOURS)], linestyle=LINE_STYLES[i // len(AF_COLOURS) % 4],
                    label=_wrap(directorate, 28))
        ax.axhline(0, color=INK, linewidth=1)
        ax.set_xticks(range(len(months)), tick_labels)
        ax.set_ylabel("Forecast variance (£m, overspend positive)")
        ax.set_xlabel("Month of report")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9, borderaxespad=0)

    table_frame = frame.rename(columns={"directorate": "Directorate", **dict(zip(months, labels))})
    table = Table("Variance trend (chart)", "Forecast variance by directorate at each month's report",
                  table_frame, caption="Forecast variance by directorate and month of report, £m (an overspend "
                  "is positive)", formats={m: "money_signed" for m in labels},
                  source="directorate returns, Finance sheets")
    return Chart("chart-variance-trend", title, "Forecast variance at each month's report, £m; each directorate "
                 "has its own marker and line style.", alt, draw, (9.0, 4.4), table, table_key)


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


def savings_chart(savings: pd.DataFrame, title: str, table_key: str | None = None) -> Chart:
    """Savings planned against forecast delivered, by directorate, as paired bars (delivered hatched).

    ``savings`` has one row per directorate with ``planned`` and
    ``forecast_delivered`` in pence; ``title`` is the savings table's own (the
    finding is stated once, the same way). A directorate whose savings are not
    available has no bars and is said to be so, as in the table.
    """
    _check_columns(savings, ["directorate", "planned", "forecast_delivered"])
    frame = savings.reset_index(drop=True)
    planned = [millions(v) if pd.notna(v) else 0.0 for v in frame["planned"]]
    delivered = [millions(v) if pd.notna(v) else 0.0 for v in frame["forecast_delivered"]]
    labels = [_wrap(d, 34) for d in frame["directorate"]]
    rows = [f"{d}: planned {_amount(p)}, forecast delivered {_amount(q)}" if pd.notna(p) else f"{d}: not available"
            for d, p, q in zip(frame["directorate"], frame["planned"], frame["forecast_delivered"])]
    alt = ("Paired horizontal bar chart of savings planned and forecast to be delivered by directorate, £m; "
           f"forecast delivered bars are hatched. {title}. {'; '.join(rows)}.")

    def draw(fig, ax):
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

    table = Table("Savings (chart)", "Savings planned and forecast to be delivered by directorate",
                  frame[["directorate", "planned", "forecast_delivered"]].rename(columns={
                      "directorate": "Directorate", "planned": "Planned £m",
                      "forecast_delivered": "Forecast delivered £m"}),
                  caption="Savings planned and forecast to be delivered by directorate, £m",
                  formats={"Planned £m": "money", "Forecast delivered £m": "money"},
                  source="directorate returns, Savings sheets")
    return Chart("chart-savings", title, "Planned savings and those forecast to be delivered, £m.", alt, draw,
                 (8.0, max(3.0, 0.6 * len(labels) + 1.6)), table, table_key)
