"""How alerts are being handled, for every page that lists them: deadlines, overdue, escalation, group, and the
inbox of the person asking.

``overdue`` is judged at read time (an open alert past a deadline it has not met), so a page shows it the minute
the deadline passes, before the scheduler's tick escalates. Other pages add these columns to their rows with
``with_handling(frame)`` (a frame of ``queries.alerts``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select

from indicators.accounts.access import current_viewer
from indicators.store.models import AlertGroup, AlertTracking, NotifyContact
from indicators.views.queries import alerts, read_frame
from indicators.warnings.deadlines import is_overdue

HANDLING_COLUMNS = ["ack_due", "resolve_due", "acknowledged_at", "resolved_at", "escalation", "overdue", "group_id",
                    "silence_id", "external_state", "routed_departments", "routed_persons"]


def with_handling(frame: pd.DataFrame, now: datetime | None = None) -> pd.DataFrame:
    """``frame`` (rows of ``queries.alerts``, column ``id``, ``state``) with the ``HANDLING_COLUMNS``; alerts
    raised before routing existed get no deadlines and are never overdue."""
    now = now or datetime.now()
    out = frame.copy()
    if out.empty:
        return out.assign(**{c: pd.Series(dtype=object) for c in HANDLING_COLUMNS})
    ids = [int(i) for i in out["id"]]
    tracking = read_frame(select(AlertTracking.alert_id, AlertTracking.ack_due, AlertTracking.resolve_due,
                                 AlertTracking.acknowledged_at, AlertTracking.resolved_at, AlertTracking.escalation,
                                 AlertTracking.group_id, AlertTracking.silence_id, AlertTracking.external_state,
                                 AlertTracking.routed_to).where(AlertTracking.alert_id.in_(ids)))
    routes = [json.loads(r or "{}") for r in tracking["routed_to"]]
    tracking["routed_departments"] = [r.get("departments", []) for r in routes]
    tracking["routed_persons"] = [r.get("persons", []) for r in routes]
    out = out.merge(tracking.drop(columns="routed_to").rename(columns={"alert_id": "id"}), on="id", how="left")
    out["escalation"] = out["escalation"].fillna(0).astype(int)

    def late(row) -> bool:
        ack = None if pd.isna(row["ack_due"]) else pd.Timestamp(row["ack_due"]).to_pydatetime()
        resolve = None if pd.isna(row["resolve_due"]) else pd.Timestamp(row["resolve_due"]).to_pydatetime()
        return is_overdue(state=row["state"], ack_due=ack, resolve_due=resolve, now=now)

    out["overdue"] = out.apply(late, axis=1).astype(bool)
    for column in ("routed_departments", "routed_persons"):
        out[column] = out[column].map(lambda v: v if isinstance(v, list) else [])
    return out


def group_members(group_id: int) -> pd.DataFrame:
    """The alerts of one event (group) the viewer may see, worst first, with their handling."""
    ids = read_frame(select(AlertTracking.alert_id).where(AlertTracking.group_id == group_id))["alert_id"].tolist()
    frame = alerts(state=None)
    return with_handling(frame[frame["id"].isin(ids)].reset_index(drop=True))


def groups(city_key: str) -> pd.DataFrame:
    """The city's events (groups of related alerts), newest first."""
    return read_frame(select(AlertGroup.id, AlertGroup.indicator_code, AlertGroup.rule, AlertGroup.period,
                             AlertGroup.level, AlertGroup.state, AlertGroup.opened_at, AlertGroup.closed_at)
                      .where(AlertGroup.city_key == city_key).order_by(AlertGroup.id.desc()))


@dataclass
class Inbox:
    """The alerts waiting for the person asking: routed to them, to their department, or escalated to them."""

    rows: pd.DataFrame
    departments: list[str]
    overdue: int
    unacknowledged: int


def inbox(city_key: str, now: datetime | None = None) -> Inbox:
    """The current viewer's inbox in ``city_key``: open alerts routed to them by name, to a department they belong
    to (their contact rows), escalated to them as its head or as a city leader — overdue first, then worst.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    viewer = current_viewer()
    contacts = read_frame(select(NotifyContact.department, NotifyContact.role, NotifyContact.city_key)
                          .where(NotifyContact.username == viewer.username, NotifyContact.active.is_(True)))
    contacts = contacts[contacts["city_key"].isna() | (contacts["city_key"] == city_key)]
    member_of = set(contacts.loc[contacts["role"].isin(["member", "mailbox", "head"]), "department"])
    head_of = set(contacts.loc[contacts["role"] == "head", "department"])
    leader = bool((contacts["role"] == "leader").any())
    frame = with_handling(alerts(city_key), now)

    def mine(row) -> bool:
        routed = set(row["routed_departments"]) or {row["department"]}
        return (viewer.username in row["routed_persons"] or bool(routed & member_of)
                or (row["escalation"] >= 1 and bool(routed & head_of)) or (row["escalation"] >= 2 and leader))

    rows = frame[frame.apply(mine, axis=1)] if len(frame) else frame
    rows = rows.assign(_rank=rows["level"].map({"red": 4, "orange": 3, "yellow": 2, "blue": 1}).fillna(0))
    rows = rows.sort_values(["overdue", "_rank", "opened_at"], ascending=[False, False, True]).drop(columns="_rank")
    return Inbox(rows.reset_index(drop=True), sorted(member_of | head_of), int(rows["overdue"].sum()),
                 int((rows["state"] == "new").sum()))
