"""Loading department files into the store, on SQLite and PostgreSQL: all or nothing."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.cities import load_cities
from indicators.catalog.entries import load_catalog
from indicators.ingest.catalog_edits import sync_catalog
from indicators.ingest.loading import LoadError, load_file, undo_load
from indicators.store import db
from indicators.store.models import AuditEntry, Latest, LoadBatch, Observation, Revision
from indicators.store.writes import sync_city
from indicators.views.queries import series

GOOD = """指标代码,地区,时间,数值
GOV-HOT-001,思明区,2024年1月,"12,345"
GOV-HOT-001,思明区,2024年2月,11800
GOV-HOT-001,湖里区,2024-01,9876
GOV-HOT-001,350206,2024-02,9500
"""


@pytest.fixture
def store(store_url: str) -> str:
    """A migrated store with the real catalog and every configured city, no observations."""
    db.upgrade(store_url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, load_catalog())
        for city in load_cities().values():
            sync_city(session, city)
    return store_url


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _counts() -> tuple[int, int, int]:
    with Session(db.engine()) as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Observation, Revision, Latest))


def _hotline_code() -> str:
    return next(i.code for i in load_catalog() if i.name_zh.startswith("12345") and i.frequency == "monthly"
                and i.spatial_level == "district" and "%" not in i.unit and i.aggregation == "sum")


def test_good_file_loads_once_and_reloading_changes_nothing(store, tmp_path):
    code = _hotline_code()
    path = _write(tmp_path, "hotline.csv", GOOD.replace("GOV-HOT-001", code), "gb18030")
    report = load_file(path, user="tester")
    assert report.ok, report.text()
    assert (report.inserted, report.updated, report.unchanged) == (4, 0, 0)
    assert _counts() == (4, 0, 2)
    assert series(code, "350203")["value"].tolist() == [12345.0, 11800.0]
    again = load_file(path, user="tester")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert _counts() == (4, 0, 2)
    with Session(db.engine()) as session:
        batches = session.execute(select(LoadBatch.user, LoadBatch.file_name, LoadBatch.checksum, LoadBatch.status,
                                         LoadBatch.rows_total)).all()
    assert [b[3] for b in batches] == ["ok", "ok"] and batches[0][:2] == ("tester", "hotline.csv")
    assert len(batches[0][2]) == 64 and batches[0][4] == 4


def test_correction_keeps_the_old_value_as_a_revision(store, tmp_path):
    code = _hotline_code()
    load_file(_write(tmp_path, "a.csv", GOOD.replace("GOV-HOT-001", code)), user="tester")
    fix = "指标代码,地区,时间,数值\n" + f"{code},思明区,2024年2月,11900\n"
    report = load_file(_write(tmp_path, "fix.csv", fix), user="tester")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 0)
    history = series(code, "350203")
    assert history["value"].tolist() == [12345.0, 11900.0]
    assert history["revisions"].tolist() == [0, 1] and history["first_value"].iloc[1] == 11800.0
    with Session(db.engine()) as session:
        latest = session.get(Latest, (code, "350203"))
    assert (latest.value, latest.prev_value) == (11900.0, 12345.0)


def test_bad_file_is_rejected_whole_with_row_level_reasons(store, tmp_path):
    code = _hotline_code()
    bad = ("指标代码,地区,时间,数值\n"
           f"{code},思明区,2024年1月,100\n"          # fine on its own
           f"{code},火星区,2024年1月,100\n"          # unknown area
           f"{code},湖里区,2024年1月,abc\n"          # not a number
           f"NOPE-XXX-001,湖里区,2024年1月,1\n"     # unknown indicator
           f"{code},湖里区,2024-03-15,1\n"           # daily date for a monthly indicator
           f"{code},思明区,2024年1月,100\n")         # duplicate of row 2
    before = _counts()
    report = load_file(_write(tmp_path, "bad.csv", bad), user="tester")
    assert not report.ok
    assert [e.row for e in report.errors] == [3, 4, 5, 6, 7]
    assert [e.column for e in report.errors] == ["地区", "数值", "指标代码", "时间", "数值"]
    assert [e.value for e in report.errors] == ["火星区", "abc", "NOPE-XXX-001", "2024-03-15", "100"]
    reasons = [e.reason for e in report.errors]
    for reason, expected in zip(reasons, ("unknown area", "not a number", "unknown indicator",
                                          "does not match the indicator's frequency", "duplicate key")):
        assert expected in reason
    assert "REJECTED" in report.text() and "火星区" in report.text()
    assert _counts() == before
    with Session(db.engine()) as session:
        assert session.scalars(select(LoadBatch.status)).all() == ["rejected"]


def test_dry_run_counts_but_writes_nothing(store, tmp_path):
    code = _hotline_code()
    report = load_file(_write(tmp_path, "a.csv", GOOD.replace("GOV-HOT-001", code)), user="tester", dry_run=True)
    assert report.ok and report.dry_run and report.inserted == 4
    assert "would load" in report.text()
    assert _counts() == (0, 0, 0)
    with Session(db.engine()) as session:
        assert session.scalar(select(func.count()).select_from(LoadBatch)) == 0


def test_a_failure_half_way_leaves_the_store_as_before(store, tmp_path, monkeypatch):
    code = _hotline_code()
    load_file(_write(tmp_path, "a.csv", GOOD.replace("GOV-HOT-001", code)), user="tester")
    before = _counts()
    from indicators.ingest import loading as loading

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loading, "refresh_latest", explode)
    fix = "指标代码,地区,时间,数值\n" + f"{code},思明区,2024年2月,1\n{code},思明区,2024年3月,2\n"
    with pytest.raises(RuntimeError):
        load_file(_write(tmp_path, "fix.csv", fix), user="tester")
    assert _counts() == before
    assert series(code, "350203")["value"].tolist() == [12345.0, 11800.0]


def _audit() -> list[tuple[str, str, str]]:
    with Session(db.engine()) as session:
        return [tuple(r) for r in session.execute(select(AuditEntry.user, AuditEntry.action, AuditEntry.target)
                                                  .order_by(AuditEntry.id))]


def test_loads_and_rejections_are_audited_with_the_indicators_touched(store, tmp_path):
    code = _hotline_code()
    report = load_file(_write(tmp_path, "good.csv", GOOD.replace("GOV-HOT-001", code)), user="tester")
    assert report.indicators == [code] and report.areas == ["350203", "350206"]
    load_file(_write(tmp_path, "bad.csv", "指标代码,地区,时间,数值\nNOPE-XXX-001,思明区,2024年1月,1\n"), user="tester")
    assert _audit() == [("tester", "data_load", "good.csv"), ("tester", "data_load_rejected", "bad.csv")]
    with Session(db.engine()) as session:
        stored = json.loads(session.scalar(select(LoadBatch.report).where(LoadBatch.file_name == "good.csv")))
    assert stored["indicators"] == [code] and stored["inserted"] == 4


def test_undo_removes_added_values_and_restores_corrected_ones(store, tmp_path):
    code = _hotline_code()
    first = load_file(_write(tmp_path, "a.csv", GOOD.replace("GOV-HOT-001", code)), user="tester")
    fix = "指标代码,地区,时间,数值\n" + f"{code},思明区,2024年2月,11900\n{code},思明区,2024年3月,12000\n"
    second = load_file(_write(tmp_path, "fix.csv", fix), user="tester")
    assert (second.inserted, second.updated) == (1, 1)
    with pytest.raises(LoadError, match="changed by later loads"):
        undo_load(first.batch_id)  # its February value was corrected since: undo the correction first
    undone = undo_load(second.batch_id, comment="wrong month")
    assert (undone.removed, undone.restored) == (1, 1)
    assert series(code, "350203")["value"].tolist() == [12345.0, 11800.0]
    with Session(db.engine()) as session:
        latest = session.get(Latest, (code, "350203"))
        statuses = dict(session.execute(select(LoadBatch.id, LoadBatch.status)).all())
    assert (latest.value, latest.period.month) == (11800.0, 2)
    assert statuses[second.batch_id] == "undone" and statuses[undone.undo_batch_id] == "ok"
    with pytest.raises(LoadError, match="already|已撤销"):
        undo_load(second.batch_id)
    # With the correction undone, the first load can go too: the store is as it was before both.
    undo_load(first.batch_id)
    assert _counts()[0] == 0 and series(code, "350203").empty
    assert [a for _, a, _ in _audit()].count("data_undo") == 2


def test_only_operators_load_and_undo(store, tmp_path):
    import flask

    from indicators.accounts.access import AccessDenied, Viewer

    path = _write(tmp_path, "a.csv", GOOD.replace("GOV-HOT-001", _hotline_code()))
    with flask.Flask(__name__).test_request_context("/"):
        flask.g.viewer = Viewer("ana", "analyst", "internal")
        with pytest.raises(AccessDenied):
            load_file(path)
        flask.g.viewer = Viewer("olga", "operator", "internal")
        report = load_file(path)
        assert report.ok and _audit()[-1] == ("olga", "data_load", "a.csv")
        flask.g.viewer = Viewer("ana", "analyst", "internal")
        with pytest.raises(AccessDenied):
            undo_load(report.batch_id)
