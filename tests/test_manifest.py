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
