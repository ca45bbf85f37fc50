"""``/healthz``: is the store answering, is the cache, how fresh is the data — for load balancers and
monitoring, without sign-in, and without a single figure of the city.

200 when the store answers (the cache is optional: the app serves uncached without it), 503 when not.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, jsonify
from sqlalchemy import func, select

from indicators.store import db
from indicators.store.models import LoadBatch
from indicators.views.cache import cache

blueprint = Blueprint("health", __name__)
# Data older than this is reported as not fresh (the daily series arrive every day).
FRESH_HOURS = 48


def _store() -> tuple[dict, datetime | None]:
    started = time.perf_counter()
    try:
        with db.connect() as conn:
            newest = conn.scalar(select(func.max(LoadBatch.finished_at)).where(LoadBatch.status == "ok"))
    except (db.StoreUnavailable, RuntimeError) as exc:
        return {"ok": False, "error": type(exc).__name__}, None
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}, newest


def _cache() -> dict:
    backend = type(cache.cache).__name__ if getattr(cache, "app", None) else "none"
    if backend in ("none", "NullCache"):
        return {"ok": True, "backend": backend}
    started = time.perf_counter()
    try:
        cache.set("healthz", started, timeout=10)
        ok = cache.get("healthz") == started
    except Exception as exc:  # a cache that is down is reported, never raised
        return {"ok": False, "backend": backend, "error": type(exc).__name__}
    return {"ok": ok, "backend": backend, "ms": round((time.perf_counter() - started) * 1000, 1)}


@blueprint.route("/healthz")
def healthz():
    """The health of store, cache and data freshness as JSON."""
    store, newest = _store()
    age = None if newest is None else round((datetime.now() - newest).total_seconds() / 3600, 2)
    data = {"last_load": newest.isoformat(timespec="seconds") if newest else None, "age_hours": age,
            "fresh": age is not None and age <= FRESH_HOURS}
    cache_state = _cache()
    status = "ok" if store["ok"] and cache_state["ok"] else ("degraded" if store["ok"] else "down")
    return jsonify(status=status, store=store, cache=cache_state, data=data), (200 if store["ok"] else 503)
