"""The hard rules of a campaign schedule, one source for the greedy fill, the diagnosis and the validator.

- the drone carries a loudspeaker and is in service; the sortie's mission passed its checks (``Plan.ok``)
  and the sortie lies inside the occurrence's window;
- the pilot's licence is valid on the day; the pilot is not on leave or on another duty meanwhile;
- per pilot and day at most ``max_sorties_per_day`` sorties and ``max_flying_min_per_day`` minutes;
- no two sorties of one pilot or one drone overlap, with the road time between their launch points
  and the set-up time in between (``Problem.gap_problem``);
- batteries: a sortie of ``n`` packs holds them from take-off until ``recharge_s`` after landing; at no
  time does a drone need more than its packs;
- visit rules: weekly (one per market per ISO week), per month (``visits_per_month`` per market per
  calendar month), every session.

``Ledger`` holds what is taken so far (fixed sorties first) and says why a new sortie does not fit;
``schedule_violations`` checks a whole schedule and lists every broken rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from campaigns.planning.problem import Flight, Occ, Problem

MAX_STARTS = 6  # candidate take-off times per occurrence
START_STEP_S = 15 * 60  # at least this far apart


def battery_overload(flights: list[Flight], packs: int, recharge_s: int) -> bool:
    """Whether a drone needs more than ``packs`` packs at some take-off (packs busy until recharged)."""
    for f in flights:
        t = f.start_s
        used = sum(g.packs for g in flights if g.start_s <= t < g.end_s + recharge_s)
        if used > packs:
            return True
    return False


def starts_for(problem: Problem, occ: Occ) -> list[int]:
    """Candidate take-off times: spread over the window so the longest usable sortie still fits."""
    durations = [
        plan.duration_s for d in problem.usable_drones() if (plan := problem.plans.get((occ.id, d.id))) and plan.ok
    ]
    if not durations:
        return []
    latest = occ.end_s - max(durations)
    if latest < occ.start_s:
        latest = occ.end_s - min(durations)
        if latest < occ.start_s:
            return []
    span = latest - occ.start_s
    count = min(MAX_STARTS, 1 + span // START_STEP_S)
    starts = [occ.start_s + (span * k // max(1, count - 1) if count > 1 else 0) for k in range(count)]
    starts = sorted({s - s % 60 if s - s % 60 >= occ.start_s else s for s in starts})
    existing = problem.existing.get(occ.id)
    if existing is not None and occ.start_s <= existing.start_s <= latest and existing.start_s not in starts:
        starts.append(existing.start_s)
        starts.sort()
    return starts


def flight_for(problem: Problem, occ: Occ, drone_id: int, pilot_id: int, start_s: int) -> Flight | None:
    plan = problem.plans.get((occ.id, drone_id))
    if plan is None or not plan.ok or plan.launch is None:
        return None
    return Flight(occ.id, drone_id, pilot_id, start_s, start_s + plan.duration_s, plan.packs, plan.launch, occ.date)


class Ledger:
    """What is taken: per drone and day, per pilot and day, visits per market and week or month, load."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.drone_day: dict[tuple[int, dt.date], list[Flight]] = defaultdict(list)
        self.pilot_day: dict[tuple[int, dt.date], list[Flight]] = defaultdict(list)
        self.week: dict = defaultdict(int, problem.prior_week)
        self.month: dict = defaultdict(int, problem.prior_month)
        self.visits: dict[str, int] = defaultdict(int, problem.prior_visits)
        self.load: dict[int, int] = defaultdict(int, problem.prior_load)
        self.group: dict[str, int] = defaultdict(int, {g: v[0] for g, v in problem.prior_group.items()})
        for flight in problem.fixed:
            self.drone_day[(flight.drone_id, flight.date)].append(flight)
            self.pilot_day[(flight.pilot_id, flight.date)].append(flight)

    def copy(self) -> Ledger:
        other = Ledger.__new__(Ledger)
        other.problem = self.problem
        other.drone_day = defaultdict(list, {k: list(v) for k, v in self.drone_day.items()})
        other.pilot_day = defaultdict(list, {k: list(v) for k, v in self.pilot_day.items()})
        other.week = defaultdict(int, self.week)
        other.month = defaultdict(int, self.month)
        other.visits = defaultdict(int, self.visits)
        other.load = defaultdict(int, self.load)
        other.group = defaultdict(int, self.group)
        return other

    def visit_problem(self, occ: Occ) -> str | None:
        """``"weekly"`` or ``"per_month"`` when the market has had its visits; None when it may be visited."""
        if not occ.is_market:
            return None
        rule = self.problem.visit_rule
        if rule == "weekly" and self.week[(occ.place, occ.week)] >= 1:
            return "weekly"
        if rule == "per_month" and self.month[(occ.place, occ.month)] >= (self.problem.visits_per_month or 1):
            return "per_month"
        return None

    def drone_problem(self, flight: Flight) -> str | None:
        """``"drone"`` (not usable), ``"overlap"``, ``"travel"``, ``"battery"`` or None."""
        problem = self.problem
        drone = problem.drone_by_id[flight.drone_id]
        if not drone.usable:
            return "drone"
        others = self.drone_day[(flight.drone_id, flight.date)]
        for other in others:
            why = problem.gap_problem(other, flight)
            if why:
                return why
        if battery_overload([*others, flight], drone.packs, problem.limits.recharge_s):
            return "battery"
        return None

    def pilot_problem(self, flight: Flight) -> str | None:
        """``"licence"``, ``"leave"``, ``"day_count"``, ``"day_minutes"``, ``"overlap"``, ``"travel"`` or None."""
        problem = self.problem
        pilot = problem.pilot_by_id[flight.pilot_id]
        if not pilot.licence_ok(flight.date):
            return "licence"
        if pilot.busy_during(flight.start_s, flight.end_s):
            return "leave"
        others = self.pilot_day[(flight.pilot_id, flight.date)]
        if len(others) + 1 > problem.limits.max_sorties_per_day:
            return "day_count"
        if sum(o.minutes for o in others) + flight.minutes > problem.limits.max_flying_min_per_day:
            return "day_minutes"
        for other in others:
            why = problem.gap_problem(other, flight)
            if why:
                return why
        return None

    def add(self, flight: Flight) -> None:
        occ = self.problem.occ_by_id[flight.occ_id]
        self.drone_day[(flight.drone_id, flight.date)].append(flight)
        self.pilot_day[(flight.pilot_id, flight.date)].append(flight)
        self.week[(occ.place, occ.week)] += 1
        self.month[(occ.place, occ.month)] += 1
        self.visits[occ.place] += 1
        self.load[flight.pilot_id] += 1
        self.group[occ.group] += 1


def schedule_violations(problem: Problem, chosen: list[Flight]) -> list[str]:
    """Every hard rule ``chosen`` (with the fixed sorties) breaks, as sentences; empty when it is valid."""
    found: list[str] = []
    seen: set[int] = set()
    ledger = Ledger(problem)
    for flight in sorted(chosen, key=lambda f: (f.start_s, f.occ_id)):
        occ = problem.occ_by_id.get(flight.occ_id)
        where = f"occurrence {flight.occ_id}"
        if occ is None:
            found.append(f"{where}: not an occurrence being planned")
            continue
        where = f"{occ.name} {occ.date} {occ.window}"
        if flight.occ_id in seen:
            found.append(f"{where}: two sorties")
            continue
        seen.add(flight.occ_id)
        plan = problem.plans.get((occ.id, flight.drone_id))
        if plan is None or not plan.ok:
            found.append(f"{where}: drone {flight.drone_id} has no checked mission for it (or is not usable)")
            continue
        if (flight.end_s - flight.start_s, flight.packs, flight.launch) != (plan.duration_s, plan.packs, plan.launch):
            found.append(f"{where}: the sortie does not match its mission")
        if flight.start_s < occ.start_s or flight.end_s > occ.end_s:
            found.append(f"{where}: outside the window")
        visit = ledger.visit_problem(occ)
        if visit:
            found.append(f"{where}: visit rule {visit}")
        drone_why = ledger.drone_problem(flight)
        if drone_why:
            found.append(f"{where}: drone {flight.drone_id} {drone_why}")
        pilot_why = ledger.pilot_problem(flight)
        if pilot_why:
            found.append(f"{where}: pilot {flight.pilot_id} {pilot_why}")
        ledger.add(flight)
    return found


__all__ = ["Ledger", "battery_overload", "flight_for", "schedule_violations", "starts_for"]
