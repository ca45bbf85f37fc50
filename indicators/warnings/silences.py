"""Silences: no notifications for alerts that match (indicator, theme, district, level, rule kind; empty =
any) within a time window — a maintenance window, a known event. The alerts are still raised, routed and
listed; only the messages are held back. Adding or ending a silence is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.accounts.audit import record_in, required
from indicators.catalog.levels import LEVELS
from indicators.store import db
from indicators.store.models import Silence
from indicators.warnings.routing import AlertFacts, NotifyConfigError, check_city


def silence_matches(silence: Silence, facts: AlertFacts, now: datetime) -> bool:
    """Whether ``silence`` holds back notifications of the alert at ``now``."""
    return (silence.city_key == facts.city_key and silence.starts_at <= now < silence.ends_at
            and (not silence.indicator_code or silence.indicator_code == facts.code)
            and (not silence.theme or silence.theme == facts.theme)
            and (not silence.area_adcode or silence.area_adcode == facts.adcode)
            and (not silence.level or silence.level == facts.level)
            and (not silence.rule_kind or silence.rule_kind == facts.rule))


def active_silences(session: Session, now: datetime) -> list[Silence]:
    """The silences in force at ``now``."""
    return list(session.scalars(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)))


def add_silence(city_key: str, *, starts_at: datetime, ends_at: datetime, comment: str, indicator_code: str = "",
                theme: str = "", area_adcode: str = "", level: str = "", rule_kind: str = "") -> int:
    """Silence matching alerts of ``city_key`` from ``starts_at`` to ``ends_at`` (audited).

    Raises:
        NotifyConfigError: a window that ends before it starts, no reason given, or an unknown level.
        AccessDenied: the viewer may not silence alerts.
    """
    viewer = required("notify.silence", target=f"silence:{city_key}", action="silence")
    check_city(viewer, city_key, "silence")
    if ends_at <= starts_at:
        raise NotifyConfigError("silence: the end must be after the start")
    if not comment.strip():
        raise NotifyConfigError("silence: a reason is required (comment)")
    if level and level not in LEVELS:
        raise NotifyConfigError(f"silence: unknown level {level!r}")
    with db.transaction() as session:
        silence = Silence(city_key=city_key, indicator_code=indicator_code, theme=theme, area_adcode=area_adcode,
                          level=level, rule_kind=rule_kind, starts_at=starts_at, ends_at=ends_at, comment=comment,
                          created_by=viewer.username, created_at=datetime.now())
        session.add(silence)
        session.flush()
        record_in(session, "silence", target=f"silence#{silence.id}",
                  detail={"added": True, "city": city_key, "indicator": indicator_code, "theme": theme,
                          "area": area_adcode, "level": level, "rule": rule_kind, "from": starts_at,
                          "until": ends_at, "comment": comment})
        return silence.id


def end_silence(silence_id: int, now: datetime | None = None) -> None:
    """End a silence now (audited)."""
    required("notify.silence", target=f"silence#{silence_id}", action="silence")
    now = now or datetime.now()
    with db.transaction() as session:
        silence = session.get(Silence, silence_id)
        if silence is None:
            raise NotifyConfigError(f"no silence #{silence_id}")
        silence.ends_at = max(min(silence.ends_at, now), silence.starts_at)
        record_in(session, "silence", target=f"silence#{silence_id}", detail={"ended": now})
