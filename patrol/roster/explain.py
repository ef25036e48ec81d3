"""Why places stayed uncovered, for people: the report's rows grouped by cause and station, in the
reader's language.

The report stores each uncovered place's cause as a code with params (``report.uncovered_cause``); this
module groups them (one group per cause and station, not one line per place), names the people behind
the cause (who is on leave and from when to when, who is at which limit) and suggests the fix (borrow from
the nearest stations that have people of the role, relax a named limit, give the solver more time). Every
text is made here, at reading time, so a scheduler reading in English sees English whoever generated.

Reports written before causes were stored (only ``reason``) are read too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campus.models import Station
from common.geo import haversine_m
from patrol.models import DutyRole, DutyStaff
from patrol.roster.existing import RELEASE_TEXT

# Old reports: their reason, as a cause.
_REASON_CAUSE = {
    "all_on_leave": "leave",
    "all_busy": "overlap",
    "limit_reached": "limit",
    "no_one_qualified": "no_one_qualified",
    "not_found": "not_found",
}
CAUSE_ORDER = ("leave", "no_one_qualified", "overlap", "travel", "week_limit", "day_limit", "limit", "not_found")
NEIGHBOURS = 2


def cause_label(cause: str) -> str:
    return {
        "leave": _("People on leave or another duty"),
        "no_one_qualified": _("No one qualified"),
        "overlap": _("Everyone busy at that time"),
        "travel": _("Too far to get there in time"),
        "week_limit": _("Weekly limit reached"),
        "day_limit": _("Daily limit reached"),
        "limit": _("Daily or weekly limit reached"),
        "not_found": _("Not found in the time limit"),
    }.get(cause, cause)


def role_name(role: str) -> str:
    return str(DutyRole(role).label) if role in DutyRole.values else role


@dataclass
class Person:
    name: str
    spans: set[tuple[str, str]] = field(default_factory=set)  # leave (first day, last day)
    limit: int | None = None
    places: int = 0  # places this person stood in the way of

    @property
    def leave_text(self) -> str:
        return ", ".join(first if first == last else f"{first} – {last}" for first, last in sorted(self.spans))


@dataclass
class Group:
    cause: str
    station_id: int | None
    station: str
    roles: set[str] = field(default_factory=set)
    places: int = 0
    rows: list[dict] = field(default_factory=list)
    schools: set[str] = field(default_factory=set)
    on_leave: dict[int, Person] = field(default_factory=dict)
    at_limit: dict[int, Person] = field(default_factory=dict)
    others: dict[str, int] = field(default_factory=dict)  # blocker -> people (busy, far, ...)
    qualified: int = 0
    suggestions: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return cause_label(self.cause)

    @property
    def roles_text(self) -> str:
        return ", ".join(sorted(role_name(r) for r in self.roles if r))

    @property
    def first(self) -> str:
        return min(r["date"] for r in self.rows)

    @property
    def last(self) -> str:
        return max(r["date"] for r in self.rows)

    @property
    def summary(self) -> str:
        return ngettext(
            "%(count)d place uncovered at %(schools)d schools, %(first)s to %(last)s",
            "%(count)d places uncovered at %(schools)d schools, %(first)s to %(last)s",
            self.places,
        ) % {"count": self.places, "schools": len(self.schools), "first": self.first, "last": self.last}

    @property
    def people_text(self) -> list[str]:
        lines = []
        if self.on_leave:
            lines.append(
                _("On leave or another duty: %(people)s.")
                % {
                    "people": "; ".join(
                        _("%(name)s (%(dates)s)") % {"name": p.name, "dates": p.leave_text} if p.spans else p.name
                        for p in sorted(self.on_leave.values(), key=lambda p: p.name)
                    )
                }
            )
        if self.at_limit:
            lines.append(
                _("At their limit: %(people)s.")
                % {
                    "people": "; ".join(
                        _("%(name)s (limit %(limit)s)") % {"name": p.name, "limit": p.limit}
                        if p.limit is not None
                        else p.name
                        for p in sorted(self.at_limit.values(), key=lambda p: p.name)
                    )
                }
            )
        words = {
            "overlap": _("busy elsewhere at that time"),
            "travel": _("too far to get there in time"),
            "free": _("free but not placed"),
            "leave": _("on leave or another duty"),
            "limit": _("at their daily or weekly limit"),
        }
        for blocker, count in sorted(self.others.items()):
            lines.append(
                ngettext("%(count)d person %(why)s.", "%(count)d people %(why)s.", count)
                % {"count": count, "why": words.get(blocker, blocker)}
            )
        return lines


def _rows_cause(row: dict) -> str:
    return row.get("cause") or _REASON_CAUSE.get(row.get("reason", ""), "not_found")


def _neighbours(station_ids: set[int | None], roles_by_station: dict[int | None, set[str]]) -> dict:
    """Per station, the nearest other stations (by their position, WGS-84) with active people who can
    fill the roles wanted there, as (name, people) pairs."""
    stations = {s.pk: s for s in Station.objects.only("pk", "name", "lat", "lon")}
    wanted_roles = {r for roles in roles_by_station.values() for r in roles}
    fill_roles = wanted_roles | ({DutyRole.POLICE.value} if DutyRole.AUXILIARY.value in wanted_roles else set())
    people: dict[tuple[int, str], int] = {
        (row["station_id"], row["role"]): row["n"]
        for row in DutyStaff.objects.filter(active=True, station__isnull=False, role__in=fill_roles)
        .values("station_id", "role")
        .annotate(n=Count("pk"))
    }
    result: dict[int | None, list[tuple[str, int]]] = {}
    for station_id in station_ids:
        here = stations.get(station_id)
        roles = roles_by_station.get(station_id, set())
        can_fill = roles | ({DutyRole.POLICE.value} if DutyRole.AUXILIARY.value in roles else set())
        found = []
        for other in stations.values():
            if other.pk == station_id:
                continue
            count = sum(people.get((other.pk, r), 0) for r in can_fill)
            if not count:
                continue
            if here is not None and None not in (here.lat, here.lon, other.lat, other.lon):
                distance = haversine_m(here.lat, here.lon, other.lat, other.lon)
            else:
                distance = float("inf")
            found.append((distance, other.name, count))
        found.sort()
        result[station_id] = [(name, count) for _d, name, count in found[:NEIGHBOURS]]
    return result


def _suggest(group: Group, neighbours: list[tuple[str, int]]) -> list[str]:
    roles = ", ".join(sorted(role_name(r) for r in group.roles))
    school_roles = group.roles <= {DutyRole.GUARD.value, DutyRole.VOLUNTEER.value}
    tips = []
    if group.cause in ("leave", "no_one_qualified", "overlap", "travel"):
        if school_roles:
            tips.append(_("Ask the school to name another %(roles)s for these days.") % {"roles": roles})
        elif neighbours:
            tips.append(
                _("Borrow %(roles)s from a neighbouring station: %(stations)s.")
                % {
                    "roles": roles,
                    "stations": ", ".join(
                        ngettext("%(name)s (%(count)d person)", "%(name)s (%(count)d people)", count)
                        % {"name": name, "count": count}
                        for name, count in neighbours
                    ),
                }
            )
        else:
            tips.append(_("Add %(roles)s to the station's duty staff.") % {"roles": roles})
    if group.cause == "travel":
        tips.append(_("Stagger the windows of nearby gates, or place people nearer the schools."))
    if group.cause in ("week_limit", "day_limit", "limit"):
        names = ", ".join(sorted(p.name for p in group.at_limit.values())) or _("the people of the station")
        if group.cause == "day_limit":
            tips.append(
                _("Relax the daily limit of %(names)s (or the county default, %(default)d a day).")
                % {"names": names, "default": settings.PATROL_MAX_DUTIES_PER_DAY}
            )
        else:
            tips.append(
                _("Relax the weekly limit of %(names)s (or the county default, %(default)d a week).")
                % {"names": names, "default": settings.PATROL_MAX_DUTIES_PER_WEEK}
            )
        if neighbours and not school_roles:
            tips.append(
                _("Or borrow from a neighbouring station: %(stations)s.")
                % {"stations": ", ".join(name for name, _count in neighbours)}
            )
    if group.cause == "not_found":
        tips.append(_("Generate again with a longer time limit."))
    return tips


def explain_uncovered(rows: list[dict], *, with_people: bool = True) -> list[Group]:
    """The uncovered rows of a report grouped by cause and station (and role), most places first, with the people
    behind each cause (``with_people``: names and leave dates; school staff readers get counts only)
    and the suggested fix. Text in the active language."""
    if not rows:
        return []
    station_ids: set[int | None] = set()
    for row in rows:
        station_ids.add((row.get("params") or {}).get("station_id"))
    names = dict(Station.objects.filter(pk__in=[s for s in station_ids if s]).values_list("pk", "name"))
    groups: dict[tuple[str, int | None, str], Group] = {}
    for row in rows:
        params = row.get("params") or {}
        station_id = params.get("station_id")
        cause = _rows_cause(row)
        # By role too: the fix for a missing guard (the school names one) is not the fix for a police place.
        key = (cause, station_id, row.get("role", ""))
        group = groups.get(key)
        if group is None:
            station = names.get(station_id) or (_("no station") if station_id is None else str(station_id))
            group = groups[key] = Group(cause=cause, station_id=station_id, station=station)
        group.roles.add(row.get("role", ""))
        group.places += int(row.get("count", 1))
        group.rows.append({**row, "role_label": role_name(row.get("role", ""))})
        group.schools.add(row.get("school", ""))
        group.qualified = max(group.qualified, int(params.get("qualified", 0)))
        counted: dict[str, set[int]] = defaultdict(set)
        for blocker, people in (params.get("people") or {}).items():
            for entry in people:
                if blocker == "leave":
                    person = group.on_leave.setdefault(entry["id"], Person(entry["name"]))
                    if entry.get("from"):
                        person.spans.add((entry["from"], entry.get("to") or entry["from"]))
                    person.places += 1
                elif blocker in ("day_limit", "week_limit"):
                    person = group.at_limit.setdefault(entry["id"], Person(entry["name"], limit=entry.get("limit")))
                    person.places += 1
                else:
                    counted[blocker].add(entry["id"])
        for blocker, ids in counted.items():
            group.others[blocker] = max(group.others.get(blocker, 0), len(ids))
        if not params and row.get("candidates"):
            for blocker, count in row["candidates"].items():
                if blocker not in ("leave", "day_limit", "week_limit"):
                    group.others[blocker] = max(group.others.get(blocker, 0), int(count))
    roles_by_station: dict[int | None, set[str]] = defaultdict(set)
    for group in groups.values():
        roles_by_station[group.station_id] |= group.roles
    neighbours = _neighbours({g.station_id for g in groups.values()}, roles_by_station)
    for group in groups.values():
        group.suggestions = _suggest(group, neighbours.get(group.station_id, []))
        group.rows.sort(key=lambda r: (r["date"], r.get("window", ""), r.get("school", "")))
        if not with_people:
            group.others = {
                "leave": len(group.on_leave),
                **group.others,
                **({"limit": len(group.at_limit)} if group.at_limit else {}),
            }
            group.others = {k: v for k, v in group.others.items() if v}
            group.on_leave, group.at_limit = {}, {}
    order = {cause: n for n, cause in enumerate(CAUSE_ORDER)}
    return sorted(groups.values(), key=lambda g: (-g.places, order.get(g.cause, 99), g.station, g.roles_text))


def released_localized(released: list[dict]) -> list[dict]:
    """The released pinned duties with their reason in the reader's language."""
    texts = RELEASE_TEXT()
    return [{**r, "reason_text": texts.get(r.get("reason", ""), r.get("reason_text", ""))} for r in released]
