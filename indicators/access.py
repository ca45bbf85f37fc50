"""Who is asking, and what they may see and do.

Every read in ``queries.py`` and ``map_queries.py`` asks ``current_viewer()`` and returns only what that
viewer may see, so a hand-crafted request to any callback or export gets no more than the page would
show. Three things decide it:

* **clearance** — an indicator's ``sensitivity`` (public < internal < restricted) must not exceed the
  viewer's clearance, which comes with the role unless an account is given its own;
* **scope** — an account bound to a city sees only that city; one bound to districts sees those
  districts and the city's own totals (a district is judged against its city), never another district;
* **permissions** — what a role may do (alert actions, loads, catalog edits, user admin, the audit log).

Inside a web request the viewer is the signed-in user, put on ``flask.g`` by the sign-in layer; a request
without one is refused (fail closed). Outside a request (commands, batches, tests calling functions
directly) the viewer is ``SYSTEM``, which sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
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

    def may(self, permission: str) -> bool:
        """Whether the viewer's role has ``permission`` (see ``PERMISSIONS``)."""
        return self.role in PERMISSIONS[permission]

    @property
    def cache_key(self) -> str:
        """What makes two viewers see different data: cached results are kept apart by it."""
        return f"{self.clearance}|{self.city_key or '*'}|{','.join(sorted(self.districts))}"


SYSTEM = Viewer("system", "admin", "restricted")


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
    """The viewer of this request (the signed-in user), or ``SYSTEM`` outside web requests.

    Raises:
        NotSignedIn: inside a web request that no signed-in user was attached to.
    """
    import flask

    if not flask.has_request_context():
        return SYSTEM
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
