"""manage.py screen import on a real store: refused whole when broken, audited, and the data version bumped."""

import subprocess
import sys
from pathlib import Path

import pytest

from indicators.accounts.audit import entries
from indicators.store import db

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, data_dir: Path, store: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "CITYVITALS_DATA_DIR": str(data_dir), "HOME": str(data_dir),
           "CITYVITALS_DATABASE_URL": store}
    return subprocess.run([sys.executable, "manage.py", "screen", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
def test_manage_screen_check_export_import(tmp_path, store_url):
    db.upgrade(store_url)
    with db.transaction() as session:
        before = db.data_version(session)
    exported = tmp_path / "screens.out.yaml"
    assert _manage("export", str(exported), data_dir=tmp_path, store=store_url).returncode == 0
    edited = exported.read_text(encoding="utf-8").replace("城市运行一屏通览", "泉州城市运行总览")
    (tmp_path / "edited.yaml").write_text(edited, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(edited.replace("theme: market", "theme: weather", 1), encoding="utf-8")
    refused = _manage("import", str(broken), data_dir=tmp_path, store=store_url)
    assert refused.returncode == 1 and "line " in refused.stderr and "weather" in refused.stderr
    assert not (tmp_path / "screens.yaml").exists()  # nothing written
    assert _manage("check", str(tmp_path / "edited.yaml"), data_dir=tmp_path, store=store_url).returncode == 0
    imported = _manage("import", str(tmp_path / "edited.yaml"), data_dir=tmp_path, store=store_url)
    assert imported.returncode == 0 and (tmp_path / "screens.yaml").read_text(encoding="utf-8") == edited
    again = _manage("export", data_dir=tmp_path, store=store_url)
    assert again.stdout == edited  # the installation's file is the one in use; export → import → export is identical
    with db.transaction() as session:
        assert db.data_version(session) == before + 1  # the walls' cached answers are stale at once
    changes = entries(action="screens_change").to_dict("records")
    assert len(changes) == 1 and changes[0]["target"] == "screens.yaml"
    assert _manage("import", str(tmp_path / "edited.yaml"), data_dir=tmp_path, store=store_url).returncode == 0
    assert len(list(tmp_path.glob("screens.2*.yaml"))) == 1  # the previous version is kept
