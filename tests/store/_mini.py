"""A small store for engine tests: the six-indicator mini catalog, Xiamen's areas, hand-made series."""

from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from geo.cities import get_city
from indicators.catalog.entries import parse_catalog
from indicators.ingest.catalog_edits import sync_catalog
from indicators.store import db
from indicators.store.models import LoadBatch, Observation
from indicators.store.writes import insert_observations, refresh_latest, sync_city

MINI = parse_catalog((Path(__file__).parents[1] / "data" / "mini_catalog.csv").read_text(encoding="utf-8"))
XIAMEN = get_city("xiamen")


def create_mini_store(url: str) -> None:
    """Migrate the store at ``url`` and load the mini catalog and Xiamen's areas."""
    db.upgrade(url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, MINI)
        sync_city(session, XIAMEN)


def series_frame(code: str, adcode: str, values: list[float], freq: str, end) -> pd.DataFrame:
    """A series ending on ``end`` (pandas frequency ``freq``: "D", "MS" …)."""
    periods = pd.date_range(end=end, periods=len(values), freq=freq).date
    return pd.DataFrame({"code": code, "adcode": adcode, "period": periods, "value": values})


def write_series(frames: list[pd.DataFrame], *, replace: bool = True) -> None:
    """Store the frames in one load batch: as each series' whole history, or added to it."""
    with Session(db.engine()) as session, session.begin():
        load = LoadBatch(kind="test", status="ok", finished_at=datetime.now())
        session.add(load)
        session.flush()
        conn = session.connection()
        for frame in frames:
            code, adcode = frame["code"].iat[0], frame["adcode"].iat[0]
            if replace:
                conn.execute(delete(Observation).where(Observation.indicator_code == code,
                                                       Observation.area_adcode == adcode))
            insert_observations(conn, frame, batch_id=load.id, source="test", loaded_at=datetime.now())
            refresh_latest(conn, MINI, [(code, adcode)])
