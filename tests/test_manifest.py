"""The run manifest records the lock file the environment was installed from."""
import hashlib
import json

from briefing import manifest
from briefing.manifest import build_manifest, write_manifest
from briefing.paths import PROJ_ROOT


def small_manifest(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "Corporate.xlsx").write_bytes(b"not really a workbook")
    return build_manifest([data / "Corporate.xlsx"], data, {"period": "2022-07"}, ["briefing.html"])


def test_manifest_records_the_lock_files_sha256(tmp_path):
    lock = PROJ_ROOT / "requirements.lock"
    expected = {"path": "requirements.lock", "sha256": hashlib.sha256(lock.read_bytes()).hexdigest()}
    built = small_manifest(tmp_path)
    assert built["lock_file"] == expected
    written = json.loads(write_manifest(tmp_path / "manifest.json", built).read_text())
    assert written["lock_file"] == expected


def test_manifest_records_null_without_a_lock_file(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest, "LOCK_FILE", tmp_path / "requirements.lock")
    built = small_manifest(tmp_path)
    assert built["lock_file"] is None
    assert json.loads(write_manifest(tmp_path / "manifest.json", built).read_text())["lock_file"] is None


def test_the_manifest_names_each_input_by_the_content_that_was_read(tmp_path):
    """A return edited after it was read (while the run goes on) is named by what the briefing was built from;
    every file the briefing read is listed, the register included."""
    import shutil

    from briefing.document import build_briefing, check_parameters
    from briefing.paths import DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "register", data / "register")
    for period in ("2022-06", "2022-07"):
        shutil.copytree(DATA_DIR / "returns" / period, data / "returns" / period)
    b = build_briefing(check_parameters("2022-07", data_dir=str(data), output_dir=str(tmp_path / "out")))
    edited = data / "returns" / "2022-07" / "Public Health.xlsx"
    as_read = hashlib.sha256(edited.read_bytes()).hexdigest()
    edited.write_bytes(edited.read_bytes() + b"\0")  # edited after the briefing read it
    b.save()
    inputs = {f["path"]: f for f in json.loads((tmp_path / "out" / "2022-07" / "manifest.json").read_text())["inputs"]}
    assert inputs["returns/2022-07/Public Health.xlsx"]["sha256"] == as_read
    assert inputs["returns/2022-07/Public Health.xlsx"]["bytes"] == edited.stat().st_size - 1
    register = data / "register" / "2022-23.xlsx"
    assert inputs["register/2022-23.xlsx"]["sha256"] == hashlib.sha256(register.read_bytes()).hexdigest()
    assert len(inputs) == 1 + 2 * 7  # the register and both months' seven returns
