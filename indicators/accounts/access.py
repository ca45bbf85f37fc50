"""Who is asking, and what they may see and do.

Every read in ``queries.py`` and ``map_queries.py`` asks ``current_viewer()`` and returns only what that
viewer may see, so a hand-crafted request to any callback or export gets no more than the page would
show. Three things decide it:

* **clearance** — an indicator's ``sensitivity`` (public < internal < restricted) must not exceed the
  viewer's clearance, which comes with the role unless an account is given its own;
* **scope** — an account bound to a city sees only that city; one bound to districts sees those
  districts and the city's own totals (a district is judged against its city), never another district;
* **permissions** — what a role may do (alert actions, loads, catalog edits, user admin, the audit log).

The same line holds for writes: an account writes only indicators within its clearance and areas within
its *write* scope (``Viewer.writes_area``: a district account writes its districts only, not the city's
totals), and the data desk checks that before it reads or compares a stored value.

Inside a web request the viewer is the signed-in user, put on ``flask.g`` by the sign-in layer; a request
without one is refused (fail closed). Outside a request (commands, batches, tests calling functions
directly) the viewer is ``SYSTEM``, which sees everything, unless the caller acts as an account
(``acting_as``: ``manage.py load --user``, a SQL source's scheduled run as its author).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

SENSITIVITIES = ("public", "internal", "restricted")
ROLES = ("viewer", "analyst", "operator", "leader", "admin")
ROLE_CLEARANCE = {"viewer": "public", "analyst": "internal", "operator": "internal",
                  "leader": "restricted", "admin": "restricted"}
# permission: the roles that have it
PERMISSIONS: dict[str, frozenset[str]] = {
    "alert.acknowledge": frozenset({"analyst", "operator", "leader", "admin"}),
    "alert.dispatch": frozenset({"analyst", "leader", "admin"}),
    "alert.resolve": frozenset({"analyst", "operator", "leader", "admin"}),
    "alert.close": frozenset({"leader", "admin"}),
    "data.export": frozenset(ROLES),
    "data.view": frozenset({"analyst", "operator", "leader", "admin"}),
    "data.load": frozenset({"operator", "admin"}),
    "catalog.edit": frozenset({"operator", "admin"}),
    # Who an indicator is shown to is itself a restricted matter: with restricted clearance too.
    "catalog.sensitivity": frozenset({"leader", "admin"}),
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    # Warnings reach people: who routes alerts and configures channels, who silences them.
    "notify.manage": frozenset({"admin"}),
    # The walls' screens and playlists (``/admin/screens``).
    "screens.manage": frozenset({"admin"}),
    # Each city's topics (专题, ``/admin/topics``): what its topic pages, screens and navigation hold.
    "topics.manage": frozenset({"admin"}),
    "notify.silence": frozenset({"operator", "leader", "admin"}),
}
_RANK = {name: rank for rank, name in enumerate(SENSITIVITIES)}


class AccessDenied(PermissionError):
    """The viewer may not see or do this; the message says what, without revealing data."""


class NotSignedIn(AccessDenied):
    """A web request without a signed-in user reached the data layer."""


@dataclass(frozen=True)
class Viewer:
    """One person (or the system) reading the store.

    Attributes:
        username: who, as recorded in the audit log.
        role: one of ``ROLES``.
        clearance: the highest sensitivity they may see.
        city_key: the one city they may see; None for every city.
        districts: the districts (adcodes) they may see within their city; empty for all of them.
    """

    username: str
    role: str
    clearance: str
    city_key: str | None = None
    districts: frozenset[str] = field(default_factory=frozenset)

    def sees_sensitivity(self, sensitivity: str) -> bool:
        """Whether an indicator of this sensitivity is within the viewer's clearance."""
        return _RANK.get(sensitivity, len(SENSITIVITIES)) <= _RANK[self.clearance]

    def sees_city(self, city_key: str | None) -> bool:
        """Whether the viewer may see this city at all."""
        return city_key is not None and (self.city_key is None or city_key == self.city_key)

    def sees_area(self, adcode: str) -> bool:
        """Whether the viewer may see data of this area (a city or a district)."""
        place = area_index().get(adcode)
        if place is None or not self.sees_city(place[0]):
            return False
        return place[1] == "city" or not self.districts or adcode in self.districts

    def writes_area(self, adcode: str) -> bool:
        """Whether the viewer may write data of this area: one in their scope, and for an account bound to
        districts one of those districts only (it reads the city's totals but does not make them)."""
        return self.sees_area(adcode) and (not self.districts or adcode in self.districts)

    def may(self, permission: str) -> bool:
        """Whether the viewer's role has ``permission`` (see ``PERMISSIONS``)."""
        return self.role in PERMISSIONS[permission]

    def covers(self, other: Viewer) -> bool:
        """Whether this viewer sees everything ``other`` sees (clearance and scope at least as wide)."""
        if not self.sees_sensitivity(other.clearance):
            return False
        if self.city_key is not None and other.city_key != self.city_key:
            return False
        return not self.districts or bool(other.districts) and other.districts <= self.districts

    @property
    def sees_everything(self) -> bool:
        """Whether nothing is hidden from the viewer (highest clearance, no scope)."""
        return self.clearance == SENSITIVITIES[-1] and self.city_key is None and not self.districts

    def scope(self) -> dict:
        """Clearance and scope as plain data (kept with a load's report, to decide who may read it)."""
        return {"clearance": self.clearance, "city_key": self.city_key, "districts": sorted(self.districts)}

    @property
    def cache_key(self) -> str:
        """What makes two viewers see different data: cached results are kept apart by it."""
        return f"{self.clearance}|{self.city_key or '*'}|{','.join(sorted(self.districts))}"


SYSTEM = Viewer("system", "admin", "restricted")
# The account a command or batch acts as, outside web requests (None: the system).
_acting: ContextVar[Viewer | None] = ContextVar("acting", default=None)


def viewer_of_scope(scope: dict, username: str = "") -> Viewer:
    """The viewer whose clearance and scope ``Viewer.scope`` recorded (role-less: for comparisons only)."""
    return Viewer(username, "viewer", scope.get("clearance", SENSITIVITIES[-1]), scope.get("city_key"),
                  frozenset(scope.get("districts") or ()))


def acting() -> Viewer | None:
    """The account a command or batch acts as (``acting_as``), or None."""
    return _acting.get()


@contextmanager
def acting_as(viewer: Viewer) -> Iterator[Viewer]:
    """Outside web requests, act as ``viewer`` (its role, clearance and scope) instead of the system."""
    token = _acting.set(viewer)
    try:
        yield viewer
    finally:
        _acting.reset(token)


def clearance_of(role: str, clearance: str | None = None) -> str:
    """An account's clearance: its own when set, else its role's."""
    return clearance or ROLE_CLEARANCE[role]


@lru_cache(maxsize=1)
def area_index() -> dict[str, tuple[str, str]]:
    """Every configured area's adcode → (city key, ``city`` or ``district``)."""
    from geo.cities import load_cities

    index: dict[str, tuple[str, str]] = {}
    for key, city in load_cities().items():
        index[city.adcode] = (key, "city")
        index.update({district.adcode: (key, "district") for district in city.districts})
    return index


def current_viewer() -> Viewer:
    """The viewer of this request (the signed-in user), or outside web requests the account acted as
    (``acting_as``), else ``SYSTEM``.

    Raises:
        NotSignedIn: inside a web request that no signed-in user was attached to.
    """
    import flask

    if not flask.has_request_context():
        return _acting.get() or SYSTEM
    viewer = flask.g.get("viewer")
    if viewer is None:
        raise NotSignedIn("sign-in required")
    return viewer


def require(permission: str) -> Viewer:
    """The current viewer, if they have ``permission``.

    Raises:
        AccessDenied: when they have not.
    """
    viewer = current_viewer()
    if not viewer.may(permission):
        raise AccessDenied(f"{viewer.role} may not {permission}")
    return viewer


def require_area(adcode: str) -> None:
    """Refuse an area the current viewer may not see.

    Raises:
        AccessDenied: outside their scope (or unknown).
    """
    if not current_viewer().sees_area(adcode):
        raise AccessDenied("area outside your scope")


def visible_areas(adcodes: Iterable[str]) -> list[str]:
    """The areas among ``adcodes`` the current viewer may see, in their order."""
    viewer = current_viewer()
    return [adcode for adcode in adcodes if viewer.sees_area(adcode)]
