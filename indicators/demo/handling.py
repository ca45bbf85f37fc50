"""The demo city's record of handled warnings: what its departments did with the alerts of the past half year.

Without it a fresh store opens the evaluation (考核) on today's alerts alone, none handled yet, and every department
stands at 0 % on time. The record replays the threshold rule over each city-level series' past periods as the
scheduler would have: a breach opens an alert when its period is published (a breach while the series' alert is
still being handled joins it), the routed department acknowledges and resolves it after delays in working time
drawn around its own promptness — most within their deadlines, a slow department often late — and a late alert
escalates as the live tick does. Only alerts over before ``now`` are written: the current period's warnings are the
live ones, opened by ``run_warnings`` afterwards.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from geo.cities import City
from indicators.catalog.levels import LEVELS
from indicators.catalog.periods import shift
from indicators.store.models import Alert, AlertEvent, AlertTracking
from indicators.warnings.alerts import SYSTEM, load_states, season_histories, season_range
from indicators.warnings.deadlines import HEAD, LEADER, Policy
from indicators.warnings.routing import Route
from indicators.warnings.rules import Finding, SeriesState, ThresholdRule
from settings import get_settings

RECORD_DAYS = 183
# Days after a period's end that its figure is published (a daily figure the next morning).
PUBLISHED_AFTER_DAYS = {"daily": 0, "weekly": 1, "monthly": 14, "quarterly": 19, "yearly": 59}
# Deadlines (acknowledge, resolve) of a level the installation gives none: hours.
UNTIMED_HOURS = (8.0, 168.0)
# A department's promptness scales its delays, from a third of the typical time to 1.6 times it; the typical alert
# is acknowledged in 60 % and resolved in 55 % of its deadline, so a slow department is often late.
PROMPTNESS = (0.3, 1.6)
TYPICAL_SHARE = (0.6, 0.55)
SPREAD = (0.5, 0.45)  # lognormal sigma of the two delays
RESOLUTIONS = (
    "已核实数据,责任单位已落实整改措施 / figures checked, the responsible unit has taken measures",
    "已会同相关部门现场处置,指标回落 / handled on site with the departments concerned, the figure has eased",
    "已核实为阶段性波动,纳入日常跟踪 / checked: a passing swing, followed in routine monitoring",
)
THRESHOLD = ThresholdRule()


@dataclass(frozen=True)
class Handled:
    """One past alert and the times of its handling."""

    state: SeriesState
    finding: Finding
    opened: datetime
    ack_due: datetime
    resolve_due: datetime
    acknowledged: datetime
    resolved: datetime
    resolution: str

    @property
    def escalation(self) -> int:
        return LEADER if self.resolved > self.resolve_due else HEAD if self.acknowledged > self.ack_due else 0


def published(period: date, frequency: str, rng: np.random.Generator) -> datetime:
    """When a period's figure reached the store: the morning after its end plus the publication lag."""
    day = shift(period, frequency, 1) + timedelta(days=PUBLISHED_AFTER_DAYS[frequency])
    return datetime.combine(day, time(8, 30)) + timedelta(minutes=int(rng.integers(0, 150)))


def past_findings(state: SeriesState, history: pd.DataFrame, start: date) -> list[Finding]:
    """The threshold findings of the series' periods from ``start`` up to (not including) its newest period."""
    rows = list(zip(history["period"], history["value"].astype(float)))
    newest = state.latest[0] if state.latest else None
    found = []
    for i, (period, value) in enumerate(rows):
        if period < start or newest is None or period >= newest or state.level(value) not in LEVELS:
            continue
        season = season_range(history, period, state.frequency) if state.seasonal else None
        past = replace(state, recent=tuple(rows[max(0, i - SeriesState.RECENT + 1):i + 1]), yoy_value=None,
                       overdue=0, forecast=(), band=None, season_range=season)
        finding = THRESHOLD.evaluate(past)
        if finding is not None:
            found.append(finding)
    return found


def promptness(department: str, seed: int) -> float:
    """How quickly a department handles its alerts, the same in every record of the seed."""
    return float(np.random.default_rng([seed, zlib.crc32(department.encode())]).uniform(*PROMPTNESS))


def handle(state: SeriesState, finding: Finding, opened: datetime, policy: Policy, speed: float,
           rng: np.random.Generator) -> Handled:
    """The handling of one alert opened at ``opened`` by a department of promptness ``speed``."""
    ack_due, resolve_due = policy.due(opened, finding.level)
    ack_hours, resolve_hours = (d.total_seconds() / 3600 for d in policy.deadlines[finding.level]) \
        if finding.level in policy.deadlines else UNTIMED_HOURS
    if ack_due is None:
        ack_due = policy.working.add(opened, timedelta(hours=ack_hours))
        resolve_due = policy.working.add(opened, timedelta(hours=resolve_hours))
    ack_after = ack_hours * speed * TYPICAL_SHARE[0] * rng.lognormal(0, SPREAD[0])
    resolve_after = max(resolve_hours * speed * TYPICAL_SHARE[1] * rng.lognormal(0, SPREAD[1]), ack_after + 0.25)
    return Handled(state, finding, opened, ack_due, resolve_due,
                   policy.working.add(opened, timedelta(hours=ack_after)),
                   policy.working.add(opened, timedelta(hours=resolve_after)),
                   RESOLUTIONS[int(rng.integers(len(RESOLUTIONS)))])


def series_record(state: SeriesState, findings: list[Finding], policy: Policy, now: datetime, seed: int,
                  rng: np.random.Generator) -> list[Handled]:
    """The alerts one series opened: a finding published while the previous alert is still open joins it."""
    record: list[Handled] = []
    speed = promptness(state.department, seed)
    for finding in findings:
        opened = published(finding.period, state.frequency, rng)
        if record and opened < record[-1].resolved:
            continue
        handled = handle(state, finding, opened, policy, speed, rng)
        if handled.resolved + timedelta(hours=1) >= now:
            break  # still open at ``now``: the live warnings own it
        record.append(handled)
    return record


def add_handling_record(session: Session, city: City, *, seed: int, today: date, now: datetime | None = None,
                        days: int = RECORD_DAYS) -> int:
    """Write the city's handled alerts of the ``days`` before ``today`` (closed, with their history and deadlines).

    Args:
        session: a transaction on a store with the city's demo data (and its latest values).
        city: the demo city; its own (city-level) series are replayed.
        seed: the demo seed (departments' promptness and each delay).
        today: the demo's today; ``now`` (the moment the record ends) defaults to its start, or the present.

    Returns:
        The number of alerts written.
    """
    now = now or (datetime.now() if today == date.today() else datetime.combine(today, time.min))
    policy = Policy.from_settings(get_settings())
    states = [s for s in load_states(session, today, now) if s.area_adcode == city.adcode
              and s.thresholds[0] is not None and s.direction != "neutral" and s.frequency in PUBLISHED_AFTER_DAYS]
    start = today - timedelta(days=days)
    histories = season_histories(session, [(s.code, s.area_adcode) for s in states], start)
    rng = np.random.default_rng([seed, zlib.crc32(city.key.encode())])
    record = []
    for state in states:
        history = histories.get((state.code, state.area_adcode))
        if history is not None:
            history = history.sort_values("period")
            record += series_record(state, past_findings(state, history, start), policy, now, seed, rng)
    record.sort(key=lambda h: h.opened)
    write_record(session, city, record)
    return len(record)


def write_record(session: Session, city: City, record: list[Handled]) -> None:
    """Store the handled alerts in the order they were opened, each with its events and tracking."""
    alerts = []
    for h in record:
        closed = h.resolved + timedelta(minutes=30)
        alerts.append(Alert(indicator_code=h.state.code, area_adcode=h.state.area_adcode, rule=h.finding.rule,
                            level=h.finding.level, state="closed", department=h.state.department,
                            sentence_zh=h.finding.sentence_zh, sentence_en=h.finding.sentence_en,
                            details=json.dumps(h.finding.details, ensure_ascii=False, default=str),
                            period=h.finding.period, opened_at=h.opened, updated_at=closed, closed_at=closed))
    session.add_all(alerts)
    session.flush()
    for alert, h in zip(alerts, record):
        session.add(AlertTracking(alert_id=alert.id, city_key=city.key, routed_to=Route((alert.department,), ()).as_json(),
                                  ack_due=h.ack_due, resolve_due=h.resolve_due, acknowledged_at=h.acknowledged,
                                  resolved_at=h.resolved, escalation=h.escalation, overdue=h.escalation > 0,
                                  external_state=""))
        session.add_all(events(alert, h))


def events(alert: Alert, h: Handled) -> list[AlertEvent]:
    """An alert's history: opened and dispatched by the system, acknowledged, escalated when late, resolved and
    closed by the department's duty officer."""
    officer = f"{alert.department}值班员"

    def event(at, user, action, from_state, to_state, comment=""):
        return AlertEvent(alert_id=alert.id, at=at, user=user, action=action, from_state=from_state,
                          to_state=to_state, level=alert.level, department=alert.department, comment=comment)

    steps = [event(h.opened, SYSTEM, "open", None, "new", h.finding.sentence_zh),
             event(h.opened, SYSTEM, "dispatch", "new", "new",
                   f"系统分拨至 {alert.department}(默认:责任单位 / default: responsible department)")]
    if h.acknowledged > h.ack_due:
        steps.append(event(h.ack_due, SYSTEM, "escalate", "new", "new", "超过处置时限,升级至部门负责人 / department head"))
    steps.append(event(h.acknowledged, officer, "acknowledge", "new", "acknowledged"))
    if h.resolved > h.resolve_due:
        then = "acknowledged" if h.acknowledged <= h.resolve_due else "new"
        steps.append(event(h.resolve_due, SYSTEM, "escalate", then, then, "超过处置时限,升级至市领导 / city leaders"))
    steps.append(event(h.resolved, officer, "resolve", "acknowledged", "resolved", h.resolution))
    steps.append(event(alert.closed_at, officer, "close", "resolved", "closed"))
    return sorted(steps, key=lambda e: e.at)
