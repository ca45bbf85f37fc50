"""The alert centre's view: one city's alerts for a set of filters, one alert's detail, and the lifecycle
steps the viewer may take on it.

Reads go through ``queries`` (which return only what the viewer may see) and are cached as data; a step is
checked here (the alert is the city's and the viewer's to see, the role may take it, the lifecycle allows it)
before ``warnings.alerts.act`` writes it, and every refusal of the first two kinds is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from indicators.accounts import audit
from indicators.accounts.access import current_viewer
from indicators.catalog.levels import Level
from indicators.views.cache import cached
from indicators.views.queries import alert_history, alerts, explain_level, indicators, latest_snapshot, level_counts
from indicators.warnings.alerts import TRANSITIONS, AlertActionError, UnknownDepartment, act

STATES = ("new", "acknowledged", "dispatched", "resolved", "closed")
STATE_CHOICES = ("open", *STATES, "all")
ACTIONS = tuple(TRANSITIONS)
FILTERS = ("level", "rule", "theme", "topic", "area", "department", "state")


@dataclass(frozen=True)
class AlertList:
    """A window of the alerts matching the filters.

    Attributes:
        counts: alerts per level, worst first, with every filter but the level applied (the chips).
        rows: the ``queries.alerts`` rows of the window, in list order.
        total: how many alerts match all the filters.
        shown: how many rows the list holds up to the window's end.
    """

    counts: dict[str, int]
    rows: pd.DataFrame
    total: int
    shown: int


@dataclass(frozen=True)
class AlertDetail:
    """One alert with what its detail shows and what may be done with it.

    Attributes:
        alert: its ``queries.alerts`` row.
        history: its ``queries.alert_history``, oldest first.
        explanation: why the indicator has its colour in the alert's area, in the asked language.
        latest: the indicator's ``queries.latest_snapshot`` row for the area, or None.
        department: the catalog's responsible department, where a dispatch goes by default.
        allowed: the steps the lifecycle allows from the alert's state.
        permitted: those of them the viewer's role may take.
    """

    alert: dict
    history: pd.DataFrame
    explanation: str
    latest: dict | None
    department: str | None
    allowed: tuple[str, ...]
    permitted: tuple[str, ...]


@dataclass(frozen=True)
class ActionOutcome:
    """What came of a lifecycle step: ``done``, or why not (``not_found``, ``not_allowed`` for the role,
    ``refused`` by the lifecycle from ``state``, ``unknown_department``)."""

    result: str
    state: str | None = None
    role: str | None = None

    @property
    def done(self) -> bool:
        return self.result == "done"


def allowed_actions(state: str) -> list[str]:
    """The actions the lifecycle allows from ``state``, in lifecycle order."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


def permitted_actions(state: str) -> list[str]:
    """The actions the lifecycle allows from ``state`` that the viewer's role may take."""
    viewer = current_viewer()
    return [action for action in allowed_actions(state) if viewer.may(f"alert.{action}")]


def level_tally(frame: pd.DataFrame) -> dict[str, int]:
    """Alerts per warning level, worst first."""
    return level_counts(frame)


def filtered_alerts(city: str, filters: Mapping[str, str | None]) -> pd.DataFrame:
    """The city's alerts matching every filter but the level (``state`` ``open`` unless set, ``all`` for any)."""
    state = filters.get("state") or "open"
    return alerts(city, adcode=filters.get("area"), theme=filters.get("theme"), topic=filters.get("topic"),
                  rule=filters.get("rule"), department=filters.get("department"),
                  state=None if state == "all" else state)


@dataclass(frozen=True)
class AlertOverview:
    """What the open alerts of the filters add up to, shown before one is picked.

    Attributes:
        departments: per responsible department ``department``, ``count``, ``worst`` (level) and ``waiting`` (not
            yet acknowledged), most alerts first.
        themes: per theme ``theme`` and ``count``, most first.
        waiting: open alerts nobody has acknowledged yet.
        total: open alerts.
    """

    departments: pd.DataFrame
    themes: pd.DataFrame
    waiting: int
    total: int


@cached
def alert_overview(city: str, filters: tuple[tuple[str, str | None], ...] = ()) -> AlertOverview:
    """The open alerts matching ``filters`` (as ``alert_list``'s, the state left out) summed by department and theme.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    frame = filtered_alerts(city, {**dict(filters), "state": "open"})
    if dict(filters).get("level"):
        frame = frame[frame["level"] == dict(filters)["level"]]
    frame = frame.assign(rank=frame["level"].map(lambda level: Level(level).rank), waiting=frame["state"] == "new")
    departments = (frame.groupby("department", as_index=False)
                   .agg(count=("level", "size"), rank=("rank", "max"), waiting=("waiting", "sum"))
                   .sort_values(["count", "rank"], ascending=False))
    departments["worst"] = departments["rank"].map({level.rank: level.value for level in Level})
    themes = frame.groupby("theme", as_index=False).agg(count=("level", "size")).sort_values("count", ascending=False)
    return AlertOverview(departments=departments.drop(columns="rank").reset_index(drop=True),
                         themes=themes.reset_index(drop=True), waiting=int(frame["waiting"].sum()), total=len(frame))


def alert_list(city: str, filters: Mapping[str, str | None], *, start: int = 0, limit: int = 100) -> AlertList:
    """The alerts of a city matching the filters, rows ``start`` to ``limit`` of them.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    return _alert_list(city, tuple((name, filters.get(name)) for name in FILTERS), start, limit)


@cached
def _alert_list(city: str, filters: tuple[tuple[str, str | None], ...], start: int, limit: int) -> AlertList:
    chosen = dict(filters)
    frame = filtered_alerts(city, chosen)
    counts = level_tally(frame)
    if chosen.get("level"):
        frame = frame[frame["level"] == chosen["level"]]
    return AlertList(counts=counts, rows=frame.iloc[start:limit].reset_index(drop=True), total=len(frame),
                     shown=min(limit, len(frame)))


def find_alert(city: str, alert_id: int) -> dict | None:
    """One alert of the city, in any state, as a ``queries.alerts`` row; None when not found (or not the
    viewer's to see: the two look the same)."""
    match = alerts(city, state=None, alert_id=alert_id)
    return None if match.empty else match.iloc[0].to_dict()


def catalog_department(code: str) -> str | None:
    """The catalog's responsible department of an indicator, where alerts are dispatched by default."""
    frame = indicators()
    match = frame.loc[frame["code"] == code, "department"]
    return None if match.empty else match.iloc[0]


@cached
def alert_detail(city: str, alert_id: int, lang: str) -> AlertDetail | None:
    """One alert of the city with its history, explanation, latest value and possible steps; None when
    the city has no such alert the viewer may see."""
    row = find_alert(city, alert_id)
    if row is None:
        return None
    snapshot = latest_snapshot(row["area_adcode"])
    latest = snapshot[snapshot["code"] == row["indicator_code"]]
    return AlertDetail(alert=row, history=alert_history(alert_id),
                       explanation=explain_level(row["indicator_code"], row["area_adcode"], lang),
                       latest=None if latest.empty else latest.iloc[0].to_dict(),
                       department=catalog_department(row["indicator_code"]),
                       allowed=tuple(allowed_actions(row["state"])), permitted=tuple(permitted_actions(row["state"])))


def take_step(city: str, alert_id: int, action: str, *, comment: str = "",
              department: str | None = None) -> ActionOutcome:
    """Take one lifecycle step on an alert of the city as the signed-in viewer.

    Args:
        city: the city key (the alert must be one of its alerts the viewer may see).
        alert_id: the alert.
        action: ``acknowledge``, ``dispatch``, ``resolve`` or ``close``.
        comment: why (recorded in the history, trimmed).
        department: for ``dispatch``, where it goes (the catalog's department when empty).

    Returns:
        The outcome; refusals are outcomes, not exceptions. An unknown alert or action and a role
        without the right are audited as refused writes.
    """
    row = find_alert(city, alert_id)
    if row is None or action not in TRANSITIONS:
        # Unknown, or beyond the viewer's clearance or scope (the two look the same): a refused write, audited.
        audit.record_refusal(f"alert#{alert_id}", {"action": "alert_action", "step": str(action)[:32]})
        return ActionOutcome("not_found")
    viewer = current_viewer()
    if not viewer.may(f"alert.{action}"):
        audit.record_refusal(f"alert#{alert_id}", {"action": "alert_action", "step": action, "role": viewer.role})
        return ActionOutcome("not_allowed", state=row["state"], role=viewer.role)
    if action not in allowed_actions(row["state"]):
        return ActionOutcome("refused", state=row["state"])
    target = (department or catalog_department(row["indicator_code"])) if action == "dispatch" else None
    try:
        act(alert_id, action, comment=(comment or "").strip(), department=target)
    except UnknownDepartment:
        return ActionOutcome("unknown_department", state=row["state"])
    except AlertActionError:
        # Someone else moved the alert between our read and our write: say where it is now.
        now = find_alert(city, alert_id)
        return ActionOutcome("refused", state=now["state"] if now else row["state"])
    return ActionOutcome("done", state=TRANSITIONS[action][1])
