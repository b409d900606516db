"""The whole path on the bundled data: `briefing run` → HTML, tables.xlsx and manifest.json."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from briefing import cli
from briefing.document import build_briefing, check_parameters
from briefing.manifest import sha256
from briefing.performance import rag_summary

PERIOD = "2022-07"


@pytest.fixture(scope="session")
def built(built_period):
    """The output folder of the session's one run of the real command on the bundled data."""
    out, period = built_period
    assert period == PERIOD
    return out


def test_html_shows_the_months_counts(built, data_dir):
    page = (built / PERIOD / "annex.html").read_text(encoding="utf-8")  # Figure 1 is an officers' table
    briefing = build_briefing(check_parameters(PERIOD, data_dir=str(data_dir)))
    summary = rag_summary(briefing.ratings).set_index("status")["measures"]
    assert summary["Total"] > 30
    text = re.sub(r"<[^>]+>", " ", page)
    assert f"{summary['Green']} of the {summary['Total']} measures reported in July 2022" in text
    figure_1 = page[page.index('id="table-rag-summary"'):]
    figure_1 = figure_1[:figure_1.index("</section>")]
    rows = re.findall(r'<tr[^>]*><th scope="row">(.*?)</th><td class="num"[^>]*>([\d,]+)</td>', figure_1)
    shown = {re.sub(r"<[^>]+>|[✔▲✖○–]", "", k).strip(): int(v) for k, v in rows}
    for status in ("Green", "Amber", "Red", "Monitoring only", "Total"):
        assert shown[status] == summary[status]


def test_html_has_no_code_no_prompts_and_nothing_external(built):
    page = (built / PERIOD / "briefing.html").read_text(encoding="utf-8")
    assert "build_briefing" not in page and "check_parameters" not in page
    assert "jp-InputArea" not in page and "In&nbsp;[" not in page and "¶" not in page
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page)
    assert "<script" not in page
    assert '<html lang="en">' in page
    assert re.search(r"<title>Barsetshire County Council: .*July 2022</title>", page)


def test_tables_workbook_has_a_sheet_per_table_with_unrounded_money(built, data_dir):
    path = built / PERIOD / "tables.xlsx"
    sheets = pd.read_excel(path, sheet_name=None, header=3, engine="openpyxl")
    briefing = build_briefing(check_parameters(PERIOD, data_dir=str(data_dir)))
    assert list(sheets) == ["Contents", *[t.key for t in briefing.tables()]]
    position = sheets["Directorate position"].set_index("Directorate")
    finance = briefing.current.finance
    children = finance[finance["directorate"] == "Children's Services"]
    assert position.loc["Children's Services", "Latest budget £m"] == pytest.approx(
        int(children["latest_budget"].sum()) / 1e8, abs=1e-9)


def test_manifest_lists_every_input_with_its_hash(built, data_dir):
    manifest = json.loads((built / PERIOD / "manifest.json").read_text())
    assert manifest["parameters"]["period"] == PERIOD
    assert manifest["software"]["pandas"] == pd.__version__
    paths = {item["path"] for item in manifest["inputs"]}
    assert f"returns/{PERIOD}/Corporate.xlsx" in paths and "register/2022-23.xlsx" in paths
    assert f"returns/{PERIOD}/Children's Services.xlsx" in paths
    for item in manifest["inputs"]:
        assert item["sha256"] == sha256(data_dir / item["path"])


def test_index_links_the_period(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    assert f'href="{PERIOD}/briefing.html"' in index


def test_a_failed_run_names_the_broken_file_and_keeps_the_good_briefing(built, data_dir, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    good = (out / PERIOD / "briefing.html").read_bytes()
    broken = tmp_path / "data"
    shutil.copytree(data_dir, broken)
    (broken / "register" / "2022-23.xlsx").write_text("not a workbook")
    code = cli.main(["run", PERIOD, "--data-dir", str(broken), "--output-dir", str(out), "--jobs", "1",
                     "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"FAILED {PERIOD} briefing: ReturnError: " in err
    assert "register/2022-23.xlsx" in err
    assert (out / PERIOD / "briefing.html").read_bytes() == good
    assert not list((out / PERIOD).glob(".staging*"))
