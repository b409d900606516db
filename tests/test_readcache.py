"""The run's memory of what it read: keyed on file identity and content, a new copy for every caller."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from briefing.document import build_briefing, check_parameters, prepare_briefing
from briefing.readcache import ReadCache, read_through
from briefing.returns import load_period


@pytest.fixture
def counted(tmp_path):
    """A file, a reader of it that counts how often it really reads, and a cache."""
    path = tmp_path / "figures.txt"
    path.write_text("1,2,3")
    reads = []

    def read():
        reads.append(path)
        return {"values": pd.DataFrame({"v": [int(x) for x in path.read_text().split(",")]}), "notes": ["read"]}

    return ReadCache(), path, read, reads


def test_a_second_read_is_a_copy_that_no_caller_can_change(counted):
    cache, path, read, reads = counted
    first = cache.read(path, "figures", read)
    first["values"].loc[0, "v"] = 99
    first["notes"].append("changed by the first caller")
    second = cache.read(path, "figures", read)
    second["values"].loc[1, "v"] = -1
    third = cache.read(path, "figures", read)
    assert len(reads) == 1 and (cache.hits, cache.misses) == (2, 1)
    assert third["values"]["v"].tolist() == [1, 2, 3] and third["notes"] == ["read"]


def test_a_file_changed_in_content_or_replaced_by_another_is_read_again(counted, tmp_path):
    cache, path, read, reads = counted
    cache.read(path, "figures", read)
    stat = path.stat()
    path.write_text("4,5,6")  # same size; the time put back as it was: only the content tells
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.read(path, "figures", read)["values"]["v"].tolist() == [4, 5, 6]
    replacement = tmp_path / "new.txt"
    replacement.write_text("4,5,6")  # the same content in another file: another inode
    os.replace(replacement, path)
    cache.read(path, "figures", read)
    assert len(reads) == 3
    cache.read(path, "other reading", read)
    assert len(reads) == 4, "what was read is part of the key"


def test_entries_not_read_since_the_last_forget_are_forgotten(counted, tmp_path):
    cache, path, read, reads = counted
    other = tmp_path / "other.txt"
    other.write_text("7")

    def read_other():
        reads.append(other)
        return other.read_text()

    cache.read(path, "figures", read), cache.read(other, "figures", read_other)
    cache.forget_unused()  # a period that read both
    cache.read(path, "figures", read)
    cache.forget_unused()  # the next period read only the first: the other is forgotten
    cache.read(path, "figures", read), cache.read(other, "figures", read_other)
    assert reads == [path, other, other]


def test_errors_are_not_remembered_and_without_a_cache_every_read_is_fresh(counted):
    cache, path, read, reads = counted
    path.write_text("1,x")
    for _ in range(2):
        with pytest.raises(ValueError):
            cache.read(path, "figures", read)
    path.write_text("1,2")
    read_through(None, path, "figures", read), read_through(None, path, "figures", read)
    assert len(reads) == 4 and cache.misses == 2


def test_an_edited_return_between_two_builds_in_one_process_is_seen(data_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    cache, period = ReadCache(), "2022-07"
    run = check_parameters(period, data_dir=str(data))
    before = build_briefing(run, cache=cache)
    again = build_briefing(run, cache=cache)
    assert cache.hits > 0 and before.current.finance.equals(again.current.finance)
    (data / "returns" / period / "Public Health.xlsx").unlink()
    shutil.copy(data / "returns" / "2022-06" / "Adult Services.xlsx", data / "returns" / period / "Adult Services.xlsx")
    after = build_briefing(run, cache=cache)
    assert "Public Health" not in before.current.invalid and after.current.invalid["Public Health"] == "missing"
    assert (after.current.finance["directorate"] != "Public Health").all()
    assert "Adult Services" in after.current.invalid, "June's return in July's folder: its cover says June"
    fresh = build_briefing(run)
    pd.testing.assert_frame_equal(after.ratings, fresh.ratings)
    pd.testing.assert_frame_equal(after.current.finance, fresh.current.finance)


def test_a_month_read_through_the_cache_is_the_month_read_afresh(data_dir):
    cache = ReadCache()
    directorates = ["Adult Services", "Children's Services", "Public Health"]
    for lines in (True, False, True):
        cached, fresh = (load_period(data_dir, "2022-07", directorates, lines, c) for c in (cache, None))
        for table in ("performance", "finance", "savings", "central", "balances"):
            pd.testing.assert_frame_equal(getattr(cached, table), getattr(fresh, table))
        assert (cached.problems, cached.invalid, cached.files) == (fresh.problems, fresh.invalid, fresh.files)
    assert cache.hits > 0


def test_a_prepared_briefing_is_the_briefing_built_in_the_notebook(data_dir, tmp_path):
    run = check_parameters("2022-07", data_dir=str(data_dir), output_dir=str(tmp_path))
    path = prepare_briefing(run, tmp_path / "2022-07.pickle", ReadCache())
    loaded, built = build_briefing(run, str(path)), build_briefing(run)
    pd.testing.assert_frame_equal(loaded.ratings, built.ratings)
    pd.testing.assert_frame_equal(loaded.finance.position, built.finance.position)
    pd.testing.assert_frame_equal(loaded.checks, built.checks)
    assert loaded.header()._repr_html_() == built.header()._repr_html_()
    for key in ("performance", "finance"):
        assert loaded.section(key)._repr_html_() == built.section(key)._repr_html_()
    other = check_parameters("2022-07", "2022-05", data_dir=str(data_dir))
    with pytest.raises(ValueError, match="another run"):
        build_briefing(other, str(path))
