"""Hourly indicators in the store: values by the hour, rolled up into their daily indicator in the same transaction.

An hourly value is keyed by (indicator, area, hour); the hour is the start of the hour it covers, in local time
(Asia/Shanghai), without a zone. A corrected value replaces the stored one and keeps it as an hourly revision.
Whenever hours change, the day's value of the indicator's ``rolls_up_to`` is recomputed from that day's hours —
their mean, or their sum for an amount — once the day has enough of them; a replaced daily value is kept as a
revision of the same load, so undoing the load brings it back. Hourly values are kept ``retention_days``
(``delete_older_hours``); the daily values stay.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, insert, select, tuple_, update

from indicators.catalog.entries import Catalog
from indicators.store.derived import recompute
from indicators.store.models import HourlyObservation, HourlyRevision, Latest, Observation, Revision
from indicators.store.writes import RECENT_VALUES, insert_observations, refresh_latest, replace_latest

ROLLUP_SOURCE = "hourly rollup"
# GB 3095-2012 (HJ 663-2013): a day's mean concentration needs at least 20 hourly values; a day's total all 24.
HOURS_FOR_A_MEAN = 20
HOURS_FOR_A_SUM = 24
HOURLY_COLUMNS = ["code", "adcode", "observed_at", "value"]


def write_hourly(conn: Connection, frame: pd.DataFrame, *, catalog: Catalog, batch_id: int, source: str,
                 loaded_at: datetime) -> tuple[int, int, int]:
    """Write validated hourly values inside the caller's transaction, then roll the touched days up.

    Args:
        conn: a connection inside a transaction.
        frame: ``code``, ``adcode``, ``observed_at`` (naive local datetime on the hour), ``value``; keys unique.
        catalog: the catalog (each code's ``rolls_up_to``).
        batch_id: the load batch writing them.
        source: recorded with each value.
        loaded_at: the load time.

    Returns:
        (inserted, updated, unchanged) counts of hourly values.
    """
    merged = frame.merge(_stored(conn, frame), on=["code", "adcode", "observed_at"], how="left")
    new = merged[merged["old_value"].isna()]
    known = merged[merged["old_value"].notna()]
    changed = known[(known["value"].astype(float) - known["old_value"].astype(float)).abs() > 1e-12]
    rows = [{"indicator_code": r.code, "area_adcode": r.adcode, "observed_at": r.observed_at, "value": float(r.value),
             "flags": "", "source": source, "batch_id": batch_id, "loaded_at": loaded_at} for r in new.itertuples()]
    if rows:
        conn.execute(insert(HourlyObservation), rows)
    if not changed.empty:
        table = HourlyObservation.__table__
        conn.execute(update(table).where(table.c.indicator_code == bindparam("key_code"),
                                         table.c.area_adcode == bindparam("key_adcode"),
                                         table.c.observed_at == bindparam("key_hour"))
                     .values(value=bindparam("new_value"), batch_id=batch_id, source=source, loaded_at=loaded_at),
                     [{"key_code": r.code, "key_adcode": r.adcode, "key_hour": r.observed_at.to_pydatetime(),
                       "new_value": float(r.value)} for r in changed.itertuples()])
        conn.execute(insert(HourlyRevision), [
            {"indicator_code": r.code, "area_adcode": r.adcode, "observed_at": r.observed_at,
             "old_value": float(r.old_value), "new_value": float(r.value), "old_batch_id": int(r.old_batch_id),
             "batch_id": batch_id, "revised_at": loaded_at} for r in changed.itertuples()])
    touched = pd.concat([new, changed])
    roll_up(conn, catalog, _days(touched), batch_id=batch_id, loaded_at=loaded_at)
    refresh_hourly_latest(conn, catalog, set(zip(touched["code"], touched["adcode"])))
    return len(new), len(changed), len(known) - len(changed)


def _days(frame: pd.DataFrame) -> set[tuple[str, str, date]]:
    return {(code, adcode, moment.date()) for code, adcode, moment in
            zip(frame["code"], frame["adcode"], pd.to_datetime(frame["observed_at"]).dt.to_pydatetime())}


def _stored(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """The stored hourly values of the keys in ``frame``, read per indicator and time range."""
    columns = ["code", "adcode", "observed_at", "old_value", "old_batch_id"]
    parts = []
    for code, part in frame.groupby("code"):
        rows = conn.execute(select(HourlyObservation.indicator_code, HourlyObservation.area_adcode,
                                   HourlyObservation.observed_at, HourlyObservation.value, HourlyObservation.batch_id)
                            .where(HourlyObservation.indicator_code == code,
                                   HourlyObservation.area_adcode.in_(part["adcode"].unique().tolist()),
                                   HourlyObservation.observed_at.between(part["observed_at"].min(),
                                                                         part["observed_at"].max()))).all()
        parts.append(pd.DataFrame([tuple(r) for r in rows], columns=columns))
    stored = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    stored["observed_at"] = pd.to_datetime(stored["observed_at"])
    return stored


def daily_value(values: list[float], sums: bool) -> float | None:
    """A day's value from its hourly values: their sum (all 24 hours) or mean (at least 20), else None."""
    if len(values) < (HOURS_FOR_A_SUM if sums else HOURS_FOR_A_MEAN):
        return None
    return float(sum(values)) if sums else float(sum(values) / len(values))


def roll_up(conn: Connection, catalog: Catalog, days: Iterable[tuple[str, str, date]], *, batch_id: int,
            loaded_at: datetime) -> set[tuple[str, str]]:
    """Recompute the daily values of the (hourly code, area, day)s given from their hours.

    A day without enough hours keeps the value it has. A replaced value is kept as a revision of ``batch_id``.

    Returns:
        The daily (code, area) series that changed (their ``latest`` rows and derived readers are refreshed).
    """
    fresh = []
    for code, adcode, day in sorted(days):
        indicator = catalog[code]
        if not indicator.rolls_up_to:
            continue
        values = conn.scalars(select(HourlyObservation.value).where(
            HourlyObservation.indicator_code == code, HourlyObservation.area_adcode == adcode,
            HourlyObservation.observed_at >= datetime.combine(day, datetime.min.time()),
            HourlyObservation.observed_at < datetime.combine(day + timedelta(days=1), datetime.min.time()))).all()
        value = daily_value(list(values), indicator.rollup_sums)
        if value is not None:
            fresh.append((indicator.rolls_up_to, adcode, day, round(value, 6)))
    changed = _write_daily(conn, fresh, batch_id=batch_id, loaded_at=loaded_at)
    if changed:
        refresh_latest(conn, catalog, sorted(changed))
        recompute(conn, catalog, sorted(changed), batch_id=batch_id, loaded_at=loaded_at)
    return changed


def _write_daily(conn: Connection, fresh: list[tuple[str, str, date, float]], *, batch_id: int,
                 loaded_at: datetime) -> set[tuple[str, str]]:
    if not fresh:
        return set()
    key = tuple_(Observation.indicator_code, Observation.area_adcode, Observation.period)
    stored = {}
    for start in range(0, len(fresh), 500):
        chunk = [(code, adcode, day) for code, adcode, day, _ in fresh[start:start + 500]]
        stored.update({(c, a, p): (v, b) for c, a, p, v, b in conn.execute(
            select(Observation.indicator_code, Observation.area_adcode, Observation.period, Observation.value,
                   Observation.batch_id).where(key.in_(chunk)))})
    added = [row for row in fresh if row[:3] not in stored]
    changed = [row for row in fresh if row[:3] in stored and abs(stored[row[:3]][0] - row[3]) > 1e-9]
    if added:
        insert_observations(conn, pd.DataFrame(added, columns=["code", "adcode", "period", "value"]),
                            batch_id=batch_id, source=ROLLUP_SOURCE, loaded_at=loaded_at)
    table = Observation.__table__
    for code, adcode, day, value in changed:
        conn.execute(update(table).where(table.c.indicator_code == code, table.c.area_adcode == adcode,
                                         table.c.period == day)
                     .values(value=value, batch_id=batch_id, source=ROLLUP_SOURCE, loaded_at=loaded_at))
    if changed:
        conn.execute(insert(Revision), [
            {"indicator_code": code, "area_adcode": adcode, "period": day, "old_value": stored[(code, adcode, day)][0],
             "new_value": value, "old_batch_id": stored[(code, adcode, day)][1], "batch_id": batch_id,
             "revised_at": loaded_at} for code, adcode, day, value in changed])
    return {(code, adcode) for code, adcode, _, _ in [*added, *changed]}


def refresh_hourly_latest(conn: Connection, catalog: Catalog, series: Iterable[tuple[str, str]]) -> None:
    """Recompute ``latest`` for hourly series: the newest hour's value (its day as ``period``), the hour before's,
    and the last hours in ``recent`` as ``2025-06-30T14:00`` (a series left without hours loses its row)."""
    rows = []
    for code, adcode in sorted(series):
        where = (HourlyObservation.indicator_code == code, HourlyObservation.area_adcode == adcode)
        newest = conn.execute(select(HourlyObservation.observed_at, HourlyObservation.value, HourlyObservation.batch_id)
                              .where(*where).order_by(HourlyObservation.observed_at.desc())
                              .limit(RECENT_VALUES + 1)).all()
        if not newest:
            conn.execute(delete(Latest).where(Latest.indicator_code == code, Latest.area_adcode == adcode))
            continue
        count, first = conn.execute(select(func.count(), func.min(HourlyObservation.observed_at)).where(*where)).one()
        last_hour, value, batch = newest[0]
        before = [v for hour, v, _ in newest[1:] if hour == last_hour - timedelta(hours=1)]
        recent = [[f"{hour:%Y-%m-%dT%H:%M}", float(v)] for hour, v, _ in reversed(newest[:RECENT_VALUES])]
        rows.append({"indicator_code": code, "area_adcode": adcode, "period": last_hour.date(), "value": float(value),
                     "prev_value": float(before[0]) if before else None, "yoy_value": None, "period_value": None,
                     "period_yoy_value": None, "first_period": first.date(), "count": int(count),
                     "batch_id": int(batch), "recent": json.dumps(recent)})
    replace_latest(conn, rows)


def delete_older_hours(conn: Connection, catalog: Catalog, *, retention_days: int, now: datetime) -> int:
    """Delete hourly values older than ``retention_days`` before ``now`` (their daily rollups stay).

    Returns:
        How many hourly values were deleted.
    """
    cutoff = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=retention_days)
    older = HourlyObservation.observed_at < cutoff
    series = conn.execute(select(HourlyObservation.indicator_code, HourlyObservation.area_adcode)
                          .where(older).distinct()).all()
    deleted = conn.execute(delete(HourlyObservation).where(older)).rowcount
    conn.execute(delete(HourlyRevision).where(HourlyRevision.observed_at < cutoff))
    refresh_hourly_latest(conn, catalog, [tuple(row) for row in series])
    return deleted


def undo_hourly(conn: Connection, catalog: Catalog, batch_id: int, undo_id: int, *, now: datetime) -> int:
    """Undo a load's hourly values: put back those it corrected (kept as revisions of the undo), delete those it
    added. The daily values it rolled up are the daily undo's (they are revisions and rows of the same load).

    Returns:
        How many hourly values were restored or removed.
    """
    table = HourlyObservation.__table__
    corrected = conn.execute(select(HourlyRevision.indicator_code, HourlyRevision.area_adcode,
                                    HourlyRevision.observed_at, HourlyRevision.old_value, HourlyRevision.new_value,
                                    HourlyRevision.old_batch_id).where(HourlyRevision.batch_id == batch_id)).all()
    for code, adcode, hour, old, _new, old_batch in corrected:
        conn.execute(update(table).where(table.c.indicator_code == code, table.c.area_adcode == adcode,
                                         table.c.observed_at == hour)
                     .values(value=old, batch_id=old_batch, source=f"undo #{batch_id}", loaded_at=now))
    if corrected:
        conn.execute(insert(HourlyRevision), [
            {"indicator_code": code, "area_adcode": adcode, "observed_at": hour, "old_value": new, "new_value": old,
             "old_batch_id": batch_id, "batch_id": undo_id, "revised_at": now}
            for code, adcode, hour, old, new, _ in corrected])
    added = conn.execute(select(HourlyObservation.indicator_code, HourlyObservation.area_adcode).distinct()
                         .where(HourlyObservation.batch_id == batch_id)).all()
    removed = conn.execute(delete(HourlyObservation).where(HourlyObservation.batch_id == batch_id)).rowcount
    refresh_hourly_latest(conn, catalog, {(c, a) for c, a, *_ in corrected} | {tuple(row) for row in added})
    return len(corrected) + removed


def hourly_values(conn: Connection, code: str, adcodes: list[str], since: datetime,
                  until: datetime | None = None) -> pd.DataFrame:
    """Hourly values of ``code`` for ``adcodes`` from ``since`` (up to ``until``): ``HOURLY_COLUMNS``, by time."""
    query = select(HourlyObservation.indicator_code, HourlyObservation.area_adcode, HourlyObservation.observed_at,
                   HourlyObservation.value).where(HourlyObservation.indicator_code == code,
                                                  HourlyObservation.area_adcode.in_(adcodes),
                                                  HourlyObservation.observed_at >= since)
    if until is not None:
        query = query.where(HourlyObservation.observed_at <= until)
    rows = conn.execute(query.order_by(HourlyObservation.observed_at)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=HOURLY_COLUMNS)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"])
    frame["value"] = frame["value"].astype(float)
    return frame
