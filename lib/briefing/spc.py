"""Statistical process control (XmR charts) of the measures, and year-end projections of year-to-date measures.

A RAG status compares one month with a target; it cannot tell a real change from the ordinary ups and downs of a
measure. An XmR chart can: the process limits say how far a measure wanders by chance, and the special-cause rules
(the NHS "Making Data Count" set) say when a pattern is unlikely to be chance. The conventions, exactly as applied:

* The points are the non-missing values in period order; a missing month is skipped, not zero.
* The mean and the mean moving range (the average of |x_i - x_(i-1)|) come from the baseline: every point, or the
  points up to a given period (``baseline``: the register's SPC baseline to, else ``spc_baseline_to`` in params),
  so that a change made after it shows as special cause instead of moving the limits. The process limits are mean ± 2.66 × mean moving range; sigma is mean moving range ÷ 1.128. With fewer
  than ``MIN_POINTS`` (12) baseline points there are no limits and no signals, only ``TOO_FEW_POINTS``.
* Every point, in the baseline or after it, is tested against the baseline's mean and limits.
* Values within a billionth of a limit, the mean or each other count as equal to them (float noise, as in the RAG
  rules), and "equal" decides every boundary below.
* Rule 1, ``OUTSIDE_LIMITS``: a point strictly beyond a limit. A point exactly on a limit is inside: the limits are
  the edge of the ordinary spread, not beyond it.
* Rule 2, ``SHIFT``: 7 or more consecutive points strictly on one side of the mean. A point exactly on the mean is on
  neither side, so it ends the run.
* Rule 3, ``TREND``: 6 or more consecutive points each strictly above (or below) the one before: 6 points, 5
  increases, as Making Data Count counts them. Two equal consecutive values end the trend.
* Rule 4, ``NEAR_LIMITS``: 2 of 3 consecutive points strictly beyond 2 sigma from the mean on the same side (a point
  beyond the limits counts). Overlapping windows on one side make one signal; its points are those beyond 2 sigma.
* A signal is "this period" when the latest point is one of its points. Polarity says whether it is an improvement
  (high when higher is better, low when lower is better) or a concern; a measure with no polarity ("Monitoring
  only") has neither. Variation is "common cause" when nothing fires at the latest point; when an improving and a
  concerning signal both do, it is "special cause concerning", since a concern is what needs looking at.
* Assurance compares the target with the limits: inside them, or exactly on one, the process will sometimes hit and
  sometimes miss; with both limits on the good side of the target (higher is better: the target below the lower
  limit) it will consistently meet it; with both on the bad side it will not meet it without a change.

Year-to-date (``cumulative``) measures are charted on their in-period figures (the change in the year-to-date figure
since the previous due period; the first due period of a year is its own figure), since a year-to-date figure rises
all year and falls every April whatever the service does. Their year-end projection is ``project_year_end``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .periods import financial_year, months_elapsed, shift
from .ratings import due_months_of, previous_due_period
from .register import POLARITIES

HIGHER_IS_BETTER, LOWER_IS_BETTER, MONITORING_ONLY = POLARITIES

MIN_POINTS = 12
LIMIT_FACTOR = 2.66  # process limits: mean ± 2.66 × mean moving range, about 3 sigma
D2 = 1.128  # sigma = mean moving range ÷ 1.128, the bias constant for ranges of two points
SHIFT_POINTS = 7
TREND_POINTS = 6
NEAR_LIMIT_SIGMAS = 2
TOO_FEW_POINTS = "too few points for SPC"

OUTSIDE_LIMITS = "point outside the limits"
SHIFT = "run of 7 or more on one side of the mean"
TREND = "6 or more points rising or falling"
NEAR_LIMITS = "2 of 3 points beyond 2 sigma"
RULES = (OUTSIDE_LIMITS, SHIFT, TREND, NEAR_LIMITS)

HIGH, LOW = "high", "low"  # above the mean (or rising), below it (or falling)
IMPROVEMENT, CONCERN, NEITHER = "improvement", "concern", "neither"

COMMON_CAUSE = "common cause"
SPECIAL_IMPROVING = "special cause improving"
SPECIAL_CONCERNING = "special cause concerning"
SPECIAL_NEITHER = "special cause neither improving nor concerning"
# The Making Data Count icons as text: H or L for the side of the signal, + improving, ! concerning.
VARIATION_MARKS = {SPECIAL_IMPROVING: "+", SPECIAL_CONCERNING: "!", SPECIAL_NEITHER: ""}
COMMON_CAUSE_SYMBOL = "~"

ASSURANCE_INCONSISTENT = "inconsistent: will sometimes hit and sometimes miss"
ASSURANCE_MET = "consistently met"
ASSURANCE_NOT_MET = "will not be met without change"
# The Making Data Count assurance icons' letters: P pass, F fail, ? variable.
ASSURANCE_SYMBOLS = {ASSURANCE_INCONSISTENT: "?", ASSURANCE_MET: "P", ASSURANCE_NOT_MET: "F", "": ""}

_NOISE = 1e-9


@dataclass(frozen=True)
class Signal:
    """One special-cause pattern: the rule that found it, its side and the labels (periods) of its points."""

    rule: str
    side: str
    points: tuple

    def describe(self) -> str:
        """The signal in words: ``run of 7 or more on one side of the mean, high: 2022-04 to 2022-10``."""
        span = str(self.points[0]) if len(self.points) == 1 else f"{self.points[0]} to {self.points[-1]}"
        return f"{self.rule}, {self.side}: {span}"


@dataclass(frozen=True, eq=False)
class XmR:
    """An XmR chart of one measure: its points, baseline statistics, process limits and special-cause signals.

    ``points`` are the non-missing values in the order given, keeping their labels (periods). Without enough
    baseline points the limits are NaN and there are no signals (``note`` says why).
    """

    points: pd.Series
    baseline: int
    mean: float
    mean_moving_range: float
    lower_limit: float
    upper_limit: float
    signals: tuple[Signal, ...]

    @property
    def enough_points(self) -> bool:
        return self.baseline >= MIN_POINTS

    @property
    def note(self) -> str:
        return "" if self.enough_points else TOO_FEW_POINTS

    @property
    def sigma(self) -> float:
        return self.mean_moving_range / D2

    @property
    def moving_ranges(self) -> pd.Series:
        """|x_i - x_(i-1)| at each point; NaN at the first."""
        return self.points.diff().abs()

    @property
    def latest_signals(self) -> tuple[Signal, ...]:
        """The signals the latest point is part of: what fires "this period"."""
        if self.points.empty:
            return ()
        latest = self.points.index[-1]
        return tuple(s for s in self.signals if latest in s.points)

    def special_causes(self) -> list[str]:
        """At each point, the rules whose patterns include it, comma-separated (blank for none)."""
        rules = {label: [] for label in self.points.index}
        for signal in self.signals:
            for label in signal.points:
                rules[label].append(signal.rule)
        return [", ".join(dict.fromkeys(rules[label])) for label in self.points.index]

    def table(self) -> pd.DataFrame:
        """One row per point, for a chart: value, moving range, mean, limits, whether in the baseline, and the
        rules whose patterns include the point (comma-separated)."""
        return pd.DataFrame({
            "value": self.points, "moving_range": self.moving_ranges, "mean": self.mean,
            "lower_limit": self.lower_limit, "upper_limit": self.upper_limit,
            "in_baseline": np.arange(len(self.points)) < self.baseline,
            "special_cause": self.special_causes()}, index=self.points.index)


def xmr(values: pd.Series, baseline: int | None = None) -> XmR:
    """The XmR chart of ``values`` (in period order, labelled by period): limits from the baseline, and signals.

    ``baseline`` fixes the first N points as the baseline, so that later points are judged against how the
    measure behaved before (a change made after the baseline shows as special cause instead of moving the limits);
    by default every point is the baseline (no points: too few for limits). Missing values are skipped.
    """
    if baseline is not None and baseline < 0:
        raise ValueError(f"the baseline cannot be fewer than no points, not {baseline}")
    points = pd.to_numeric(values, errors="coerce").astype("float64").dropna()
    base = (points.iloc[:baseline] if baseline is not None else points).to_numpy()
    mean = float(base.mean()) if len(base) else float("nan")
    mean_moving_range = float(np.abs(np.diff(base)).mean()) if len(base) > 1 else float("nan")
    if len(base) < MIN_POINTS:
        return XmR(points, len(base), mean, mean_moving_range, float("nan"), float("nan"), ())
    spread = LIMIT_FACTOR * mean_moving_range
    lower, upper = mean - spread, mean + spread
    signals = (outside_limits(points, lower, upper) + shifts(points, mean) + trends(points)
               + near_limits(points, mean, mean_moving_range / D2))
    return XmR(points, len(base), mean, mean_moving_range, lower, upper, tuple(signals))


def _beyond(values: np.ndarray, edge, side: str) -> np.ndarray:
    """Whether each value lies strictly beyond ``edge`` (a number or one per value) on ``side``; a value within a
    billionth of the edge is on it."""
    slack = _NOISE * np.maximum(np.abs(values), np.abs(edge))
    return values > edge + slack if side == HIGH else values < edge - slack


def _runs(flags: np.ndarray, length: int) -> list[tuple[int, int]]:
    """Start and end (exclusive) of every unbroken run of True at least ``length`` long."""
    runs, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                runs.append((start, i))
            start = None
    return runs


def outside_limits(points: pd.Series, lower: float, upper: float) -> list[Signal]:
    """Rule 1: each point strictly beyond a process limit (a point exactly on a limit is inside)."""
    values = points.to_numpy(dtype="float64")
    high, low = _beyond(values, upper, HIGH), _beyond(values, lower, LOW)
    return [Signal(OUTSIDE_LIMITS, HIGH if high[i] else LOW, (label,))
            for i, label in enumerate(points.index) if high[i] or low[i]]


def shifts(points: pd.Series, mean: float, length: int = SHIFT_POINTS) -> list[Signal]:
    """Rule 2: each run of ``length`` or more consecutive points strictly on one side of the mean (a point exactly
    on the mean ends a run)."""
    values = points.to_numpy(dtype="float64")
    return [Signal(SHIFT, side, tuple(points.index[start:end]))
            for side in (HIGH, LOW) for start, end in _runs(_beyond(values, mean, side), length)]


def trends(points: pd.Series, length: int = TREND_POINTS) -> list[Signal]:
    """Rule 3: each run of ``length`` or more consecutive points, each strictly above (or below) the one before:
    ``length`` points make ``length - 1`` steps, and two equal consecutive values end a trend."""
    values = points.to_numpy(dtype="float64")
    return [Signal(TREND, side, tuple(points.index[start:end + 1]))
            for side in (HIGH, LOW) for start, end in _runs(_beyond(values[1:], values[:-1], side), length - 1)]


def near_limits(points: pd.Series, mean: float, sigma: float) -> list[Signal]:
    """Rule 4: 2 of 3 consecutive points strictly beyond 2 sigma from the mean on the same side.

    Windows that fire on one side and share a point make one signal, whose points are those beyond 2 sigma.
    """
    values = points.to_numpy(dtype="float64")
    signals = []
    for side, edge in ((HIGH, mean + NEAR_LIMIT_SIGMAS * sigma), (LOW, mean - NEAR_LIMIT_SIGMAS * sigma)):
        beyond = _beyond(values, edge, side)
        firing = [i for i in range(len(values) - 2) if beyond[i:i + 3].sum() >= 2]
        groups: list[list[int]] = []
        for start in firing:
            if groups and start - groups[-1][-1] <= 2:
                groups[-1].append(start)
            else:
                groups.append([start])
        for group in groups:
            span = range(group[0], group[-1] + 3)
            signals.append(Signal(NEAR_LIMITS, side, tuple(points.index[i] for i in span if beyond[i])))
    return signals


def signal_direction(signal: Signal, polarity: str | None) -> str:
    """Whether a signal is an improvement or a concern for a measure of this polarity; "neither" without one."""
    if polarity == HIGHER_IS_BETTER:
        return IMPROVEMENT if signal.side == HIGH else CONCERN
    if polarity == LOWER_IS_BETTER:
        return IMPROVEMENT if signal.side == LOW else CONCERN
    return NEITHER


def _deciding_signal(chart: XmR, polarity: str | None) -> Signal | None:
    """The signal at the latest point that decides its variation: the first concern, else the first signal."""
    latest = chart.latest_signals
    concerns = [s for s in latest if signal_direction(s, polarity) == CONCERN]
    return (concerns or list(latest) or [None])[0]


def variation(chart: XmR, polarity: str | None) -> str:
    """The variation at the latest point in words: common cause, or special cause improving, concerning or (no
    polarity) neither; ``TOO_FEW_POINTS`` without limits."""
    if not chart.enough_points:
        return TOO_FEW_POINTS
    deciding = _deciding_signal(chart, polarity)
    if deciding is None:
        return COMMON_CAUSE
    return {IMPROVEMENT: SPECIAL_IMPROVING, CONCERN: SPECIAL_CONCERNING,
            NEITHER: SPECIAL_NEITHER}[signal_direction(deciding, polarity)]


def variation_symbol(chart: XmR, polarity: str | None) -> str:
    """The variation icon as text, so that it never rests on colour: ``~`` common cause; H or L for a special
    cause high or low, then ``+`` improving or ``!`` concerning (nothing more for neither); blank without limits."""
    words = variation(chart, polarity)
    if words == TOO_FEW_POINTS:
        return ""
    if words == COMMON_CAUSE:
        return COMMON_CAUSE_SYMBOL
    side = _deciding_signal(chart, polarity).side
    return ("H" if side == HIGH else "L") + VARIATION_MARKS[words]


def assurance(chart: XmR, target: float | None, polarity: str | None) -> str:
    """Whether the process can be relied on to meet ``target``, in words; blank with no target, no polarity or no
    limits.

    A target inside the limits, or exactly on one, will sometimes be hit and sometimes missed. With both limits on
    the good side of the target (higher is better: the target below the lower limit) it is consistently met; with
    both on the bad side (the target above the upper limit) it will not be met without a change.
    """
    if (not chart.enough_points or target is None or pd.isna(target)
            or polarity not in (HIGHER_IS_BETTER, LOWER_IS_BETTER)):
        return ""
    target = np.array([float(target)])
    if _beyond(target, chart.upper_limit, HIGH)[0]:
        return ASSURANCE_NOT_MET if polarity == HIGHER_IS_BETTER else ASSURANCE_MET
    if _beyond(target, chart.lower_limit, LOW)[0]:
        return ASSURANCE_MET if polarity == HIGHER_IS_BETTER else ASSURANCE_NOT_MET
    return ASSURANCE_INCONSISTENT


def charted_figures(history: pd.DataFrame) -> pd.DataFrame:
    """The rated history with the figure each measure is charted on, ``charted_actual``, and its target,
    ``charted_target``, sorted by measure and period.

    These are ``actual_value`` and ``period_target``, except for a cumulative measure: there, the change in the
    year-to-date figure (and in the year-to-date target) since the measure's previous due period, or the figure
    itself at the first due period of a financial year. Without the previous period's figure the change is NaN.
    Uses the history's ``measure_id``, ``period``, ``actual_value``, ``period_target``, ``cumulative`` and
    ``frequency`` (and ``due_month_numbers`` where present).
    """
    rows = history.sort_values(["measure_id", "period"], kind="stable").reset_index(drop=True)
    keys = list(zip(rows["frequency"], rows["period"], due_months_of(rows)))
    previous = {key: previous_due_period(*key) for key in set(keys)}
    earlier = [previous[key] for key in keys]
    starts_year = np.array([before is None or financial_year(before) != financial_year(period)
                            for before, (_, period, _) in zip(earlier, keys)], dtype=bool)
    figures = rows.set_index(["measure_id", "period"])[["actual_value", "period_target"]]
    figures = figures[~figures.index.duplicated()]
    before = np.array(figures.reindex(pd.MultiIndex.from_arrays([rows["measure_id"], earlier])), dtype="float64")
    before[starts_year] = 0.0
    cumulative = rows["cumulative"].fillna(False).astype(bool).to_numpy()
    for i, (column, charted) in enumerate((("actual_value", "charted_actual"), ("period_target", "charted_target"))):
        values = rows[column].astype("float64").to_numpy()
        rows[charted] = np.where(cumulative, values - before[:, i], values)
    return rows


def _per_measure(given, rows: pd.DataFrame, column: str) -> pd.Series:
    """A value per measure: ``given`` (a Series or mapping by measure ID) where it names the measure, else the
    measure's latest non-missing value in ``column`` (``rows`` are in period order)."""
    latest = rows.groupby("measure_id", sort=False)[column].last() if column in rows else pd.Series(dtype=object)
    if given is None:
        return latest
    return pd.Series(dict(given) if isinstance(given, Mapping) else given, dtype=object).combine_first(latest)


Baseline = int | str | Mapping | pd.Series | None
"""How much of each measure's series is its baseline: None for every point, N for the first N, a ``YYYY-MM`` for
the points up to and including that period, or a Series or mapping by measure ID of any of these."""


def baseline_points(points: pd.Series, baseline) -> int | None:
    """How many of ``points`` (labelled by period, in order) form the baseline ``baseline`` names: a count as it is,
    a period as the number of points up to and including it, None (or a blank) for every point."""
    if isinstance(baseline, str):
        return int((points.index.astype(str) <= baseline).sum()) if baseline.strip() else None
    return None if baseline is None or pd.isna(baseline) else int(baseline)


def _baseline_of(baseline: Baseline, measure_id: str, points: pd.Series) -> int | None:
    """``baseline_points`` of one measure: its own entry when ``baseline`` is given per measure."""
    if isinstance(baseline, (Mapping, pd.Series)):
        baseline = baseline.get(measure_id)
    return baseline_points(points, baseline)


def _charts(history: pd.DataFrame, polarity, target, baseline: Baseline):
    """Each measure's ID, XmR chart, polarity, target and whether it is cumulative, in order of measure ID."""
    rows = charted_figures(history)
    polarities = _per_measure(polarity, rows, "polarity")
    charted = rows[rows["charted_actual"].notna()]
    targets = _per_measure(target, charted, "charted_target")
    # one column grouped, not the whole rated frame: a frame of every column per measure costs more than the charts
    cumulative = rows["cumulative"].fillna(False).astype(bool).groupby(rows["measure_id"], sort=True).any()
    figures = pd.Series(rows["charted_actual"].to_numpy(), index=pd.Index(rows["period"], name="period"))
    for measure_id, points in figures.groupby(rows["measure_id"].to_numpy(), sort=True):
        chart = xmr(points, _baseline_of(baseline, measure_id, points))
        yield measure_id, chart, polarities.get(measure_id), targets.get(measure_id), bool(cumulative[measure_id])


SPC_COLUMNS = ["measure_id", "charted", "points", "baseline_points", "first_period", "last_period", "mean",
               "lower_limit", "upper_limit", "target", "variation", "variation_symbol", "assurance",
               "assurance_symbol", "rules_this_period", "direction", "signals", "note"]


def spc_table(history: pd.DataFrame, polarity: pd.Series | Mapping | None = None,
              target: pd.Series | Mapping | None = None, baseline: Baseline = None) -> pd.DataFrame:
    """One row per measure of a rated history (``Briefing.rated_history``): its XmR chart summarised.

    ``polarity`` and ``target`` (by measure ID) default to the history's ``polarity`` and to the charted target of
    the measure's latest point (``charted_figures``); ``baseline`` (``Baseline``) is every point unless given. Columns: ``measure_id``,
    ``charted`` (what is charted), ``points``, ``baseline_points``, ``first_period``, ``last_period`` (the latest
    point), ``mean``, ``lower_limit``, ``upper_limit``, ``target``, ``variation`` and ``variation_symbol``,
    ``assurance`` and ``assurance_symbol``, ``rules_this_period`` (the rules firing at the latest point,
    comma-separated), ``direction`` (improvement, concern, neither, or "improvement and concern"; blank when
    nothing fires), ``signals`` (every signal in words, "; "-separated) and ``note``.
    """
    rows = []
    for measure_id, chart, polarity_of, target_of, cumulative in _charts(history, polarity, target, baseline):
        latest = chart.latest_signals
        directions = sorted({signal_direction(s, polarity_of) for s in latest})
        words = assurance(chart, target_of, polarity_of)
        rows.append({
            "measure_id": measure_id,
            "charted": "in-period change in the year-to-date actual" if cumulative else "actual",
            "points": len(chart.points), "baseline_points": chart.baseline,
            "first_period": chart.points.index[0] if len(chart.points) else None,
            "last_period": chart.points.index[-1] if len(chart.points) else None,
            "mean": chart.mean, "lower_limit": chart.lower_limit, "upper_limit": chart.upper_limit,
            "target": np.nan if target_of is None else float(target_of),
            "variation": variation(chart, polarity_of), "variation_symbol": variation_symbol(chart, polarity_of),
            "assurance": words, "assurance_symbol": ASSURANCE_SYMBOLS[words],
            "rules_this_period": ", ".join(dict.fromkeys(s.rule for s in latest)),
            "direction": " and ".join(directions),
            "signals": "; ".join(s.describe() for s in chart.signals),
            "note": chart.note})
    return pd.DataFrame(rows, columns=SPC_COLUMNS)


def spc_signals(history: pd.DataFrame, polarity: pd.Series | Mapping | None = None,
                baseline: Baseline = None) -> pd.DataFrame:
    """Every special-cause signal of every measure of a rated history, one row each: ``measure_id``, ``rule``,
    ``side`` (high or low), ``first_period``, ``last_period``, ``periods`` (a tuple), ``direction`` and
    ``this_period`` (whether the measure's latest point is part of it). Arguments as for ``spc_table``."""
    rows = [{"measure_id": measure_id, "rule": s.rule, "side": s.side, "first_period": s.points[0],
             "last_period": s.points[-1], "periods": s.points, "direction": signal_direction(s, polarity_of),
             "this_period": s in chart.latest_signals}
            for measure_id, chart, polarity_of, _, _ in _charts(history, polarity, None, baseline)
            for s in chart.signals]
    return pd.DataFrame(rows, columns=["measure_id", "rule", "side", "first_period", "last_period", "periods",
                                       "direction", "this_period"])


POINT_COLUMNS = ["measure_id", "period", "value", "target", "mean", "lower_limit", "upper_limit", "special_cause"]


def spc_points(history: pd.DataFrame, baseline: Baseline = None) -> pd.DataFrame:
    """Every point of every measure's XmR chart, one row each, for drawing it: ``measure_id``, ``period``,
    ``value`` (the charted figure, ``charted_figures``), ``target`` (the charted target at that point), the
    baseline's ``mean`` and process limits (NaN without enough points), and ``special_cause`` (the rules whose
    patterns include the point, comma-separated), by measure ID and period. Arguments as for ``spc_table``."""
    rows = charted_figures(history)  # in order of measure and period
    rows = rows[rows["charted_actual"].notna()]
    values = pd.Series(rows["charted_actual"].to_numpy(dtype="float64"), index=rows["period"].to_numpy())
    statistics, causes = [], []
    for measure_id, points in values.groupby(rows["measure_id"].to_numpy(), sort=True):
        chart = xmr(points, _baseline_of(baseline, measure_id, points))
        statistics += [(chart.mean, chart.lower_limit, chart.upper_limit)] * len(points)
        causes += chart.special_causes()
    mean, lower, upper = (np.array([s[i] for s in statistics], dtype="float64") for i in range(3))
    return pd.DataFrame({"measure_id": rows["measure_id"].to_numpy(), "period": rows["period"].to_numpy(),
                         "value": values.to_numpy(), "target": rows["charted_target"].to_numpy(dtype="float64"),
                         "mean": mean, "lower_limit": lower, "upper_limit": upper,
                         "special_cause": np.array(causes, dtype=object)}, columns=POINT_COLUMNS)


def meets_target(figure: float, target: float | None, polarity: str | None) -> bool | None:
    """Whether ``figure`` meets or beats ``target`` by polarity (exactly on it meets, within a billionth as in the
    RAG rules); None when either is missing or the measure has no polarity."""
    if figure is None or target is None or pd.isna(figure) or pd.isna(target) \
            or polarity not in (HIGHER_IS_BETTER, LOWER_IS_BETTER):
        return None
    shortfall = target - figure if polarity == HIGHER_IS_BETTER else figure - target
    return bool(shortfall <= _NOISE * max(abs(target), 1))


@dataclass(frozen=True)
class YearEndProjection:
    """Where a year-to-date measure is heading by March, two ways.

    ``pro_rata``: the year-to-date figure ÷ months elapsed × 12 (the year so far, repeated). ``run_rate``: the
    year-to-date figure + the mean of the last three months' increments × months remaining (the recent pace,
    carried on); NaN before June, or from July to February without the figure three months back.
    """

    period: str
    months_elapsed: int
    ytd: float
    pro_rata: float
    run_rate: float
    full_year_target: float | None = None
    polarity: str | None = None

    @property
    def months_remaining(self) -> int:
        return 12 - self.months_elapsed

    @property
    def pro_rata_meets_target(self) -> bool | None:
        return meets_target(self.pro_rata, self.full_year_target, self.polarity)

    @property
    def run_rate_meets_target(self) -> bool | None:
        return meets_target(self.run_rate, self.full_year_target, self.polarity)


def project_year_end(ytd: pd.Series, full_year_target: float | None = None,
                     polarity: str | None = None) -> YearEndProjection:
    """Project a year-to-date measure to the end of the financial year from its year-to-date figures, a Series
    indexed by period (``YYYY-MM``).

    The latest period with a figure is the one projected from; only its financial year's figures count (April is
    month 1). The run rate needs at least three months of this year: the mean of the last three months' increments
    is (ytd now − ytd three months back) ÷ 3, the start of the year counting as 0, so the months between may be
    missing but the figure three months back may not (except at the start of the year). In March both projections
    are the year-to-date figure.
    """
    figures = pd.to_numeric(ytd, errors="coerce").astype("float64").dropna().sort_index()
    if figures.empty:
        raise ValueError("no year-to-date figure to project from")
    period = str(figures.index[-1])
    months = months_elapsed(period)
    now = float(figures.iloc[-1])
    run_rate = now if months == 12 else float("nan")  # in March nothing remains: the figure is the outturn
    if 3 <= months < 12:
        back = shift(period, -3)
        then = 0.0 if months == 3 else float(figures.get(back, np.nan))
        run_rate = now + (now - then) / 3 * (12 - months)
    target = None if full_year_target is None or pd.isna(full_year_target) else float(full_year_target)
    return YearEndProjection(period, months, now, now / months * 12, run_rate, target, polarity)


PROJECTION_COLUMNS = ["measure_id", "period", "months_elapsed", "ytd", "full_year_target", "pro_rata_projection",
                      "run_rate_projection", "pro_rata_meets_target", "run_rate_meets_target"]


def year_end_projections(history: pd.DataFrame, polarity: pd.Series | Mapping | None = None) -> pd.DataFrame:
    """``project_year_end`` of every cumulative measure of a rated history with a year-to-date figure, one row
    each (``PROJECTION_COLUMNS``), projected from its latest figure against its full-year target
    (``target_value`` on that row) and polarity (the history's, unless given by measure ID)."""
    rows = history[history["cumulative"].fillna(False).astype(bool) & history["actual_value"].notna()]
    rows = rows.sort_values(["measure_id", "period"], kind="stable")
    polarities = _per_measure(polarity, rows, "polarity")
    projected = []
    for measure_id, measure in rows.groupby("measure_id", sort=True):
        p = project_year_end(measure.set_index("period")["actual_value"], measure["target_value"].iloc[-1],
                             polarities.get(measure_id))
        projected.append([measure_id, p.period, p.months_elapsed, p.ytd, p.full_year_target, p.pro_rata,
                          p.run_rate, p.pro_rata_meets_target, p.run_rate_meets_target])
    return pd.DataFrame(projected, columns=PROJECTION_COLUMNS)
