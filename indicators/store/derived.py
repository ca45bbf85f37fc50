"""Derived indicators in the store: recomputed from their inputs in the transaction that changed them.

A derived indicator (the catalog's ``derived`` formula) is never loaded. Whenever a load, an undo, a
correction or the demo generator changes an input series, ``recompute`` evaluates the formulas that read
it — in dependency order, so a derived input is fresh before its reader — for the touched areas, and
writes the difference: new values inserted, changed ones updated, values whose inputs went missing
removed. The rows carry the batch that caused them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, delete, select, tuple_, update

from indicators.catalog.entries import Catalog, Indicator, derived_order
from indicators.catalog.periods import year_ago
from indicators.store.models import Latest, Observation
from indicators.store.writes import insert_observations, refresh_latest

SOURCE = "derived"
KEY = ["adcode", "period"]


def recompute(conn: Connection, catalog: Catalog, touched: Iterable[tuple[str, str]], *, batch_id: int,
              loaded_at: datetime | None = None) -> set[tuple[str, str]]:
    """Recompute the derived indicators that read any of the ``touched`` series, inside the caller's transaction.

    Args:
        conn: a connection inside a transaction.
        catalog: the catalog (formulas, frequencies).
        touched: (code, adcode) series whose values changed.
        batch_id: the load batch recorded with written rows.
        loaded_at: the load time (now by default).

    Returns:
        The derived (code, adcode) series whose values changed (their ``latest`` rows are refreshed).
    """
    loaded_at = loaded_at or datetime.now()
    changed_areas: dict[str, set[str]] = {}
    for code, adcode in touched:
        changed_areas.setdefault(code, set()).add(adcode)
    changed: set[tuple[str, str]] = set()
    for indicator in derived_order(catalog):
        areas = set().union(*(changed_areas.get(code, set()) for code in indicator.formula.inputs))
        if not areas:
            continue
        written = _write(conn, indicator, sorted(areas), batch_id=batch_id, loaded_at=loaded_at)
        for adcode in written:
            changed_areas.setdefault(indicator.code, set()).add(adcode)
            changed.add((indicator.code, adcode))
    if changed:
        refresh_latest(conn, catalog, sorted(changed))
    return changed


def recompute_all(conn: Connection, catalog: Catalog, *, batch_id: int) -> set[tuple[str, str]]:
    """Recompute every derived indicator for every area that has an input (after demo data, a formula edit)."""
    inputs = sorted({code for ind in derived_order(catalog) for code in ind.formula.inputs})
    series = conn.execute(select(Latest.indicator_code, Latest.area_adcode)
                          .where(Latest.indicator_code.in_(inputs))).all()
    # A formula may read only derived inputs; they are touched through their own inputs.
    return recompute(conn, catalog, [tuple(row) for row in series], batch_id=batch_id)


def evaluate(indicator: Indicator, inputs: pd.DataFrame) -> pd.Series:
    """A derived indicator's values from its inputs' observations.

    Args:
        indicator: the derived indicator.
        inputs: the inputs' observations: ``code``, ``adcode``, ``period``, ``value`` (the year before
            included, for formulas that take a growth rate).

    Returns:
        Values on an (adcode, period) index, only where every input is present (and divisors not zero).
    """
    formula = indicator.formula
    wide = inputs.pivot_table(index=KEY, columns="code", values="value", aggfunc="first")
    for code in formula.inputs:
        if code not in wide:
            wide[code] = np.nan
    year_before = {}
    if formula.growth_inputs:
        before_keys = pd.MultiIndex.from_arrays(
            [wide.index.get_level_values("adcode"),
             [year_ago(p, indicator.frequency) for p in wide.index.get_level_values("period")]])
        for code in formula.growth_inputs:
            year_before[code] = pd.Series(wide[code].reindex(before_keys).to_numpy(), index=wide.index)
    values = formula.evaluate({code: wide[code] for code in formula.inputs}, year_before)
    return values.dropna()


def _write(conn: Connection, indicator: Indicator, adcodes: list[str], *, batch_id: int,
           loaded_at: datetime) -> set[str]:
    """Bring one derived indicator's stored values for ``adcodes`` in line with its formula; the areas changed."""
    inputs = _read(conn, list(indicator.formula.inputs), adcodes)
    fresh = evaluate(indicator, inputs) if not inputs.empty else pd.Series(dtype=float)
    stored = _read(conn, [indicator.code], adcodes).set_index(KEY)["value"]
    both = fresh.index.intersection(stored.index)
    differs = ~np.isclose(fresh.loc[both].to_numpy(), stored.loc[both].to_numpy(), rtol=1e-12, atol=1e-12)
    updated, added, gone = both[differs], fresh.index.difference(stored.index), stored.index.difference(fresh.index)
    if len(added):
        frame = fresh.loc[added].rename("value").reset_index()
        frame.insert(0, "code", indicator.code)
        insert_observations(conn, frame, batch_id=batch_id, source=SOURCE, loaded_at=loaded_at)
    if len(updated):
        table = Observation.__table__
        statement = (update(table).where(table.c.indicator_code == bindparam("key_code"),
                                         table.c.area_adcode == bindparam("key_adcode"),
                                         table.c.period == bindparam("key_period"))
                     .values(value=bindparam("new_value"), batch_id=batch_id, source=SOURCE, loaded_at=loaded_at))
        conn.execute(statement, [{"key_code": indicator.code, "key_adcode": adcode, "key_period": period,
                                  "new_value": float(fresh[(adcode, period)])} for adcode, period in updated])
    key = tuple_(Observation.indicator_code, Observation.area_adcode, Observation.period)
    gone_keys = [(indicator.code, adcode, period) for adcode, period in gone]
    for start in range(0, len(gone_keys), 500):
        conn.execute(delete(Observation).where(key.in_(gone_keys[start:start + 500])))
    return {adcode for adcode, _ in [*updated, *added, *gone]}


def _read(conn: Connection, codes: list[str], adcodes: list[str]) -> pd.DataFrame:
    rows = conn.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                               Observation.value)
                        .where(Observation.indicator_code.in_(codes), Observation.area_adcode.in_(adcodes))).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["code", "adcode", "period", "value"])
    frame["value"] = frame["value"].astype(float)
    return frame
