"""Builders of the small test counties; the fixtures that use them live in the ``conftest.py`` files.

A test county is a few stations with square jurisdictions, schools placed inside them (so each resolves to
its responsible station the way an imported school does), officers, liaison officers (一校一警) and users
with their roles. ``build_county`` makes one from a description, every part keyed by a short name the tests
use (``county["north"]``, ``county.desk_user``); each package's ``conftest.py`` describes the county its
tests read. Geometry is WGS-84, near the sample county (``tests.factories.CENTER_LAT``/``CENTER_LON``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from campus import services
from campus.models import LiaisonAssignment, Officer, School, Station
from tests.factories import CENTER_LAT, CENTER_LON, OfficerFactory, SchoolFactory, StationFactory, make_user, square

Spec = Mapping[str, Any]

# Two neighbouring stations whose 0.05-degree squares do not touch: schools at 36.30 are North's, at 36.18
# (the factories' centre) South's.
NORTH = {"code": "N", "name": "North", "lat": 36.30, "lon": 118.17}
SOUTH = {"code": "S", "name": "South", "lat": 36.18, "lon": 118.17}


@dataclass
class County:
    """What ``build_county`` made, by key.

    ``county[key]`` and ``county.key`` find a station, a school, an officer or a user, in that order (a key
    may name an officer and its account: ``county["officer"]`` is the officer, ``county.users["officer"]``
    the user); ``county["users"]`` is the group itself.
    """

    stations: dict[str, Station] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    officers: dict[str, Officer] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        groups = {"stations": self.stations, "schools": self.schools, "officers": self.officers, "users": self.users}
        for group in groups.values():
            if key in group:
                return group[key]
        if key in groups:
            return groups[key]
        raise KeyError(key)

    def __getattr__(self, key: str) -> Any:
        # Called only for names that are not set: never for the groups once __init__ has run.
        if key.startswith("_") or key in {"stations", "schools", "officers", "users"}:
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def build_county(
    *,
    stations: Mapping[str, Spec],
    schools: Mapping[str, Spec] | None = None,
    officers: Mapping[str, Spec] | None = None,
    heads: Mapping[str, str] | None = None,
    liaisons: Mapping[str, str] | None = None,
    liaison_actor: Any = None,
    users: Mapping[str, Spec] | None = None,
    county_type: type[County] = County,
) -> County:
    """Make a county from its description, in this order: stations, schools, officers, heads, liaisons, users.

    - ``stations``: key -> ``StationFactory`` fields; ``half_deg`` sets the jurisdiction, a square of that
      many degrees each way around ``lat``/``lon`` (the factory's default is 0.05).
    - ``schools``: key -> ``SchoolFactory`` fields (``lat``/``lon`` decide the responsible station).
    - ``officers``: key -> ``OfficerFactory`` fields, ``station`` given as a station key.
    - ``heads``: station key -> officer key, the head of that station.
    - ``liaisons``: school key -> officer key. With ``liaison_actor`` the assignment goes through
      ``campus.services.liaison_assign`` (checks, audit entry) by that user; without, the row is written
      directly, with the officer's station at the start, as the service would.
    - ``users``: key -> ``role`` (a ``Role`` or None), optional ``school`` (a school key: school safety
      staff), ``officer`` (an officer key: that officer's account), ``username`` (default: the key) and any
      other ``UserFactory`` field (``password``, ``email``).
    - ``county_type``: a subclass of ``County`` to return, for a package that adds helpers to it.
    """
    county = county_type()
    for key, spec in stations.items():
        spec = dict(spec)
        half = spec.pop("half_deg", None)
        if half is not None:
            spec["jurisdiction"] = square(spec.get("lat", CENTER_LAT), spec.get("lon", CENTER_LON), half)
        county.stations[key] = StationFactory(**spec)
    for key, spec in (schools or {}).items():
        county.schools[key] = SchoolFactory(**spec)
    for key, spec in (officers or {}).items():
        spec = dict(spec)
        if "station" in spec:
            spec["station"] = county.stations[spec["station"]]
        county.officers[key] = OfficerFactory(**spec)
    for station_key, officer_key in (heads or {}).items():
        station = county.stations[station_key]
        station.head = county.officers[officer_key]
        station.save(update_fields=["head"])
    for school_key, officer_key in (liaisons or {}).items():
        school, officer = county.schools[school_key], county.officers[officer_key]
        if liaison_actor is not None:
            services.liaison_assign(school=school, officer=officer, actor=liaison_actor)
        else:
            LiaisonAssignment.objects.create(
                school=school, officer=officer, station_at_start=officer.station, started_at=timezone.now()
            )
    for key, spec in (users or {}).items():
        spec = dict(spec)
        role = spec.pop("role")
        school = county.schools[spec.pop("school")] if "school" in spec else None
        officer = county.officers[spec.pop("officer")] if "officer" in spec else None
        username = spec.pop("username", key)
        county.users[key] = make_user(role, school=school, officer=officer, username=username, **spec)
    return county
