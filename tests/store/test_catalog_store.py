"""The catalog in the store: operators' edits, their revisions and audit, the file's later changes, import and export."""

from __future__ import annotations

import flask
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.accounts.access import AccessDenied, Viewer
from indicators.catalog.entries import CatalogError, parse_catalog
from indicators.ingest.catalog_edits import (
    catalog_csv,
    edit_indicator,
    import_catalog,
    revisions,
    store_catalog,
    sync_catalog,
)
from indicators.store import db
from indicators.store.models import AuditEntry, IndicatorDef
from tests.store._mini import MINI, create_mini_store

FILE = (__import__("pathlib").Path(__file__).parents[1] / "data" / "mini_catalog.csv").read_text(encoding="utf-8")


@pytest.fixture
def store(store_url):
    create_mini_store(store_url)
    return store_url


def stored(code: str) -> IndicatorDef:
    with Session(db.engine()) as session:
        row = session.get(IndicatorDef, code)
        session.expunge(row)
        return row


def resync(text: str) -> int:
    with Session(db.engine()) as session, session.begin():
        return sync_catalog(session, parse_catalog(text))


def test_the_store_holds_the_file_until_someone_edits_it(store):
    assert [e.code for e in store_catalog()] == sorted(e.code for e in MINI)
    assert store_catalog()["ENV-AIR-001"] == MINI["ENV-AIR-001"]
    assert resync(FILE) == 0  # the same file again changes nothing


def test_an_edit_is_validated_versioned_and_audited(store):
    made = edit_indicator("ENV-AIR-001", {"red": 200.0, "department": "市环境监测站"}, comment="新标准")
    assert made == [("red", "250.0", "200.0"), ("department", "市生态环境局", "市环境监测站")]
    assert stored("ENV-AIR-001").red == 200.0 and store_catalog()["ENV-AIR-001"].red == 200.0
    history = revisions("ENV-AIR-001")
    assert history[["field", "old_value", "new_value", "source", "comment"]].values.tolist()[::-1] == [
        ["red", "250.0", "200.0", "app", "新标准"], ["department", "市生态环境局", "市环境监测站", "app", "新标准"]]
    with Session(db.engine()) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "catalog_change")).one()
    assert entry.target == "ENV-AIR-001" and "新标准" in entry.detail
    assert edit_indicator("ENV-AIR-001", {"red": 200.0}) == []  # no change, no revision
    # Thresholds must keep their order for the direction (down: blue < yellow < orange < red).
    with pytest.raises(CatalogError, match="thresholds: not ordered"):
        edit_indicator("ENV-AIR-001", {"red": 100.0})
    with pytest.raises(CatalogError, match="not editable in the app: frequency"):
        edit_indicator("ENV-AIR-001", {"frequency": "monthly"})
    with pytest.raises(CatalogError, match="unknown indicator"):
        edit_indicator("NOP-XXX-001", {"red": 1.0})
    assert stored("ENV-AIR-001").red == 200.0


def test_only_operators_and_admins_edit(store):
    with flask.Flask(__name__).test_request_context("/"):
        flask.g.viewer = Viewer("lead", "leader", "restricted")
        with pytest.raises(AccessDenied):
            edit_indicator("ENV-AIR-001", {"red": 200.0})
        flask.g.viewer = Viewer("olga", "operator", "internal")
        edit_indicator("ENV-AIR-001", {"red": 200.0})
    assert revisions("ENV-AIR-001")["user"].tolist() == ["olga"]


def test_an_edit_stands_until_the_file_changes_that_field(store):
    edit_indicator("ENV-AIR-001", {"red": 200.0})
    assert resync(FILE) == 0 and stored("ENV-AIR-001").red == 200.0  # the file did not change: the edit stands
    # The file changes another field of the indicator: that one is taken, the edit still stands.
    renamed = FILE.replace("PM2.5日均浓度", "细颗粒物日均浓度")
    assert resync(renamed) == 1
    row = stored("ENV-AIR-001")
    assert (row.name_zh, row.red) == ("细颗粒物日均浓度", 200.0)
    # The file changes the edited field itself: the file wins, and says so in the history.
    stricter = renamed.replace("75,115,150,250,35", "75,115,150,240,35")
    assert resync(stricter) == 1 and stored("ENV-AIR-001").red == 240.0
    assert revisions("ENV-AIR-001")[["field", "source", "new_value"]].values.tolist()[0] == ["red", "file", "240.0"]


def test_export_and_import_of_the_catalog(store):
    codes = [entry.code for entry in store_catalog()]
    exported = catalog_csv(codes)
    assert parse_catalog(exported).indicators == store_catalog().indicators  # the file's format, whole
    unchanged = import_catalog(exported)
    assert unchanged.ok and unchanged.changes == []
    edited = exported.replace("市信访局", "市信访局(联席办)")
    planned = import_catalog(edited)
    assert planned.ok and planned.changes == [("GOV-PET-001", "department", "市信访局", "市信访局(联席办)")]
    assert stored("GOV-PET-001").department == "市信访局"  # a check writes nothing
    applied = import_catalog(edited, apply=True, comment="机构调整")
    assert applied.applied and stored("GOV-PET-001").department == "市信访局(联席办)"
    assert revisions("GOV-PET-001")["source"].tolist() == ["import"]
    # A file with a structural change, an unknown indicator or a bad entry is refused whole.
    structural = exported.replace("GOV-PET-001,信访总量,Petitions received,governance,petition,件,monthly",
                                  "GOV-PET-001,信访总量,Petitions received,governance,petition,件,weekly")
    refused = import_catalog(structural.replace("市信访局", "市信访办"), apply=True)
    assert not refused.ok and refused.refused == ["GOV-PET-001: frequency"] and not refused.applied
    assert stored("GOV-PET-001").department == "市信访局(联席办)"
    bad = import_catalog(exported.replace("150.0,250.0", "150.0,100.0"))
    assert bad.errors and "ENV-AIR-001" in bad.errors[0] and "thresholds" in bad.errors[0]
    population = next(line for line in exported.splitlines() if line.startswith("ECO-POP-001"))
    unknown = import_catalog(exported + population.replace("ECO-POP-001", "ECO-POP-009") + "\n")
    assert unknown.unknown == ["ECO-POP-009"] and not unknown.ok
