"""Who receives an alert: routing rules per city, and the addresses behind departments and persons.

A rule matches an alert by indicator, theme, topic, district, minimum level and rule kind (an empty matcher
matches anything) and names departments and persons. Rules are tried in ``position`` order; a matching rule
with ``stop`` ends the search (first match), one without lets the next rules add theirs (all matches). An alert
no rule matches goes to its indicator's responsible department.

Addresses: a department is its mailbox, members and webhook robots (``notify_contacts``, ``notify_channels``);
a person is their contact row, whose clearance and scope are their account's. Every address is checked like a
viewer: an alert reaches it only when the indicator is within its clearance and the area within its scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.accounts.access import SENSITIVITIES, Viewer, clearance_of
from indicators.accounts.audit import record_in, refuse, required
from indicators.catalog.levels import LEVEL_RANK, LEVELS
from indicators.store import db
from indicators.store.models import NotifyChannel, NotifyContact, RoutingRule, User
from indicators.warnings.channels import MESSAGE_FORMATS, WEBHOOK_KINDS

CONTACT_ROLES = ("mailbox", "member", "head", "leader")
BRIEFING_KINDS = ("daily", "weekly", "monthly")


class NotifyConfigError(ValueError):
    """A routing rule, contact or channel that cannot be saved; the message names the field and why."""


@dataclass(frozen=True)
class AlertFacts:
    """What routing and silences look at in an alert."""

    alert_id: int
    code: str
    theme: str
    topics: tuple[str, ...]
    adcode: str
    city_key: str
    level: str
    rule: str
    department: str
    sensitivity: str


@dataclass(frozen=True)
class Route:
    """Where an alert goes, and which rules said so (empty: the default)."""

    departments: tuple[str, ...]
    persons: tuple[str, ...]
    rule_names: tuple[str, ...] = ()

    def as_json(self) -> str:
        return json.dumps({"departments": list(self.departments), "persons": list(self.persons),
                           "rules": list(self.rule_names)}, ensure_ascii=False)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip())


def matches(rule: RoutingRule, facts: AlertFacts) -> bool:
    """Whether every matcher of ``rule`` that is set fits the alert."""
    return (rule.city_key == facts.city_key
            and (not rule.indicator_code or rule.indicator_code == facts.code)
            and (not rule.theme or rule.theme == facts.theme)
            and (not rule.topic or rule.topic in facts.topics)
            and (not rule.area_adcode or rule.area_adcode == facts.adcode)
            and (not rule.min_level or LEVEL_RANK.get(facts.level, -1) >= LEVEL_RANK[rule.min_level])
            and (not rule.rule_kind or rule.rule_kind == facts.rule))


def route(rules: list[RoutingRule], facts: AlertFacts) -> Route:
    """The departments and persons an alert goes to (rules in ``position`` order, first or all matches)."""
    departments: list[str] = []
    persons: list[str] = []
    names: list[str] = []
    for rule in sorted(rules, key=lambda r: (r.position, r.id or 0)):
        if not rule.active or not matches(rule, facts):
            continue
        departments += [d for d in _split(rule.departments) if d not in departments]
        persons += [p for p in _split(rule.persons) if p not in persons]
        names.append(rule.name or f"#{rule.id}")
        if rule.stop:
            break
    if not departments and not persons:
        return Route((facts.department,), (), ())
    return Route(tuple(departments), tuple(persons), tuple(names))


@dataclass(frozen=True)
class Address:
    """One place a notification goes: an e-mail address (``contact``) or a webhook (``channel``)."""

    viewer: Viewer
    lang: str = "zh"
    contact: NotifyContact | None = None
    channel: NotifyChannel | None = None


@dataclass
class AddressBook:
    """Contacts, channels and accounts of the store, read once per routing round."""

    contacts: list[NotifyContact] = field(default_factory=list)
    channels: list[NotifyChannel] = field(default_factory=list)
    accounts: dict[str, User] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session) -> AddressBook:
        return cls(list(session.scalars(select(NotifyContact).where(NotifyContact.active.is_(True)))),
                   list(session.scalars(select(NotifyChannel).where(NotifyChannel.active.is_(True)))),
                   {u.username: u for u in session.scalars(select(User))})

    def _viewer(self, contact: NotifyContact) -> Viewer | None:
        if not contact.username:
            return Viewer(contact.email, "viewer", contact.clearance, contact.city_key)
        account = self.accounts.get(contact.username)
        if account is None or not account.active:
            return None
        districts = frozenset(d for d in (account.districts or "").split(",") if d)
        return Viewer(account.username, account.role, clearance_of(account.role, account.clearance),
                      account.city_key, districts)

    def _in_city(self, city_key: str | None, city: str) -> bool:
        return city_key is None or city_key == city

    def for_route(self, route_: Route, city: str) -> list[Address]:
        """The addresses of a route's departments (mailbox, members, robots) and persons, in ``city``."""
        departments, persons = set(route_.departments), set(route_.persons)
        found: list[Address] = []
        for contact in self.contacts:
            wanted = ((contact.department in departments and contact.role in ("mailbox", "member"))
                      or (contact.username and contact.username in persons))
            if wanted and self._in_city(contact.city_key, city):
                found += self._address(contact)
        for channel in self.channels:
            if self._in_city(channel.city_key, city) and (not channel.department or channel.department in departments):
                found.append(self._channel_address(channel))
        return found

    def escalation(self, step: int, departments: tuple[str, ...], city: str) -> list[Address]:
        """Step 1: the heads of ``departments``; step 2: the city's leaders (and the heads, who stay informed)."""
        found = []
        for contact in self.contacts:
            head = contact.role == "head" and contact.department in departments
            leader = step >= 2 and contact.role == "leader"
            if (head or leader) and self._in_city(contact.city_key, city):
                found += self._address(contact)
        return found

    def subscribers(self, kind: str, city: str) -> list[Address]:
        """The contacts and webhook channels of ``city`` subscribed to the ``kind`` briefing."""
        mailed = [a for c in self.contacts if kind in _split(c.briefings) and self._in_city(c.city_key, city)
                  for a in self._address(c)]
        return mailed + [self._channel_address(c) for c in self.channels
                         if kind in _split(c.briefings) and self._in_city(c.city_key, city)]

    def _channel_address(self, channel: NotifyChannel) -> Address:
        """A webhook reads as a viewer of its city with the channel's clearance, in the channel's language."""
        return Address(Viewer(channel.name, "viewer", channel.clearance, channel.city_key), channel.lang or "zh",
                       channel=channel)

    def _address(self, contact: NotifyContact) -> list[Address]:
        viewer = self._viewer(contact)
        return [] if viewer is None else [Address(viewer, contact.lang, contact=contact)]


def sees(address: Address, sensitivity: str, adcode: str) -> bool:
    """Whether this address may be told of an indicator of ``sensitivity`` in ``adcode``."""
    return address.viewer.sees_sensitivity(sensitivity) and address.viewer.sees_area(adcode)


# --- configuration by admins (audited) ---


def check_city(viewer: Viewer, city_key: str, action: str) -> None:
    """Refuse (audited) a city outside the viewer's scope; an unknown city is a configuration error."""
    from indicators.accounts.access import area_index

    if city_key not in {city for city, _ in area_index().values()}:
        raise NotifyConfigError(f"city {city_key!r}: unknown")
    if not viewer.sees_city(city_key):
        raise refuse(f"{action}:{city_key}", {"action": action}, "城市不在您的范围内 / city outside your scope")


def _check_choice(name: str, value: str, allowed) -> None:
    if value and value not in allowed:
        raise NotifyConfigError(f"{name} {value!r}: expected one of {', '.join(allowed)}")


def add_rule(city_key: str, *, departments: str = "", persons: str = "", name: str = "", position: int = 0,
             indicator_code: str = "", theme: str = "", topic: str = "", area_adcode: str = "",
             min_level: str = "", rule_kind: str = "", stop: bool = True) -> int:
    """Add a routing rule (admins; audited).

    Returns:
        The rule's id.

    Raises:
        NotifyConfigError: no department or person, or an unknown level.
        AccessDenied: the viewer may not manage notifications.
    """
    viewer = required("notify.manage", target=f"routing:{city_key}", action="notify_config")
    check_city(viewer, city_key, "notify_config")
    if not _split(departments) and not _split(persons):
        raise NotifyConfigError("a routing rule needs a department or a person to route to")
    _check_choice("level", min_level, LEVELS)
    with db.transaction() as session:
        rule = RoutingRule(city_key=city_key, position=position, name=name, indicator_code=indicator_code,
                           theme=theme, topic=topic, area_adcode=area_adcode, min_level=min_level,
                           rule_kind=rule_kind, departments=",".join(_split(departments)),
                           persons=",".join(_split(persons)), stop=stop, created_by=viewer.username,
                           created_at=datetime.now())
        session.add(rule)
        session.flush()
        record_in(session, "notify_config", target=f"routing_rule#{rule.id}",
                  detail={"added": "routing_rule", "city": city_key, "name": name, "departments": departments,
                          "persons": persons})
        return rule.id


def add_contact(*, email: str, role: str, department: str = "", username: str = "", name: str = "",
                city_key: str | None = None, clearance: str = "internal", lang: str = "zh",
                briefings: str = "") -> int:
    """Add an address (admins; audited). Raises NotifyConfigError naming the field that is wrong."""
    viewer = required("notify.manage", target=f"contact:{email}", action="notify_config")
    if "@" not in email:
        raise NotifyConfigError(f"email {email!r}: not an e-mail address")
    _check_choice("role", role, CONTACT_ROLES)
    _check_choice("clearance", clearance, SENSITIVITIES)
    for kind in _split(briefings):
        _check_choice("briefing", kind, BRIEFING_KINDS)
    if role in ("mailbox", "head") and not department or role == "member" and not (department or username):
        raise NotifyConfigError(f"role {role}: a department is required" + (" (or a username)" if role == "member"
                                                                            else ""))
    with db.transaction() as session:
        if username and session.scalar(select(User.id).where(User.username == username)) is None:
            raise NotifyConfigError(f"username {username!r}: no such account")
        contact = NotifyContact(city_key=city_key, department=department, username=username, role=role,
                                name=name, email=email, clearance=clearance, lang=lang,
                                briefings=",".join(_split(briefings)))
        session.add(contact)
        session.flush()
        record_in(session, "notify_config", target=f"contact#{contact.id}",
                  detail={"added": "contact", "email": email, "role": role, "department": department,
                          "username": username}, user=viewer.username)
        return contact.id


def add_channel(name: str, *, kind: str, url: str, secret: str = "", msg_format: str = "markdown",
                city_key: str | None = None, department: str = "", clearance: str = "internal",
                briefings: str = "", lang: str = "zh") -> int:
    """Add a webhook channel (admins; audited; the secret is not written to the audit log); its alerts and
    briefings are written in ``lang``."""
    viewer = required("notify.manage", target=f"channel:{name}", action="notify_config")
    _check_choice("kind", kind, WEBHOOK_KINDS)
    _check_choice("format", msg_format, MESSAGE_FORMATS)
    _check_choice("clearance", clearance, SENSITIVITIES)
    _check_choice("language", lang, ("zh", "en"))
    for briefing_kind in _split(briefings):
        _check_choice("briefing", briefing_kind, BRIEFING_KINDS)
    if not url.startswith(("http://", "https://")):
        raise NotifyConfigError(f"url {url!r}: expected http:// or https://")
    with db.transaction() as session:
        channel = NotifyChannel(name=name, kind=kind, url=url, secret=secret, msg_format=msg_format,
                                city_key=city_key, department=department, clearance=clearance,
                                briefings=",".join(_split(briefings)), lang=lang, created_by=viewer.username,
                                created_at=datetime.now())
        session.add(channel)
        session.flush()
        record_in(session, "notify_config", target=f"channel#{channel.id}",
                  detail={"added": "channel", "name": name, "kind": kind, "department": department,
                          "clearance": clearance, "signed": bool(secret), "briefings": ",".join(_split(briefings)), "lang": lang})
        return channel.id

