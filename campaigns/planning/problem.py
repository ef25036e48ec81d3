"""A campaign's scheduling problem as plain data: occurrences, drones, pilots, their missions and what is fixed.

``schedule_problem_load`` reads the database once (and generates and checks the missions, through
``campaigns.planning.missions``); the solver, the greedy baseline and the validator work on these
dataclasses only. Times are integer seconds since the epoch (UTC); positions are WGS-84 (lat, lon).

What the loader decides:

- **Planned**: the campaign's occurrences in the range that are open, scheduled or unschedulable and
  not flown; each keeps its existing sortie (for re-planning and for the difference written).
- **Fixed**: sorties that use the same drones and pilots on the planned days but are not re-planned:
  flown ones of this campaign and every sortie of other campaigns. They occupy their drone, pilot and
  batteries, and count towards the daily limits.
- **Prior**: this campaign's visits outside the planned set (flown, or outside the range) count for the
  visit rules, the repeat-visit discount, the townships' coverage and the pilots' load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q

from common.geo import haversine_m

CHINA_TZ = ZoneInfo("Asia/Shanghai")
ROAD_FACTOR = 1.3  # road distance over straight-line distance


@dataclass(frozen=True)
class Limits:
    max_sorties_per_day: int = 4
    max_flying_min_per_day: int = 180
    road_speed_kmh: float = 40.0
    setup_s: int = 15 * 60
    recharge_s: int = 60 * 60

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_sorties_per_day=int(settings.CAMPAIGN_MAX_SORTIES_PER_PILOT_DAY),
            max_flying_min_per_day=int(settings.CAMPAIGN_MAX_FLYING_MIN_PER_PILOT_DAY),
            road_speed_kmh=float(settings.CAMPAIGN_ROAD_SPEED_KMH),
            setup_s=int(float(settings.CAMPAIGN_SETUP_MIN) * 60),
            recharge_s=int(float(settings.CAMPAIGN_RECHARGE_MIN) * 60),
        )


@dataclass(frozen=True)
class Occ:
    """One occurrence to plan. ``place``: ``"m<id>"`` or ``"s<id>"``; ``group``: its township (station)."""

    id: int
    place: str
    name: str
    is_market: bool
    group: str
    date: dt.date
    start_s: int  # window, epoch seconds
    end_s: int
    window: str  # "08:00–10:30", local time
    crowd: int
    week: tuple[int, int]  # ISO year, week
    month: tuple[int, int]


@dataclass(frozen=True)
class DroneInfo:
    id: int
    name: str
    in_service: bool
    status_label: str
    loudspeaker: bool
    home: tuple[float, float] | None
    endurance_min: float
    speed_mps: float
    packs: int  # charged packs a day (non-retired batteries, at least 1)

    @property
    def usable(self) -> bool:
        return self.in_service and self.loudspeaker


@dataclass(frozen=True)
class PilotInfo:
    id: int
    name: str
    licence_expiry: dt.date
    busy: tuple[tuple[int, int, str], ...]  # (start_s, end_s, what): leave and other duties

    def licence_ok(self, day: dt.date) -> bool:
        return self.licence_expiry >= day

    def busy_during(self, start_s: int, end_s: int) -> str | None:
        for b_start, b_end, what in self.busy:
            if b_start < end_s and start_s < b_end:
                return what
        return None


@dataclass(frozen=True)
class Plan:
    """The mission of one occurrence with one drone, generated and checked (``missions.plans_build``)."""

    ok: bool
    code: str = ""  # why not: endurance, airspace
    reason: str = ""
    launch: tuple[float, float] | None = None
    duration_s: int = 0  # the whole sortie, every pack
    packs: int = 1
    broadcast_s: float = 0.0
    reach: int = 0  # occurrence_reach with broadcast_s, before the repeat-visit discount
    mission_key: tuple = ()


@dataclass(frozen=True)
class Flight:
    """A sortie as the rules see it: chosen, kept or fixed. ``occ_id`` None for a fixed one of another campaign."""

    occ_id: int | None
    drone_id: int
    pilot_id: int
    start_s: int
    end_s: int
    packs: int
    launch: tuple[float, float]
    date: dt.date

    @property
    def minutes(self) -> int:
        return math.ceil((self.end_s - self.start_s) / 60)


@dataclass(frozen=True)
class Existing:
    """The sortie an occurrence has now (for re-planning and writing the difference)."""

    sortie_id: int
    drone_id: int
    pilot_id: int
    start_s: int
    end_s: int
    packs: int
    launch: tuple[float, float]
    mission_id: int | None


@dataclass
class Problem:
    campaign_id: int
    first: dt.date
    last: dt.date
    occs: list[Occ]
    drones: list[DroneInfo]
    pilots: list[PilotInfo]
    plans: dict[tuple[int, int], Plan]  # (occ id, drone id) -> plan, usable drones only
    visit_rule: str
    visits_per_month: int | None
    limits: Limits
    fixed: list[Flight] = field(default_factory=list)
    existing: dict[int, Existing] = field(default_factory=dict)  # occ id -> its sortie now
    prior_visits: dict[str, int] = field(default_factory=dict)  # place -> visits outside the planned set
    prior_week: dict[tuple[str, tuple[int, int]], int] = field(default_factory=dict)
    prior_month: dict[tuple[str, tuple[int, int]], int] = field(default_factory=dict)
    prior_group: dict[str, tuple[int, int]] = field(default_factory=dict)  # group -> (visited, occurrences)
    prior_load: dict[int, int] = field(default_factory=dict)  # pilot id -> sorties outside the planned set
    repeat_share: dict[str, float] = field(default_factory=dict)  # place -> repeat-visitor share
    missions: dict[tuple, object] = field(default_factory=dict)  # Plan.mission_key -> missions.Checked

    def __post_init__(self) -> None:
        self.occ_by_id = {o.id: o for o in self.occs}
        self.drone_by_id = {d.id: d for d in self.drones}
        self.pilot_by_id = {p.id: p for p in self.pilots}
        totals: dict[str, int] = defaultdict(int)
        for occ in self.occs:
            totals[occ.group] += 1
        self.group_total = {g: totals.get(g, 0) + self.prior_group.get(g, (0, 0))[1] for g in set(totals)}
        self._travel: dict[tuple, int] = {}
        # The launch points an occurrence may be flown from (one per drone home): road times are taken
        # between the farthest pair, so whichever drone flies it, the travel allowed is enough.
        launches: dict[int, set] = defaultdict(set)
        for (occ_id, _drone_id), plan in self.plans.items():
            if plan.ok and plan.launch is not None:
                launches[occ_id].add(plan.launch)
        self.launch_sets = {occ_id: tuple(sorted(points)) for occ_id, points in launches.items()}

    def travel_s(self, a: tuple[float, float], b: tuple[float, float]) -> int:
        """Road time between two launch points: straight line x ``ROAD_FACTOR`` at the road speed."""
        if a == b:
            return 0
        key = (a, b) if a <= b else (b, a)
        found = self._travel.get(key)
        if found is None:
            metres = haversine_m(a[0], a[1], b[0], b[1]) * ROAD_FACTOR
            found = int(metres / 1000.0 / self.limits.road_speed_kmh * 3600.0 + 0.999)
            self._travel[key] = found
        return found

    def launches_of(self, flight: Flight) -> tuple[tuple[float, float], ...]:
        return self.launch_sets.get(flight.occ_id, (flight.launch,)) if flight.occ_id else (flight.launch,)

    def road_s(self, a: Flight, b: Flight) -> int:
        """Road time from ``a``'s launch point to ``b``'s, the farthest pair of the points either may use."""
        return max(self.travel_s(p, q) for p in self.launches_of(a) for q in self.launches_of(b))

    def gap_problem(self, a: Flight, b: Flight) -> str | None:
        """Why one drone or pilot cannot fly both: ``"overlap"``, ``"travel"`` (road time and set-up) or None."""
        if a.start_s > b.start_s:
            a, b = b, a
        if b.start_s < a.end_s:
            return "overlap"
        if b.start_s < a.end_s + self.limits.setup_s + self.road_s(a, b):
            return "travel"
        return None

    def usable_drones(self) -> list[DroneInfo]:
        return [d for d in self.drones if d.usable]


def epoch_s(value: dt.datetime) -> int:
    return int(value.timestamp())


def local_hm(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, CHINA_TZ).strftime("%H:%M")


def window_label(start_s: int, end_s: int) -> str:
    return f"{local_hm(start_s)}–{local_hm(end_s)}"


def _pilot_busy(pilots, first: dt.date, last: dt.date) -> dict[int, list[tuple[int, int, str]]]:
    """Leave and other duties of each pilot (through the ``DutyStaff`` of the pilot's user) in the range."""
    from django.utils.translation import gettext as _

    from patrol.models import DutyAssignment, DutyStaff, Leave

    lo = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(0, 0), tzinfo=CHINA_TZ)
    hi = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(0, 0), tzinfo=CHINA_TZ)
    pilot_of_user = {p.user_id: p.id for p in pilots}
    staff = dict(DutyStaff.objects.filter(user_id__in=list(pilot_of_user)).values_list("id", "user_id"))
    busy: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for leave in Leave.objects.filter(staff_id__in=list(staff), start__lt=hi, end__gt=lo):
        what = _("on leave") if leave.kind == Leave.Kind.LEAVE else _("on another duty")
        busy[pilot_of_user[staff[leave.staff_id]]].append((epoch_s(leave.start), epoch_s(leave.end), what))
    duties = DutyAssignment.objects.filter(
        staff_id__in=list(staff), shift__start__lt=hi, shift__end__gt=lo
    ).select_related("shift__post")
    for duty in duties:
        what = _("on duty at %(post)s") % {"post": duty.shift.post}
        busy[pilot_of_user[staff[duty.staff_id]]].append((epoch_s(duty.shift.start), epoch_s(duty.shift.end), what))
    return busy


def schedule_problem_load(*, campaign, first: dt.date, last: dt.date, limits: Limits | None = None) -> Problem:
    """Everything the solver needs about ``campaign`` between ``first`` and ``last`` (local dates)."""
    from campaigns.models import Occurrence, Sortie
    from campaigns.planning.missions import MissionPlanner
    from drones.models import Drone, Pilot

    limits = limits or Limits.from_settings()
    planned_statuses = (Occurrence.Status.OPEN, Occurrence.Status.SCHEDULED, Occurrence.Status.UNSCHEDULABLE)
    rows = list(
        Occurrence.objects.filter(campaign=campaign, date__gte=first, date__lte=last, status__in=planned_statuses)
        .exclude(sortie__status=Sortie.Status.FLOWN)
        .select_related("market__station", "school__responsible_station")
        .order_by("window_start", "id")
    )
    occs: list[Occ] = []
    for row in rows:
        if row.market_id:
            place, name, station = f"m{row.market_id}", row.market.name, row.market.station
        else:
            place, name, station = f"s{row.school_id}", row.school.name, row.school.responsible_station
        iso = row.date.isocalendar()
        start_s, end_s = epoch_s(row.window_start), epoch_s(row.window_end)
        occs.append(
            Occ(
                id=row.id,
                place=place,
                name=name,
                is_market=bool(row.market_id),
                group=station.name if station else "—",
                date=row.date,
                start_s=start_s,
                end_s=end_s,
                window=window_label(start_s, end_s),
                crowd=int(row.expected_crowd or 0),
                week=(iso[0], iso[1]),
                month=(row.date.year, row.date.month),
            )
        )
    planned_ids = {o.id for o in occs}

    drones = []
    for drone in Drone.objects.annotate(packs=Count("batteries", filter=Q(batteries__retired=False))):
        packs = drone.packs
        drones.append(
            DroneInfo(
                id=drone.id,
                name=drone.name,
                in_service=drone.status == Drone.Status.AVAILABLE,
                status_label=str(drone.get_status_display()),
                loudspeaker=drone.has_loudspeaker,
                home=(drone.home_lat, drone.home_lon) if drone.home_lat is not None else None,
                endurance_min=float(drone.endurance_min),
                speed_mps=float(drone.cruise_speed_mps),
                packs=max(1, packs),
            )
        )
    pilot_rows = list(Pilot.objects.select_related("user").order_by("id"))
    busy = _pilot_busy(pilot_rows, first, last)
    pilots = [
        PilotInfo(
            id=p.id,
            name=p.user.get_full_name() or p.user.get_username(),
            licence_expiry=p.licence_expiry,
            busy=tuple(sorted(busy.get(p.id, ()))),
        )
        for p in pilot_rows
    ]

    # Sorties not re-planned: fixed on the planned days, prior for the rules and the load.
    sorties = (
        Sortie.objects.filter(
            Q(occurrence__campaign=campaign) | Q(occurrence__date__gte=first, occurrence__date__lte=last)
        )
        .exclude(status=Sortie.Status.CANCELLED)
        .select_related("occurrence", "application")
    )
    fixed: list[Flight] = []
    existing: dict[int, Existing] = {}
    approvals: dict[int, str] = {}
    prior_visits: dict[str, int] = defaultdict(int)
    prior_week: dict = defaultdict(int)
    prior_month: dict = defaultdict(int)
    prior_load: dict[int, int] = defaultdict(int)
    prior_visited_occ: set[int] = set()
    for s in sorties:
        occ = s.occurrence
        launch = (s.launch_lat, s.launch_lon)
        if occ.id in planned_ids:
            existing[occ.id] = Existing(
                s.id, s.drone_id, s.pilot_id, epoch_s(s.start), epoch_s(s.end), s.battery_packs, launch, s.mission_id
            )
            application = getattr(s, "application", None)
            if application is not None and application.status == "approved" and application.reference:
                approvals[occ.id] = application.reference
            continue
        if first <= occ.date <= last:
            fixed.append(
                Flight(
                    occ.id if occ.campaign_id == campaign.id else None,
                    s.drone_id,
                    s.pilot_id,
                    epoch_s(s.start),
                    epoch_s(s.end),
                    s.battery_packs,
                    launch,
                    occ.date,
                )
            )
        if occ.campaign_id == campaign.id:
            place = f"m{occ.market_id}" if occ.market_id else f"s{occ.school_id}"
            iso = occ.date.isocalendar()
            prior_visits[place] += 1
            prior_week[(place, (iso[0], iso[1]))] += 1
            prior_month[(place, (occ.date.year, occ.date.month))] += 1
            prior_load[s.pilot_id] += 1
            prior_visited_occ.add(occ.id)

    # Townships' coverage outside the planned set: occurrences visited / all, per station.
    prior_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    others = (
        Occurrence.objects.filter(campaign=campaign)
        .exclude(id__in=planned_ids)
        .exclude(status=Occurrence.Status.CANCELLED)
        .values_list("id", "market__station__name", "school__responsible_station__name", "market_id")
    )
    for occ_id, market_station, school_station, market_id in others:
        group = (market_station if market_id else school_station) or "—"
        prior_group[group][1] += 1
        if occ_id in prior_visited_occ:
            prior_group[group][0] += 1

    planner = MissionPlanner(campaign=campaign, occurrences=rows, approvals=approvals)
    plans: dict[tuple[int, int], Plan] = {}
    for drone in drones:
        if not drone.usable:
            continue
        for row in rows:
            plans[(row.id, drone.id)] = planner.plan(row, drone)

    # One length per occurrence whichever drone flies it (the longest): a pilot's day does not depend on
    # the drone, so the model's pilot variables need no drone.
    longest: dict[int, int] = defaultdict(int)
    for (occ_id, _drone_id), plan in plans.items():
        if plan.ok:
            longest[occ_id] = max(longest[occ_id], plan.duration_s)
    plans = {
        key: dataclasses.replace(plan, duration_s=longest[key[0]]) if plan.ok else plan for key, plan in plans.items()
    }
    repeat = {o.place: planner.repeat_share(o.is_market) for o in occs}
    return Problem(
        campaign_id=campaign.id,
        first=first,
        last=last,
        occs=occs,
        drones=drones,
        pilots=pilots,
        plans=plans,
        visit_rule=campaign.visit_rule,
        visits_per_month=campaign.visits_per_month,
        limits=limits,
        fixed=fixed,
        existing=existing,
        prior_visits=dict(prior_visits),
        prior_week=dict(prior_week),
        prior_month=dict(prior_month),
        prior_group={g: (v[0], v[1]) for g, v in prior_group.items()},
        prior_load=dict(prior_load),
        repeat_share=repeat,
        missions=planner.missions,
    )
