"""Warnings over the whole store: evaluate the rules, keep one open alert per series and rule,
and follow each alert through its lifecycle.

Lifecycle: new → acknowledged → dispatched → resolved → closed. Each step records who,
when and a comment in ``alert_events``. A worse level escalates the open alert; a series
that recovers resolves it automatically, with a note.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.accounts.audit import record_in, refuse, required
from indicators.catalog.entries import department_en, department_names
from indicators.catalog.levels import LEVEL_RANK, area_thresholds
from indicators.catalog.periods import day_of, hours_overdue, parse_stored, periods_overdue, shift
from indicators.store import db
from indicators.store.models import (
    Alert,
    AlertEvent,
    Area,
    City,
    ForecastPoint,
    ForecastRun,
    IndicatorDef,
    Latest,
    Observation,
    ThresholdOverride,
)
from indicators.warnings.notify import route_new_alerts
from indicators.warnings.rules import Finding, SeriesState, evaluate

OPEN_STATES = ("new", "acknowledged", "dispatched")
SYSTEM = "system"
# action: (states it may start from, state it leads to)
TRANSITIONS = {
    "acknowledge": ({"new"}, "acknowledged"),
    "dispatch": ({"new", "acknowledged", "dispatched"}, "dispatched"),
    "resolve": (set(OPEN_STATES), "resolved"),
    "close": ({"resolved"}, "closed"),
}


class AlertActionError(ValueError):
    """An alert action that is not allowed from the alert's state; the message says why."""


class UnknownDepartment(AlertActionError):
    """A dispatch to a department that is neither in the catalog nor in the list of departments."""


@dataclass
class WarnReport:
    """What one evaluation did."""

    series: int = 0
    opened: int = 0
    escalated: int = 0
    updated: int = 0
    resolved: int = 0
    findings: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def _optional(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


SEASON_WINDOW_DAYS = 15  # a daily value is compared with the days this close to its date in earlier years
SEASON_YEARS = 3
SEASON_QUANTILES = (0.05, 0.95)


def season_ranges(session: Session, candidates: list[tuple[str, str, date, str]]) -> dict[tuple[str, str], tuple]:
    """What the same time of year reached in earlier years, for the series whose newest value is in warning.

    Args:
        session: the store.
        candidates: (indicator, area, newest period, frequency) of weather and air series in warning.

    Returns:
        (indicator, area) → (5th, 95th percentile) of ``season_range``; series with too little history are left
        out (they are judged on their thresholds alone).
    """
    if not candidates:
        return {}
    histories = season_histories(session, [(c, a) for c, a, *_ in candidates], min(p for _, _, p, _ in candidates))
    ranges = {}
    for code, adcode, period, frequency in candidates:
        found = season_range(histories.get((code, adcode)), period, frequency)
        if found is not None:
            ranges[(code, adcode)] = found
    return ranges


def season_histories(session: Session, series: list[tuple[str, str]], earliest: date) -> dict[tuple[str, str], pd.DataFrame]:
    """The values (columns ``period``, ``value``) of ``series`` from ``SEASON_YEARS`` years before ``earliest``
    on, which ``season_range`` compares a period with."""
    codes, adcodes = sorted({c for c, _ in series}), sorted({a for _, a in series})
    start = earliest.replace(day=1)
    start = start.replace(year=start.year - SEASON_YEARS - 1)
    rows = session.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                  Observation.value)
                           .where(Observation.indicator_code.in_(codes), Observation.area_adcode.in_(adcodes),
                                  Observation.period >= start)).all()
    history = pd.DataFrame([tuple(r) for r in rows], columns=["code", "adcode", "period", "value"])
    return {key: part for key, part in history.groupby(["code", "adcode"])} if len(history) else {}


def season_range(history: pd.DataFrame | None, period: date, frequency: str) -> tuple[float, float] | None:
    """(5th, 95th percentile) of a series' values within ``SEASON_WINDOW_DAYS`` of ``period``'s date (daily), in
    the same week or month, in the ``SEASON_YEARS`` years before; None with too little history."""
    if history is None:
        return None
    same = pd.Series(False, index=history.index)
    for years in range(1, SEASON_YEARS + 1):
        if frequency == "monthly":
            low = high = shift(period, "monthly", -12 * years)
        else:
            then = period - timedelta(days=round(365.25 * years))
            low, high = then - timedelta(days=SEASON_WINDOW_DAYS), then + timedelta(days=SEASON_WINDOW_DAYS)
        same |= (history["period"] >= low) & (history["period"] <= high)
    values = history.loc[same, "value"].astype(float)
    if len(values) < (20 if frequency == "daily" else 2):
        return None
    low, high = values.quantile(SEASON_QUANTILES)
    return float(low), float(high)


def load_states(session: Session, today: date, now: datetime | None = None) -> list[SeriesState]:
    """Everything the rules need about every series in the store, read in a few bulk queries (``now``: the time
    hourly series are judged at; by default the present, or the start of ``today`` when it is another day)."""
    now = now or (datetime.now() if today == date.today() else datetime.combine(today, datetime.min.time()))
    definitions = {row.code: row for row in session.scalars(select(IndicatorDef))}
    areas = {a.adcode: a for a in session.scalars(select(Area))}
    overrides = {(o.indicator_code, o.area_adcode): (o.blue, o.yellow, o.orange, o.red)
                 for o in session.scalars(select(ThresholdOverride))}
    forecasts: dict[tuple[str, str], list[tuple]] = {}
    for row in session.execute(select(ForecastPoint.indicator_code, ForecastPoint.area_adcode, ForecastPoint.period,
                                      ForecastPoint.yhat, ForecastPoint.lower_95, ForecastPoint.upper_95,
                                      ForecastPoint.lower_80, ForecastPoint.upper_80).order_by(ForecastPoint.period)):
        forecasts.setdefault((row[0], row[1]), []).append(tuple(row[2:]))
    bands = {}
    for code, adcode, details in session.execute(select(ForecastRun.indicator_code, ForecastRun.area_adcode,
                                                        ForecastRun.details)):
        band = json.loads(details or "{}").get("band")
        if band:
            bands[(code, adcode)] = band
    states = []
    latest_rows = session.execute(select(Latest.indicator_code, Latest.area_adcode, Latest.period, Latest.value,
                                         Latest.yoy_value, Latest.recent))
    for code, adcode, period, value, yoy_value, recent_json in latest_rows:
        ind, area = definitions.get(code), areas.get(adcode)
        if ind is None or area is None:
            continue
        key = (code, adcode)
        band = bands.get(key)
        recent = tuple((parse_stored(p), v) for p, v in json.loads(recent_json or "[]"))
        states.append(SeriesState(
            code=code, name_zh=ind.name_zh, name_en=ind.name_en, unit=ind.unit, frequency=ind.frequency,
            direction=ind.direction, department=ind.department, department_en=department_en(ind.department),
            thresholds=overrides.get(key, area_thresholds((ind.blue, ind.yellow, ind.orange, ind.red),
                                                          ind.aggregation, area.level)),
            target=ind.target, area_adcode=adcode, area_zh=area.name_zh, area_en=area.name_en,
            recent=recent,
            yoy_value=_optional(yoy_value),
            overdue=_overdue(period, recent, ind.frequency, today, now),
            forecast=tuple(forecasts.get(key, ())),
            band=tuple(band["range"]) if band and band.get("period") == period.isoformat() else None,
            theme=ind.theme, accumulation=ind.accumulation,
        ))
    # Only weather and air figures in warning need their season read from the history.
    candidates = [(s.code, s.area_adcode, s.latest[0], s.frequency) for s in states
                  if s.seasonal and s.latest and s.level(s.latest[1]) in LEVEL_RANK and s.level(s.latest[1]) != "normal"]
    ranges = season_ranges(session, candidates)
    return [replace(s, season_range=ranges.get((s.code, s.area_adcode))) if (s.code, s.area_adcode) in ranges else s
            for s in states]


def _overdue(period: date, recent: tuple, frequency: str, today: date, now: datetime) -> int:
    """Periods past due; for an hourly series, hours past their two hours' grace at ``now``."""
    if frequency == "hourly":
        return hours_overdue(recent[-1][0] if recent else None, now)
    return periods_overdue(period, frequency, today)


def _event(alert: Alert, action: str, *, user: str, to_state: str, comment: str = "",
           from_state: str | None = None, department: str | None = None) -> AlertEvent:
    return AlertEvent(alert_id=alert.id, at=datetime.now(), user=user, action=action, from_state=from_state,
                      to_state=to_state, level=alert.level, department=department, comment=comment)


def _apply(alert: Alert, finding: Finding, now: datetime) -> None:
    alert.level, alert.period = finding.level, day_of(finding.period) if finding.period else None
    alert.sentence_zh, alert.sentence_en = finding.sentence_zh, finding.sentence_en
    alert.details = json.dumps(finding.details, ensure_ascii=False, default=str)
    alert.updated_at = now


def _already_handled(session: Session) -> dict[tuple, tuple[date | None, str]]:
    """For each series and rule, the period and level of its newest resolved or closed alert."""
    newest = (select(func.max(Alert.id)).where(Alert.state.in_(("resolved", "closed")))
              .group_by(Alert.indicator_code, Alert.area_adcode, Alert.rule))
    rows = session.execute(select(Alert.indicator_code, Alert.area_adcode, Alert.rule, Alert.period, Alert.level)
                           .where(Alert.id.in_(newest)))
    return {(c, a, r): (p, lvl) for c, a, r, p, lvl in rows}


def reconcile(session: Session, findings: dict[tuple[str, str, str], Finding], report: WarnReport) -> None:
    """Open, escalate, update or auto-resolve alerts so that they match ``findings``.

    Args:
        session: a session in a transaction.
        findings: the current findings, keyed by (indicator, area, rule).
        report: counts to update.
    """
    now = datetime.now()
    open_alerts = {(a.indicator_code, a.area_adcode, a.rule): a
                   for a in session.scalars(select(Alert).where(Alert.state.in_(OPEN_STATES)))}
    handled = _already_handled(session)
    new_alerts: list[tuple[Alert, Finding]] = []
    for key, finding in findings.items():
        alert = open_alerts.get(key)
        if alert is None:
            previous = handled.get(key)
            # A person resolved this very breach: do not reopen it unless it got worse.
            day = day_of(finding.period) if finding.period else None
            if previous and previous[0] == day and LEVEL_RANK[finding.level] <= LEVEL_RANK[previous[1]]:
                continue
            definition = session.get(IndicatorDef, key[0])
            alert = Alert(indicator_code=key[0], area_adcode=key[1], rule=key[2], state="new",
                          department=definition.department, opened_at=now)
            _apply(alert, finding, now)
            new_alerts.append((alert, finding))
        elif LEVEL_RANK[finding.level] > LEVEL_RANK[alert.level]:
            old = alert.level
            _apply(alert, finding, now)
            session.add(_event(alert, "escalate", user=SYSTEM, from_state=alert.state, to_state=alert.state,
                               comment=f"{old} → {finding.level}"))
            report.escalated += 1
        elif (finding.level, finding.sentence_zh) != (alert.level, alert.sentence_zh):
            _apply(alert, finding, now)
            report.updated += 1
    session.add_all(alert for alert, _ in new_alerts)
    session.flush()
    session.add_all(_event(alert, "open", user=SYSTEM, to_state="new", comment=f.sentence_zh) for alert, f in new_alerts)
    report.opened += len(new_alerts)
    route_new_alerts(session, [alert for alert, _ in new_alerts], now)  # dispatched by the system, at once
    for key, alert in open_alerts.items():
        if key not in findings:
            session.add(_event(alert, "auto_resolve", user=SYSTEM, from_state=alert.state, to_state="resolved",
                               comment="指标已恢复正常,系统自动解除 / back to normal, resolved automatically"))
            alert.state, alert.updated_at = "resolved", now
            report.resolved += 1


def one_story(session: Session, findings: dict[tuple[str, str, str], Finding]) -> dict[tuple[str, str, str], Finding]:
    """One alert per story, the city's, with its districts on the map: a district's threshold warning is left out
    when the city's own figure warns at the same level or worse (a district worse than its city stays: that is
    news of its own); a district's change warning of a city total when the city's figure warns at all; and a
    department late with an indicator is one stale alert, the city's, not one per district.

    Args:
        session: the store (indicators' aggregation, areas' cities).
        findings: (indicator, area, rule) → finding.

    Returns:
        The findings to keep.
    """
    summed = set(session.scalars(select(IndicatorDef.code).where(IndicatorDef.aggregation == "sum")))
    city_of = {adcode: city for adcode, city in session.execute(
        select(Area.adcode, City.adcode).join(City, City.key == Area.city_key))}
    warned = {(code, adcode) for code, adcode, _ in findings}

    def covered(key: tuple[str, str, str], finding: Finding) -> bool:
        code, adcode, rule = key
        city = city_of.get(adcode, adcode)
        if city == adcode:
            return False
        if rule in ("stale", "threshold"):
            above = findings.get((code, city, rule))
            return above is not None and LEVEL_RANK[finding.level] <= LEVEL_RANK[above.level]
        return rule == "change" and code in summed and (code, city) in warned

    return {key: f for key, f in findings.items() if not covered(key, f)}


def run_warnings(today: date | None = None, now: datetime | None = None) -> WarnReport:
    """Evaluate every rule on every series of the current store and update the alerts.

    Args:
        today: the day staleness is judged on (today by default).
        now: the time an hourly series' staleness is judged at (the present, or the start of another ``today``).

    Returns:
        What changed, and how long it took.
    """
    started = time.perf_counter()
    report = WarnReport()
    with Session(db.engine()) as session, session.begin():
        states = load_states(session, today or date.today(), now=now)
        findings = {}
        for state in states:
            for finding in evaluate(state):
                findings[(state.code, state.area_adcode, finding.rule)] = finding
        findings = one_story(session, findings)
        report.series = len(states)
        report.findings = Counter((f.rule, f.level) for f in findings.values())
        reconcile(session, findings, report)
        if report.opened or report.escalated or report.updated or report.resolved:
            db.bump_data_version(session)
    report.seconds = time.perf_counter() - started
    return report


def act(alert_id: int, action: str, *, user: str | None = None, comment: str = "",
        department: str | None = None) -> Alert:
    """Move an alert one step through its lifecycle, as the current viewer, recorded in the alert's
    history and the audit log.

    Args:
        alert_id: the alert.
        action: ``acknowledge``, ``dispatch``, ``resolve`` or ``close``.
        user: who acts (recorded); the current viewer by default.
        comment: why (recorded).
        department: for ``dispatch``: the department it goes to (the indicator's own by default).

    Returns:
        The alert after the step.

    Raises:
        AlertActionError: unknown alert, action or department, or an action not allowed from its state.
        AccessDenied: the viewer's role may not take this action, or the alert is not theirs to see.
        StoreUnavailable: the store cannot be reached (nothing changed).
    """
    if action not in TRANSITIONS:
        raise AlertActionError(f"unknown action {action!r}; allowed: {', '.join(TRANSITIONS)}")
    viewer = required(f"alert.{action}", target=f"alert#{alert_id}", action="alert_action")
    allowed_from, to_state = TRANSITIONS[action]
    with db.transaction(expire_on_commit=False) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise AlertActionError(f"no alert #{alert_id}")
        sensitivity = session.scalar(select(IndicatorDef.sensitivity).where(IndicatorDef.code == alert.indicator_code))
        if not (viewer.sees_area(alert.area_adcode) and viewer.sees_sensitivity(sensitivity)):
            raise refuse(f"alert#{alert_id}", {"action": "alert_action", "step": action},
                         "预警不存在或无权操作 / alert unknown or not permitted")
        user = user or viewer.username
        before = alert.state
        if alert.state not in allowed_from:
            raise AlertActionError(f"alert #{alert_id} is {alert.state}; {action} is allowed only from "
                                   f"{', '.join(sorted(allowed_from))}")
        if action == "dispatch" and department:
            known = set(department_names()) | set(session.scalars(select(IndicatorDef.department).distinct()))
            if department not in known:
                raise UnknownDepartment(f"unknown department {department!r}")
            alert.department = department
        session.add(_event(alert, action, user=user, from_state=alert.state, to_state=to_state, comment=comment,
                           department=alert.department if action == "dispatch" else None))
        alert.state, alert.updated_at = to_state, datetime.now()
        if to_state == "closed":
            alert.closed_at = alert.updated_at
        record_in(session, "alert_action", target=f"alert#{alert_id}",
                  detail={"action": action, "from": before, "to": to_state, "indicator": alert.indicator_code,
                          "area": alert.area_adcode, "department": alert.department if action == "dispatch" else None,
                          "comment": comment}, user=user)
        db.bump_data_version(session)
    return alert
