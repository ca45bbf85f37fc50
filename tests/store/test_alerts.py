"""The warnings engine over a store with known breaches, and the alert lifecycle, on both backends."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.store import db
from indicators.store.models import Alert, AlertEvent, ThresholdOverride
from indicators.warnings.alerts import AlertActionError, act, run_warnings
from tests.store._mini import XIAMEN, create_mini_store, series_frame, write_series

TODAY = date(2024, 12, 10)


@pytest.fixture
def store(store_url):
    create_mini_store(store_url)
    pm_normal = [30.0 + (i % 3) for i in range(20)]
    write_series([
        # Known breaches: 思明 PM2.5 160 for three days (orange, threshold); 湖里 hotline satisfaction 79 (yellow).
        series_frame("ENV-AIR-001", "350203", pm_normal[:17] + [160.0, 165.0, 158.0], "D", date(2024, 12, 9)),
        series_frame("ENV-AIR-001", "350206", pm_normal, "D", date(2024, 12, 9)),
        series_frame("GOV-HOT-001", "350206", [91.0] * 11 + [79.0], "MS", date(2024, 11, 1)),
        series_frame("GOV-HOT-001", "350203", [91.0] * 12, "MS", date(2024, 11, 1)),
        # Stale: the last value is from August, three months overdue by 10 December.
        series_frame("ECO-IND-001", XIAMEN.adcode, [6.0] * 12, "MS", date(2024, 8, 1)),
    ])
    return store_url


def _open_alerts():
    with Session(db.engine()) as session:
        return {(a.indicator_code, a.area_adcode, a.rule): a.level
                for a in session.scalars(select(Alert).where(Alert.state.in_(("new", "acknowledged", "dispatched"))))}


def test_finds_exactly_the_known_breaches(store):
    report = run_warnings(today=TODAY)
    assert _open_alerts() == {
        ("ENV-AIR-001", "350203", "threshold"): "orange",
        ("GOV-HOT-001", "350206", "threshold"): "yellow",
        ("ECO-IND-001", XIAMEN.adcode, "stale"): "yellow",  # two periods overdue (Sep, Oct)
    }
    assert report.opened == 3 and report.series == 5
    with Session(db.engine()) as session:
        alert = session.scalar(select(Alert).where(Alert.rule == "threshold", Alert.area_adcode == "350203"))
        assert alert.sentence_zh == "思明区 PM2.5日均浓度 连续3日高于 150 μg/m³(橙色预警),责任单位:市生态环境局"
        assert alert.department == "市生态环境局" and alert.state == "new"


def test_second_run_deduplicates_escalates_and_auto_resolves(store):
    run_warnings(today=TODAY)
    again = run_warnings(today=TODAY)
    assert (again.opened, again.escalated, again.resolved) == (0, 0, 0)
    pm_normal = [30.0 + (i % 3) for i in range(20)]
    write_series([
        series_frame("ENV-AIR-001", "350203", pm_normal[:17] + [160.0, 165.0, 260.0], "D", date(2024, 12, 9)),
        series_frame("GOV-HOT-001", "350206", [91.0] * 12, "MS", date(2024, 11, 1)),
    ])
    third = run_warnings(today=TODAY)
    assert third.escalated == 1 and third.resolved == 1
    alerts = _open_alerts()
    assert alerts[("ENV-AIR-001", "350203", "threshold")] == "red"
    assert ("GOV-HOT-001", "350206", "threshold") not in alerts
    with Session(db.engine()) as session:
        actions = session.scalars(select(AlertEvent.action).order_by(AlertEvent.id)).all()
    assert ("ENV-AIR-001", "350203", "change") not in alerts  # day-to-day jumps are not the change rule's
    assert actions.count("open") == 3 and "escalate" in actions and "auto_resolve" in actions


def test_per_area_threshold_override(store):
    with Session(db.engine()) as session, session.begin():
        session.add(ThresholdOverride(indicator_code="GOV-HOT-001", area_adcode="350206",
                                      blue=78, yellow=75, orange=70, red=65))
    run_warnings(today=TODAY)
    assert ("GOV-HOT-001", "350206", "threshold") not in _open_alerts()


def _hulis_threshold_alert() -> int:
    run_warnings(today=TODAY)
    with Session(db.engine()) as session:
        return session.scalar(select(Alert.id).where(Alert.rule == "threshold", Alert.area_adcode == "350206"))


def test_lifecycle_keeps_its_whole_history(store):
    alert_id = _hulis_threshold_alert()
    with pytest.raises(AlertActionError, match="close is allowed only from resolved"):
        act(alert_id, "close", user="analyst")
    act(alert_id, "acknowledge", user="analyst", comment="看到了")
    act(alert_id, "dispatch", user="leader", comment="请核查", department="市政务服务中心")
    act(alert_id, "resolve", user="hotline", comment="已整改")
    closed = act(alert_id, "close", user="leader", comment="确认关闭")
    assert closed.state == "closed" and closed.closed_at is not None and closed.department == "市政务服务中心"
    with Session(db.engine()) as session:
        history = session.execute(select(AlertEvent.action, AlertEvent.user, AlertEvent.from_state,
                                         AlertEvent.to_state, AlertEvent.comment)
                                  .where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)).all()
    # Routed at once (issue 19): the system's dispatch to the responsible department comes right after opening.
    assert [h[:2] for h in history] == [("open", "system"), ("dispatch", "system"), ("acknowledge", "analyst"),
                                        ("dispatch", "leader"), ("resolve", "hotline"), ("close", "leader")]
    assert history[1][2:4] == ("new", "new") and "default: responsible department" in history[1][4]
    assert history[3] == ("dispatch", "leader", "acknowledged", "dispatched", "请核查")
    with pytest.raises(AlertActionError, match="unknown action"):
        act(alert_id, "delete", user="x")
    # A person closed this breach: the same period is not reopened by the next run.
    run_warnings(today=TODAY)
    assert ("GOV-HOT-001", "350206", "threshold") not in _open_alerts()


def test_alert_queries_for_the_pages(store):
    from indicators.views.queries import (
        alert_counts,
        alert_history,
        alerts,
        explain_level,
    )

    run_warnings(today=TODAY)
    open_now = alerts("xiamen")
    assert open_now["level"].tolist()[0] == "orange"  # worst first
    assert set(open_now["rule"]) == {"threshold", "stale"}
    assert alert_counts("xiamen") == {"red": 0, "orange": 1, "yellow": 2, "blue": 0}
    assert alerts("xiamen", theme="environment")["indicator_code"].tolist() == ["ENV-AIR-001"]
    assert alerts("xiamen", topic="city_operation")["area_zh"].tolist() == ["湖里区"]
    assert alerts("xiamen", department="市生态环境局", level="orange")["area_adcode"].tolist() == ["350203"]
    assert alerts("ningde").empty
    alert_id = int(alerts("xiamen", rule="threshold", adcode="350206")["id"].iloc[0])
    act(alert_id, "acknowledge", user="analyst", comment="收到")
    assert alert_history(alert_id)["action"].tolist() == ["open", "dispatch", "acknowledge"]  # routed by the system
    assert alerts("xiamen", state="acknowledged")["id"].tolist() == [alert_id]
    assert explain_level("GOV-HOT-001", "350206") == (
        "2024年11月为 79 %,低于黄色阈值 80(阈值:蓝色 85、黄色 80、橙色 75、红色 70)。"
        "来源:12345热线系统;责任单位:市政务服务中心。")
    assert explain_level("GOV-HOT-001", "350203", "en").startswith("91 % in Nov 2024, within all warning thresholds")


def test_an_alert_is_dispatched_only_to_a_known_department(store):
    alert_id = _hulis_threshold_alert()
    with pytest.raises(AlertActionError, match="unknown department"):
        act(alert_id, "dispatch", department="<b>not a department</b>")
    assert act(alert_id, "dispatch", department="市信访局").department == "市信访局"
