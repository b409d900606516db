"""Shared test helpers: small workbooks written on the fly, and the bundled data built once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from openpyxl import Workbook

from briefing.paths import DATA_DIR

# Property tests are deterministic: the same examples every run, none remembered between runs (a test that
# passes or fails by the luck of its examples is no test). Explore with HYPOTHESIS_PROFILE=explore.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write ``{sheet: rows}`` to an .xlsx (first row the headers)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


@pytest.fixture
def xlsx(tmp_path):
    """A factory: ``xlsx("name.xlsx", {"Sheet": [[headers], [row], ...]})``."""
    return lambda name, sheets: write_workbook(tmp_path / name, sheets)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


BUILT_PERIOD = "2022-07"


@pytest.fixture(scope="session")
def built_period(tmp_path_factory):
    """Every document of one bundled period, built once per test session by the real command.

    Returns (output root, period). Tests read these files; none may change them.
    """
    from briefing import cli

    out = tmp_path_factory.mktemp("built")
    assert cli.main(["run", BUILT_PERIOD, "--output-dir", str(out), "--jobs", "2", "--no-progress"]) == 0
    return out, BUILT_PERIOD
