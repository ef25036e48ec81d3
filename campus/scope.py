"""Who sees which school's records: one rule, used by every selector that scopes records to a user.

- The county: bureau administrators, patrol brigade schedulers and leadership see every school's
  records.
- A station officer sees the records of their station: records routed to the station (records that
  are not routed: of the schools the station is responsible for), of the schools they are the liaison
  officer (一校一警) for wherever those are, and records naming them as liaison officer.
- School safety staff see their own school's records only.
- Anyone else sees none. A user with several roles sees the union.

The registry (schools, stations, the map) and the school-level records built on it (drills, emergency
plans, police-school activities, the 护学岗 set-up, rosters and board) are county-wide for every police
role, drone operators included (``Scope.registry_county``), and their own school's for school safety
staff (``Scope.filter_schools``, ``Scope.sees_school``). Records that carry a school and are handled
by a station (incident reports and their photos, follow-ups, rectification items) follow the rule
above (``Scope.filter``).

Capabilities (``common.roles``) say what a role may do at all, including which kinds of records it
may read; ``Scope`` says over which records. No other module keeps a set of roles for scoping.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from campus.models import LiaisonAssignment, Officer
from campus.selectors import staff_school_id
from common.roles import Role, roles_of

# Roles whose scope is the whole county.
COUNTY_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.LEADERSHIP})
# Police roles: every role but school safety staff and the publicity office. Their registry scope is the county.
POLICE_ROLES = frozenset(Role) - {Role.SCHOOL_STAFF, Role.PUBLICITY_OFFICER}


@dataclass(frozen=True)
class Scope:
    """The records a user may see, as ids; ``county`` means all of them."""

    county: bool = False
    station_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()  # a school safety staff member's own school
    officer_ids: frozenset[int] = frozenset()  # a station officer's record: their liaison schools follow
    registry_county: bool = False  # a police role: every school's registry-level records

    @classmethod
    def of(cls, user) -> Scope:
        """The same as ``scope_of(user)``."""
        return scope_of(user)

    @property
    def empty(self) -> bool:
        """No handled records at all (incidents and the like); the registry scope aside."""
        return not (self.county or self.station_ids or self.school_ids or self.officer_ids)

    @property
    def school_only(self) -> bool:
        """Records of one's own school only: school safety staff without a police scope."""
        return bool(self.school_ids) and not (self.county or self.station_ids or self.officer_ids)

    @property
    def school_id(self) -> int | None:
        """The school safety staff member's school, or None."""
        return min(self.school_ids) if self.school_ids else None

    def sees_school(self, school_id: int | None) -> bool:
        """Whether the registry-level records of this school (its page, drills, plans, activities,
        duties) are within the scope."""
        return self.registry_county or (school_id is not None and school_id in self.school_ids)

    def filter_schools(self, qs: QuerySet, *, school: str | None = "school") -> QuerySet:
        """``qs`` of registry-level records restricted to the schools within the scope: every school for
        police roles, the own school for school safety staff. ``school`` is the field path to the
        school, None when ``qs`` holds schools."""
        if self.registry_county:
            return qs
        if not self.school_ids:
            return qs.none()
        field = "pk__in" if school is None else f"{school}_id__in"
        return qs.filter(**{field: sorted(self.school_ids)})

    def q(self, *, school: str = "school", station: str | None = "station", officer: str | None = None) -> Q:
        """The filter for a model whose school is ``school`` (a field path) and, when it has them, whose
        routed station is ``station`` and named officer is ``officer``."""
        if self.county:
            return Q()
        q = Q(pk__in=[])
        if self.school_ids:
            q |= Q(**{f"{school}_id__in": sorted(self.school_ids)})
        if self.station_ids:
            # A record routed to a station (an incident report) belongs to that station even if its
            # school has moved since; a record without routing belongs to its school's station.
            field = f"{station}_id__in" if station else f"{school}__responsible_station_id__in"
            q |= Q(**{field: sorted(self.station_ids)})
        if self.officer_ids:
            liaised = LiaisonAssignment.objects.filter(officer_id__in=sorted(self.officer_ids), ended_at__isnull=True)
            q |= Q(**{f"{school}_id__in": liaised.values("school_id")})
            if officer:
                q |= Q(**{f"{officer}_id__in": sorted(self.officer_ids)})
        return q

    def filter(self, qs: QuerySet, **fields: str | None) -> QuerySet:
        """``qs`` restricted to this scope (``fields`` as for ``q``)."""
        if self.county:
            return qs
        if self.empty:
            return qs.none()
        return qs.filter(self.q(**fields))


def officer_of(user) -> Officer | None:
    """The user's active officer record with its station, or None."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    return Officer.objects.filter(user=user, active=True).select_related("station", "station__head").first()


def scope_of(user) -> Scope:
    """The user's scope, worked out once per request (cached on the user object)."""
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    scope = _scope_of(user)
    if getattr(user, "is_authenticated", False):
        user._scope_cache = scope
    return scope


def _scope_of(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return Scope()
    roles = roles_of(user)
    if roles & COUNTY_ROLES:
        return Scope(county=True, registry_county=True)
    stations: set[int] = set()
    schools: set[int] = set()
    officers: set[int] = set()
    if Role.STATION_OFFICER in roles:
        officer = officer_of(user)
        if officer is not None:
            officers.add(officer.pk)
            if officer.station_id is not None:
                stations.add(officer.station_id)
    if Role.SCHOOL_STAFF in roles:
        school_id = staff_school_id(user)
        if school_id is not None:
            schools.add(school_id)
    return Scope(
        station_ids=frozenset(stations),
        school_ids=frozenset(schools),
        officer_ids=frozenset(officers),
        registry_county=bool(roles & POLICE_ROLES),
    )
