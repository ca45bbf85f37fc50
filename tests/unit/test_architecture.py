"""The one-way arrows of ARCHITECTURE.md, checked on every import (module level or inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each room of indicators/ may import only the rooms before it.
ROOMS = ["catalog", "store", "accounts", "warnings", "ingest", "forecasts", "views", "demo"]


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules_under(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_indicators_is_only_rooms_and_bootstrap():
    loose = {p.name for p in (ROOT / "indicators").glob("*.py")}
    assert loose == {"__init__.py", "bootstrap.py"}
    assert {p.name for p in (ROOT / "indicators").iterdir() if p.is_dir() and p.name != "__pycache__"} == set(ROOMS)


@pytest.mark.parametrize("room", ROOMS)
def test_rooms_import_only_earlier_rooms(room):
    allowed = set(ROOMS[: ROOMS.index(room) + 1])
    wrong = {}
    for path in modules_under(f"indicators/{room}"):
        used = {name.split(".")[1] for name in imports_of(path)
                if name.startswith("indicators.") and name.split(".")[1] in ROOMS}
        if used - allowed:
            wrong[path.relative_to(ROOT).as_posix()] = sorted(used - allowed)
    assert wrong == {}


@pytest.mark.parametrize("package", ["forecasting", "geo"])
def test_pure_packages_never_reach_the_store(package):
    wrong = {path.relative_to(ROOT).as_posix(): sorted(n for n in imports_of(path)
                                                       if n.split(".")[0] in {"indicators", "pages", "web"})
             for path in modules_under(package)}
    assert {path: names for path, names in wrong.items() if names} == {}


def test_pages_never_write_sql():
    # Pages may catch the store's "unavailable" error; everything else of the store is the data layer's.
    honest_error = {"indicators.store.db", "indicators.store.db.StoreUnavailable"}
    wrong = {}
    for path in modules_under("pages"):
        used = {n for n in imports_of(path) if n.startswith(("indicators.store", "sqlalchemy"))} - honest_error
        if used:
            wrong[path.relative_to(ROOT).as_posix()] = sorted(used)
    assert wrong == {}
