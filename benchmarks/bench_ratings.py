"""How long rating takes: 500 synthetic measures over 24 months, rated month by month.

Run ``python benchmarks/bench_ratings.py``. It times ``rate_measures`` for each
month and ``add_direction_of_travel`` over the whole history, as
``Briefing.rated_history`` does, and prints the times. The target is well
under a second in all. This is a benchmark script, not a test: nothing fails
when it is slow.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from briefing.periods import shift
from briefing.ratings import add_direction_of_travel, rate_measures

FREQUENCIES = ["Monthly"] * 6 + ["Quarterly"] * 2 + ["Six-monthly", "Annual", "Termly"]
POLARITIES = ["Higher is better"] * 5 + ["Lower is better"] * 4 + ["Monitoring only"]


def synthetic_register(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` measures of every frequency and polarity; one in ten a judgement (text) target."""
    ids = [f"M{i:04d}" for i in range(n)]
    polarity = rng.choice(POLARITIES, n)
    judgement = (rng.random(n) < 0.1) & (polarity != "Monitoring only")
    target_value = np.where(judgement | (polarity == "Monitoring only"), np.nan, rng.uniform(10, 1000, n).round(1))
    return pd.DataFrame({
        "measure_id": ids, "measure": [f"Measure {i}" for i in ids],
        "priority": [f"P{i % 10:02d}: Priority {i % 10}" for i in range(n)],
        "directorate": [f"Directorate {i % 6}" for i in range(n)], "director": "A Director",
        "frequency": rng.choice(FREQUENCIES, n), "polarity": polarity, "unit": "number",
        "target": np.where(judgement, "Top quartile", target_value.astype(object)),
        "amber_tolerance": np.where(rng.random(n) < 0.3, 10.0, np.nan),
        "cumulative": rng.random(n) < 0.2, "target_value": target_value, "judgement": judgement,
        "target_text": np.where(judgement, "Top quartile", pd.Series(target_value).astype(str)),
    })


def synthetic_performance(register: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One return row per measure: an actual near its target, a few blanks and Reported RAGs."""
    n = len(register)
    actual = register["target_value"].fillna(100).to_numpy() * rng.uniform(0.8, 1.2, n)
    actual = np.where(rng.random(n) < 0.05, np.nan, actual.round(2))
    reported = np.where(register["judgement"] | (rng.random(n) < 0.05), rng.choice(["R", "A", "G", ""], n), None)
    return pd.DataFrame({
        "measure_id": register["measure_id"], "actual": pd.Series(actual, dtype="object"),
        "reported_rag": reported, "outlook": rng.choice(["Improving", "Stable", "Deteriorating", None], n),
        "commentary": "Commentary", "risk_impact": None, "finance_impact": None,
        "not_reported_reason": None, "file": register["directorate"] + ".xlsx", "sheet": "Performance",
        "row": np.arange(2, n + 2), "letters": [{"actual": "B"}] * n, "directorate": register["directorate"],
    })


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=500)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3, help="runs to time; the best is reported")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20220701)
    register = synthetic_register(args.measures, rng)
    periods = [shift("2021-04", k) for k in range(args.months)]
    returns = {p: synthetic_performance(register, rng) for p in periods}
    best_rate = best_direction = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        rated = [rate_measures(register, returns[p], p, 5.0) for p in periods]
        middle = time.perf_counter()
        history = add_direction_of_travel(pd.concat(rated, ignore_index=True))
        end = time.perf_counter()
        best_rate, best_direction = min(best_rate, middle - start), min(best_direction, end - middle)
    print(f"{args.measures} measures x {args.months} months: {len(history):,} rated rows")
    print(f"rate_measures, every month:    {best_rate:.3f} s")
    print(f"add_direction_of_travel:       {best_direction:.3f} s")
    print(f"total:                         {best_rate + best_direction:.3f} s (best of {args.repeat})")


if __name__ == "__main__":
    main()
