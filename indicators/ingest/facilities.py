"""Loading a city's facilities (the map's point layers) from a CSV file: every row valid, or nothing written.

Columns (header names as written): ``kind`` (school, hospital, market, monitoring_station,
fire_station), ``name_zh``, ``name_en`` (optional; the Chinese name when empty), ``lat``, ``lon``
(WGS84 degrees, inside the city's boundaries' bounding box), ``area_adcode`` (a district of the
city) and ``capacity`` (optional number). A valid file replaces the city's facilities of the kinds
it contains (a department delivers its whole list), in one transaction, recorded as a load batch. Like every
load it is checked against the loader's scope first (``Viewer.writes_area``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from geo.cities import City, get_city
from geo.polygons import district_polygons
from indicators.accounts.access import Viewer
from indicators.accounts.audit import actor, record_refusal, refuse, required
from indicators.ingest.importer import RowError
from indicators.ingest.write_scope import NOT_PERMITTED
from indicators.store import db
from indicators.store.models import FACILITY_KINDS, Facility, LoadBatch

REQUIRED = ("kind", "name_zh", "lat", "lon", "area_adcode")
OPTIONAL = ("name_en", "capacity")


@dataclass
class FacilityReport:
    """The outcome of loading one facilities file."""

    file_name: str
    checksum: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    inserted: int = 0
    replaced: int = 0
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the file was valid and written."""
        return not self.errors

    def text(self) -> str:
        """The report for a terminal: a summary line, then one line per problem."""
        if self.ok:
            return (f"{self.file_name}: OK, loaded {self.inserted} facilities (replacing {self.replaced}) "
                    f"[load #{self.batch_id}]")
        lines = [f"{self.file_name}: REJECTED, nothing written — {len(self.errors)} problem(s):",
                 f"{'row':>6}  {'column':<12} {'value':<20} reason"]
        lines += [f"{e.row:>6}  {e.column[:12]:<12} {str(e.value)[:20]:<20} {e.reason}" for e in self.errors]
        return "\n".join(lines)


def city_box(city: City) -> tuple[float, float, float, float]:
    """The bounding box (min lon, min lat, max lon, max lat) of the city's district boundaries."""
    lons, lats = [], []
    for polygons in district_polygons(city).values():
        for polygon in polygons:
            lons += polygon[0][:, 0].tolist()
            lats += polygon[0][:, 1].tolist()
    return min(lons), min(lats), max(lons), max(lats)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", content, 0, 1, "neither UTF-8 nor GB18030")


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_facilities(content: bytes, city: City) -> tuple[list[dict], list[RowError]]:
    """Validate every row of a facilities CSV for ``city``.

    Returns:
        The rows as :class:`Facility` values, and every problem (row 1 is the header, 0 the whole file).
    """
    if b"\x00" in content:  # binary, and PostgreSQL could not store the text anyway
        return [], [RowError(0, "", "", "binary data, not CSV text")]
    try:
        reader = csv.DictReader(io.StringIO(_decode(content)))
        records = list(reader)
    except UnicodeDecodeError:
        return [], [RowError(0, "", "", "the file is neither UTF-8 nor GB18030 text")]
    except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
        return [], [RowError(0, "", "", f"not a readable CSV table ({exc})")]
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [RowError(1, c, "", "required column missing") for c in missing]
    adcodes = {d.adcode for d in city.districts}
    min_lon, min_lat, max_lon, max_lat = city_box(city)
    rows: list[dict] = []
    errors: list[RowError] = []
    for number, raw in enumerate(records, start=2):
        extra = raw.pop(None, None)  # csv.DictReader keeps cells beyond the header under None
        row = {k.strip(): (v or "").strip() for k, v in raw.items()}
        problems = [RowError(number, "", ",".join(extra), "more cells than the header has columns")] if extra else []
        if row["kind"] not in FACILITY_KINDS:
            problems.append(RowError(number, "kind", row["kind"], f"unknown kind; one of {', '.join(FACILITY_KINDS)}"))
        if not row["name_zh"]:
            problems.append(RowError(number, "name_zh", "", "a name is required"))
        lat, lon = _number(row["lat"]), _number(row["lon"])
        for column, value, low, high in (("lat", lat, min_lat, max_lat), ("lon", lon, min_lon, max_lon)):
            if value is None:
                problems.append(RowError(number, column, row[column], "not a number"))
            elif not low <= value <= high:
                problems.append(RowError(number, column, row[column],
                                         f"outside {city.name_en} ({low:.3f} – {high:.3f})"))
        if row["area_adcode"] not in adcodes:
            problems.append(RowError(number, "area_adcode", row["area_adcode"], f"not a district of {city.name_en}"))
        capacity_text = row.get("capacity", "")
        capacity = _number(capacity_text) if capacity_text else None
        if capacity_text and (capacity is None or capacity < 0):
            problems.append(RowError(number, "capacity", capacity_text, "not a number ≥ 0"))
        errors += problems
        if not problems:
            rows.append({"city_key": city.key, "area_adcode": row["area_adcode"], "kind": row["kind"],
                         "name_zh": row["name_zh"], "name_en": row.get("name_en") or row["name_zh"],
                         "lat": lat, "lon": lon, "capacity": capacity})
    if not rows and not errors:
        errors.append(RowError(0, "", "", "the file has no rows"))
    return rows, errors


def _district_refusals(content: bytes, city: City, viewer: Viewer) -> list[RowError]:
    """The rows (valid or not) naming a district of the city that the viewer may not write, as *not permitted*."""
    districts = {district.adcode for district in city.districts}
    try:
        records = list(csv.DictReader(io.StringIO(_decode(content))))
    except (UnicodeDecodeError, csv.Error):
        return []  # parse_facilities reports the file itself
    refused = []
    for number, raw in enumerate(records, start=2):
        adcode = next(((value or "").strip() for key, value in raw.items()
                       if key is not None and key.strip() == "area_adcode"), "")
        if adcode in districts and not viewer.writes_area(adcode):
            refused.append(RowError(number, "area_adcode", "", NOT_PERMITTED))
    return refused


def load_facilities(path: Path, city_key: str, *, user: str | None = None) -> FacilityReport:
    """Validate a facilities CSV for a city and, when every row is valid, load it in one transaction.

    The current viewer must be allowed to load data, see the city and write every row's district (a row
    outside is *not permitted*, and the file rejected); an account bound to districts replaces only the
    points of its districts.

    Args:
        path: the CSV file.
        city_key: the city the facilities belong to.
        user: who loads it (recorded with the load batch); the current user by default.

    Returns:
        The report; ``report.ok`` is False when the file was rejected (nothing written).

    Raises:
        AccessDenied: the viewer may not load data or see the city (audited).
    """
    viewer = required("data.load", target=Path(path).name, action="facilities_load")
    city = get_city(city_key)
    if not viewer.sees_city(city.key):
        raise refuse(Path(path).name, {"action": "facilities_load", "city": city.key}, NOT_PERMITTED)
    content = Path(path).read_bytes()
    report = FacilityReport(file_name=Path(path).name, checksum=hashlib.sha256(content).hexdigest())
    rows, report.errors = parse_facilities(content, city)
    report.rows = len(rows) + len({e.row for e in report.errors if e.row > 1})
    refused = [] if viewer.sees_everything else _district_refusals(content, city, viewer)
    if refused:
        record_refusal(report.file_name, {"action": "facilities_load", "city": city.key, "rows": len(refused)})
        report.errors = sorted([e for e in report.errors if e.row not in {r.row for r in refused}] + refused,
                               key=lambda e: e.row)
    if report.errors:
        return report
    with Session(db.engine()) as session, session.begin():
        batch = LoadBatch(kind="facilities", file_name=report.file_name, checksum=report.checksum,
                          user=user or actor()[0], status="running", started_at=datetime.now())
        session.add(batch)
        session.flush()
        kinds = sorted({row["kind"] for row in rows})
        replaced = delete(Facility).where(Facility.city_key == city.key, Facility.kind.in_(kinds))
        if viewer.districts:
            replaced = replaced.where(Facility.area_adcode.in_(sorted(viewer.districts)))
        report.replaced = session.execute(replaced).rowcount
        session.execute(Facility.__table__.insert(), [{**row, "batch_id": batch.id} for row in rows])
        report.inserted, report.batch_id = len(rows), batch.id
        batch.status, batch.rows_total, batch.rows_inserted, batch.finished_at = "ok", len(rows), len(rows), datetime.now()
        db.bump_data_version(session)
    return report
