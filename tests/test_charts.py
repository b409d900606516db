"""Charts drawn ahead in a copy of the process: the same PNGs, and nothing lost when the copy fails."""
from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from briefing import charts
from briefing.params import DRAW_AHEAD_VARIABLE

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="drawing ahead needs os.fork")


def month_charts() -> list[charts.Chart]:
    tracking = pd.DataFrame({"Green": [5, 6, 4], "Amber": [2, 1, 3], "Red": [1, 1, 2]})
    variance = pd.DataFrame({"directorate": ["Adults", "Children", "Place"],
                             "variance": [120_000_000, -45_000_000, None]})
    return [charts.rag_by_month_chart(tracking, ["April 2022", "May 2022", "June 2022"]),
            charts.variance_chart(variance)]


def drawn_here(chart: charts.Chart) -> bytes:
    return charts.render(chart.draw, *chart.size)


def test_charts_drawn_ahead_are_the_charts_drawn_here(monkeypatch):
    monkeypatch.setenv(DRAW_AHEAD_VARIABLE, "1")
    ahead = month_charts()
    charts.draw_ahead(ahead)
    drawers = {id(vars(chart)["_drawer"][0]) for chart in ahead}
    assert len(drawers) == 1, "one copy of the process draws them all"
    assert [chart.png for chart in ahead] == [drawn_here(chart) for chart in month_charts()]
    assert all("_drawer" not in vars(chart) for chart in ahead)


def test_without_a_spare_core_nothing_is_drawn_ahead(monkeypatch):
    monkeypatch.delenv(DRAW_AHEAD_VARIABLE, raising=False)
    here = month_charts()
    charts.draw_ahead(here)
    assert all("_drawer" not in vars(chart) and "png" not in vars(chart) for chart in here)


def test_a_chart_the_copy_cannot_draw_is_drawn_here_and_fails_here(monkeypatch):
    monkeypatch.setenv(DRAW_AHEAD_VARIABLE, "1")
    parent = os.getpid()

    def fails_in_the_copy(fig, ax):
        if os.getpid() != parent:
            raise RuntimeError("the copy fails")
        ax.bar([0, 1], [1, 2])

    def broken(fig, ax):
        raise ValueError("no data to draw")

    good, bad = (charts.Chart(f"chart-{n}", "Title", "Subtitle", "Alt", draw) for n, draw in
                 (("good", fails_in_the_copy), ("bad", broken)))
    charts.draw_ahead([good, bad])
    assert good.png == charts.render(fails_in_the_copy), "drawn here after the copy failed"
    with pytest.raises(ValueError, match="no data to draw"):
        bad.png


def test_a_chart_that_warns_is_drawn_here_so_the_warning_is_seen(monkeypatch):
    monkeypatch.setenv(DRAW_AHEAD_VARIABLE, "1")
    drawn_in = []

    def warns(fig, ax):
        drawn_in.append(os.getpid())
        warnings.warn("a label was cut short", UserWarning)
        ax.plot([1, 2], [3, 4])

    quiet, noisy = month_charts()[0], charts.Chart("chart-noisy", "Title", "Subtitle", "Alt", warns)
    charts.draw_ahead([quiet, noisy])
    quiet.png
    with pytest.warns(UserWarning, match="cut short"):
        noisy.png
    assert drawn_in == [os.getpid()], "the copy's drawing was not kept; this process drew it"


def test_a_copy_that_takes_too_long_is_stopped_and_its_charts_drawn_here(monkeypatch):
    monkeypatch.setenv(DRAW_AHEAD_VARIABLE, "1")
    monkeypatch.setattr(charts, "DRAW_AHEAD_TIMEOUT", 0.0)
    ahead = month_charts()
    charts.draw_ahead(ahead)
    drawer = vars(ahead[0])["_drawer"][0]
    assert [chart.png for chart in ahead] == [drawn_here(chart) for chart in month_charts()]
    with pytest.raises(ChildProcessError):
        os.waitpid(drawer.pid, os.WNOHANG)  # stopped and reaped: no process left behind


def test_with_no_process_to_be_had_every_chart_is_drawn_here(monkeypatch):
    monkeypatch.setenv(DRAW_AHEAD_VARIABLE, "1")

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    here = month_charts()
    charts.draw_ahead(here)
    assert all("_drawer" not in vars(chart) for chart in here)
    assert [chart.png for chart in here] == [drawn_here(chart) for chart in month_charts()]
