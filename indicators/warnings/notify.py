"""Closing the loop: a new alert is routed at once (dispatched by the system, with its deadlines), grouped with
its family, held back by silences, and its notifications written to the outbox; the scheduler's tick then
follows every open alert — acknowledged? resolved? past a deadline? — escalates, and delivers the outbox.

``now`` is passed in everywhere (the tick's clock), so tests move time instead of waiting.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from indicators.accounts.audit import record_in
from indicators.catalog.levels import LEVEL_RANK, Level
from indicators.store import db
from indicators.store.models import (
    Alert,
    AlertEvent,
    AlertGroup,
    AlertTracking,
    Annotation,
    Area,
    IndicatorDef,
    RoutingRule,
    WebhookReceipt,
)
from indicators.warnings.channels import REPLAY_WINDOW_SECONDS
from indicators.warnings.deadlines import HEAD, Policy, escalation_due, is_overdue
from indicators.warnings.outbox import DeliveryReport, Message, deliver_due, enqueue_email, enqueue_webhook
from indicators.warnings.routing import Address, AddressBook, AlertFacts, Route, route, sees
from indicators.warnings.silences import active_silences, silence_matches
from settings import get_settings

SYSTEM = "system"
OPEN_STATES = ("new", "acknowledged", "dispatched")
GROUPED_RULES = ("threshold", "change", "forecast")  # a stale department is one alert already (the city's)


@dataclass
class Names:
    """Indicators' and areas' names and facts, read once per round."""

    indicators: dict[str, IndicatorDef]
    areas: dict[str, Area]

    @classmethod
    def read(cls, session: Session) -> Names:
        return cls({d.code: d for d in session.scalars(select(IndicatorDef))},
                   {a.adcode: a for a in session.scalars(select(Area))})

    def facts(self, alert: Alert) -> AlertFacts:
        definition, area = self.indicators[alert.indicator_code], self.areas[alert.area_adcode]
        return AlertFacts(alert.id, alert.indicator_code, definition.theme,
                          tuple(t for t in (definition.topics or "").split(",") if t), alert.area_adcode,
                          area.city_key, alert.level, alert.rule, definition.department, definition.sensitivity)

    def area(self, adcode: str, lang: str) -> str:
        area = self.areas[adcode]
        return area.name_en if lang == "en" else area.name_zh

    def indicator(self, code: str, lang: str) -> str:
        definition = self.indicators[code]
        return definition.name_en if lang == "en" else definition.name_zh


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


def compose(members: list[Alert], tracking: AlertTracking, names: Names, lang: str, reason: str,
            group: AlertGroup | None = None) -> Message:
    """The message about an alert (or a group's visible members) in ``lang``: subject, body, platform JSON.

    Args:
        members: the alerts the recipient may see (one, or a group's).
        tracking: the first member's deadlines and route.
        names: names of indicators and areas.
        lang: ``zh`` or ``en``.
        reason: ``dispatch`` or ``escalate``.
        group: the group the members belong to, if any.
    """
    worst = max(members, key=lambda a: LEVEL_RANK[a.level])
    level = Level(worst.level).label(lang)
    name = names.indicator(worst.indicator_code, lang)
    where = (names.area(worst.area_adcode, lang) if len(members) == 1
             else (f"{len(members)} areas" if lang == "en" else f"{len(members)}个区县"))
    late = reason == "escalate"
    if lang == "en":
        subject = f"[{'OVERDUE · ' if late else ''}{level} warning] {name} · {where}"
        lines = [a.sentence_en for a in members]
        lines += [f"Acknowledge by {_when(tracking.ack_due)}, resolve by {_when(tracking.resolve_due)}."]
        if late:
            lines.insert(0, "This warning is past its deadline and has been escalated to you.")
    else:
        subject = f"【{'超时升级·' if late else ''}{level}预警】{name} · {where}"
        lines = [a.sentence_zh for a in members]
        lines += [f"签收时限:{_when(tracking.ack_due)};办结时限:{_when(tracking.resolve_due)}。"]
        if late:
            lines.insert(0, "该预警已超过处置时限,现升级报送。")
    base = get_settings().public_url.rstrip("/")
    if base:
        lines.append(f"{base}/alerts?alert={worst.id}")
    routed = json.loads(tracking.routed_to or "{}")
    platform = {
        "source": "cityvitals", "event": f"alert.{reason}", "event_id": f"cityvitals-{'group' if group else 'alert'}-"
                                                                      f"{group.id if group else worst.id}",
        "alert_id": worst.id, "group_id": group.id if group else None, "indicator": worst.indicator_code,
        "indicator_name": names.indicator(worst.indicator_code, "zh"), "level": worst.level, "rule": worst.rule,
        "city": names.areas[worst.area_adcode].city_key, "departments": routed.get("departments", []),
        "ack_due": tracking.ack_due.isoformat() if tracking.ack_due else None,
        "resolve_due": tracking.resolve_due.isoformat() if tracking.resolve_due else None,
        "members": [{"alert_id": a.id, "area": a.area_adcode, "area_name": names.area(a.area_adcode, "zh"),
                     "level": a.level, "sentence": a.sentence_zh} for a in members],
    }
    return Message(subject, "\n".join(lines), platform)


def _notify(session: Session, now: datetime, addresses: list[Address], members: list[Alert], names: Names,
            tracking: AlertTracking, reason: str, group: AlertGroup | None) -> int:
    """Write one message per address, showing only the members the address may see."""
    sensitivity = names.indicators[members[0].indicator_code].sensitivity
    written = 0
    seen: set[tuple] = set()
    for address in addresses:
        key = (address.contact.email if address.contact else None, address.channel.id if address.channel else None)
        if key in seen:
            continue
        seen.add(key)
        visible = [m for m in members if sees(address, sensitivity, m.area_adcode)]
        if not visible:
            continue
        message = compose(visible, tracking, names, address.lang, reason, group)
        if address.channel is not None:
            enqueue_webhook(session, now=now, channel=address.channel, message=message, reason=reason,
                            alert_id=visible[0].id, group_id=group.id if group else None)
        else:
            enqueue_email(session, now=now, to=address.contact.email,
                          recipient=address.contact.name or address.contact.username or address.contact.department,
                          message=message, reason=reason, alert_id=visible[0].id,
                          group_id=group.id if group else None)
        written += 1
    return written


def _family(alert: Alert, names: Names) -> tuple:
    return names.areas[alert.area_adcode].city_key, alert.indicator_code, alert.rule, alert.period


def route_new_alerts(session: Session, alerts: list[Alert], now: datetime, settings=None) -> int:
    """Dispatch new alerts by the routing rules (history: dispatched by the system), set their deadlines, group
    a rule family's alerts of one period across districts, and write their notifications unless silenced.

    Args:
        session: the transaction that opened the alerts (they have ids).
        alerts: the new alerts.
        now: the clock.
        settings: deadlines and working time (the installation's by default).

    Returns:
        How many notifications were written.
    """
    if not alerts:
        return 0
    policy = Policy.from_settings(settings or get_settings())
    names = Names.read(session)
    rules = list(session.scalars(select(RoutingRule)))
    book = AddressBook.read(session)
    silences = active_silences(session, now)
    open_groups = {(g.city_key, g.indicator_code, g.rule, g.period): g
                   for g in session.scalars(select(AlertGroup).where(AlertGroup.state == "open"))}
    families: dict[tuple, list[Alert]] = defaultdict(list)
    for alert in alerts:
        families[_family(alert, names) if alert.rule in GROUPED_RULES else ("alone", alert.id)].append(alert)
    written = 0
    for family, members in families.items():
        group, joined = open_groups.get(family), family in open_groups
        if group is None and len(members) >= 2:
            group = _open_group(session, family, members, names, now)
        units = [members] if group is not None else [[m] for m in members]
        for unit in units:
            written += _dispatch(session, unit, group, joined, names, rules, book, silences, policy, now)
    return written


def _open_group(session: Session, family: tuple, members: list[Alert], names: Names, now: datetime) -> AlertGroup:
    city_key, code, rule, period = family
    worst = Level.worst(m.level for m in members)
    group = AlertGroup(city_key=city_key, indicator_code=code, rule=rule, period=period, level=worst, opened_at=now)
    session.add(group)
    session.flush()
    definition = names.indicators[code]
    session.add(Annotation(
        city_key=city_key, indicator_code=code, starts_on=period or now.date(), group_id=group.id, source="group",
        title_zh=f"{definition.name_zh}{worst.label('zh')}预警事件({len(members)}个区县)",
        title_en=f"{definition.name_en}: {worst.label('en').lower()} warning event ({len(members)} areas)",
        created_by=SYSTEM, created_at=now))
    return group


def _dispatch(session: Session, unit: list[Alert], group: AlertGroup | None, joined: bool, names: Names,
              rules: list[RoutingRule], book: AddressBook, silences, policy: Policy, now: datetime) -> int:
    worst = max(unit, key=lambda a: LEVEL_RANK[a.level])
    facts = names.facts(worst)
    routed: Route = route(rules, facts)
    silence = next((s for s in silences if all(silence_matches(s, names.facts(m), now) for m in unit)), None)
    how = "、".join(routed.rule_names) if routed.rule_names else "默认:责任单位 / default: responsible department"
    tracking_of_worst = None
    for alert in unit:
        if routed.departments:
            alert.department = routed.departments[0]
        ack_due, resolve_due = policy.due(alert.opened_at, alert.level)
        tracking = AlertTracking(alert_id=alert.id, city_key=facts.city_key, routed_to=routed.as_json(),
                                 ack_due=ack_due, resolve_due=resolve_due, escalation=0, overdue=False,
                                 silence_id=silence.id if silence else None, group_id=group.id if group else None,
                                 external_state="")
        session.add(tracking)
        tracking_of_worst = tracking if alert is worst else tracking_of_worst
        to = "、".join(routed.departments + routed.persons)
        session.add(AlertEvent(alert_id=alert.id, at=now, user=SYSTEM, action="dispatch", from_state=alert.state,
                               to_state=alert.state, level=alert.level, department=alert.department,
                               comment=f"系统分拨至 {to}({how})"
                                       + (f";静默 #{silence.id}" if silence else "")
                                       + (f";并入事件 #{group.id}" if group else "")))
    if silence is not None or joined:
        return 0
    return _notify(session, now, book.for_route(routed, facts.city_key), unit, names, tracking_of_worst,
                   "dispatch", group)


@dataclass
class TickReport:
    """What one notification tick did."""

    routed: int = 0
    escalated: int = 0
    overdue: int = 0
    groups_closed: int = 0
    written: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def _first_event_times(session: Session, alert_ids: list[int], actions: tuple[str, ...]) -> dict[int, datetime]:
    times: dict[int, datetime] = {}
    for alert_id, at in session.execute(select(AlertEvent.alert_id, AlertEvent.at)
                                        .where(AlertEvent.alert_id.in_(alert_ids), AlertEvent.action.in_(actions),
                                               AlertEvent.user != SYSTEM)
                                        .order_by(AlertEvent.at)):
        times.setdefault(alert_id, at)
    return times


def follow(session: Session, now: datetime, policy: Policy, report: TickReport) -> None:
    """Record when open alerts were acknowledged and resolved, escalate those past a deadline, mark them overdue,
    and close the groups whose members are all resolved."""
    rows = session.execute(select(Alert, AlertTracking).join(AlertTracking, AlertTracking.alert_id == Alert.id)
                           .where((AlertTracking.resolved_at.is_(None)))).all()
    if not rows:
        return
    ids = [alert.id for alert, _ in rows]
    acked = _first_event_times(session, ids, ("acknowledge", "dispatch", "resolve"))
    resolved = {a: t for a, t in session.execute(
        select(AlertEvent.alert_id, AlertEvent.at).where(AlertEvent.alert_id.in_(ids),
                                                         AlertEvent.action.in_(("resolve", "auto_resolve"))))}
    names = book = None
    for alert, tracking in rows:
        if tracking.acknowledged_at is None and alert.state != "new":
            tracking.acknowledged_at = acked.get(alert.id, now)
        if alert.state in ("resolved", "closed"):
            tracking.resolved_at = resolved.get(alert.id, now)
            continue
        step = escalation_due(policy, state=alert.state, level=alert.level, opened_at=alert.opened_at,
                              ack_due=tracking.ack_due, resolve_due=tracking.resolve_due,
                              escalation=tracking.escalation, now=now)
        if is_overdue(state=alert.state, ack_due=tracking.ack_due, resolve_due=tracking.resolve_due, now=now) \
                and not tracking.overdue:
            tracking.overdue = True
            report.overdue += 1
        if step > tracking.escalation:
            names = names or Names.read(session)
            book = book or AddressBook.read(session)
            report.escalated += 1
            report.written += _escalate(session, alert, tracking, step, names, book, now)
    _close_groups(session, now, report)


def _escalate(session: Session, alert: Alert, tracking: AlertTracking, step: int, names: Names, book: AddressBook,
              now: datetime) -> int:
    tracking.escalation = step
    who = "部门负责人 / department head" if step == HEAD else "市领导 / city leaders"
    session.add(AlertEvent(alert_id=alert.id, at=now, user=SYSTEM, action="escalate", from_state=alert.state,
                           to_state=alert.state, level=alert.level,
                           comment=f"超过处置时限,升级至{who}"))
    if tracking.silence_id is not None:
        return 0
    departments = tuple(json.loads(tracking.routed_to or "{}").get("departments", [])) or (alert.department,)
    city = tracking.city_key
    platform = [a for a in book.for_route(Route(departments, ()), city) if a.channel and a.channel.kind == "platform"]
    return _notify(session, now, book.escalation(step, departments, city) + platform, [alert], names, tracking,
                   "escalate", None)


def _close_groups(session: Session, now: datetime, report: TickReport) -> None:
    for group in session.scalars(select(AlertGroup).where(AlertGroup.state == "open")):
        states = session.scalars(select(Alert.state).join(AlertTracking, AlertTracking.alert_id == Alert.id)
                                 .where(AlertTracking.group_id == group.id)).all()
        if states and all(s not in OPEN_STATES for s in states):
            group.state, group.closed_at = "closed", now
            report.groups_closed += 1


def notify_tick(now: datetime | None = None, settings=None) -> TickReport:
    """One scheduler tick: route open alerts not yet routed, follow deadlines and escalate, deliver the outbox.

    Args:
        now: the clock (the real one by default).
        settings: SMTP, deadlines, retries (the installation's by default).
    """
    now = now or datetime.now()
    settings = settings or get_settings()
    report = TickReport()
    with db.transaction() as session:
        unrouted = list(session.scalars(select(Alert).outerjoin(AlertTracking, AlertTracking.alert_id == Alert.id)
                                        .where(Alert.state.in_(OPEN_STATES), AlertTracking.alert_id.is_(None))
                                        .order_by(Alert.id)))
        report.routed = len(unrouted)
        report.written += route_new_alerts(session, unrouted, now, settings)
        follow(session, now, Policy.from_settings(settings), report)
        if report.routed or report.escalated or report.overdue or report.groups_closed:
            db.bump_data_version(session)
    report.delivery = deliver_due(now, settings)
    return report


PLATFORM_STATES = {"accepted": ("acknowledge", ("new",), "acknowledged"),
                   "handling": ("dispatch", ("new", "acknowledged", "dispatched"), "dispatched"),
                   "done": ("resolve", OPEN_STATES, "resolved")}


class PlatformReportError(ValueError):
    """A state report from the event platform that cannot be applied; the message says why."""


def platform_report(alert_id: int, state: str, *, platform: str, comment: str = "",
                    now: datetime | None = None) -> list[int]:
    """Move an alert (and the rest of its group) as the event platform reports: accepted → acknowledged,
    handling → dispatched, done → resolved. Recorded in each alert's history and the audit log.

    Returns:
        The ids of the alerts that moved.

    Raises:
        PlatformReportError: unknown state or alert, or a state the alert is already past.
    """
    if state not in PLATFORM_STATES:
        raise PlatformReportError(f"state {state!r}: expected one of {', '.join(PLATFORM_STATES)}")
    action, allowed, to_state = PLATFORM_STATES[state]
    now = now or datetime.now()
    with db.transaction() as session:
        tracking = session.get(AlertTracking, alert_id)
        if session.get(Alert, alert_id) is None:
            raise PlatformReportError(f"no alert #{alert_id}")
        ids = [alert_id]
        if tracking is not None and tracking.group_id is not None:
            ids = list(session.scalars(select(AlertTracking.alert_id).where(AlertTracking.group_id == tracking.group_id)))
        moved = []
        for alert in session.scalars(select(Alert).where(Alert.id.in_(ids))):
            if alert.state not in allowed:
                continue
            session.add(AlertEvent(alert_id=alert.id, at=now, user=platform[:64], action=action,
                                   from_state=alert.state, to_state=to_state, level=alert.level,
                                   comment=comment or f"一网统管平台回报:{state}"))
            alert.state, alert.updated_at = to_state, now
            own = session.get(AlertTracking, alert.id)
            if own is not None:
                own.external_state = state
            moved.append(alert.id)
        if not moved:
            raise PlatformReportError(f"alert #{alert_id} is already past {state!r}")
        record_in(session, "webhook_state", target=f"alert#{alert_id}",
                  detail={"state": state, "moved": moved, "comment": comment}, user=platform)
        db.bump_data_version(session)
    return moved


def accept_receipt(signature: str, now: datetime) -> bool:
    """Remember a signed inbound call; False when the same call (its signature) came before: a replay. Receipts
    older than the replay window are dropped (their timestamps would be refused anyway)."""
    with db.transaction() as session:
        session.execute(delete(WebhookReceipt).where(
            WebhookReceipt.at < now - timedelta(seconds=2 * REPLAY_WINDOW_SECONDS)))
        if session.get(WebhookReceipt, signature) is not None:
            return False
        session.add(WebhookReceipt(signature=signature, at=now))
    return True
