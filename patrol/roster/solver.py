"""Roster generation with OR-Tools CP-SAT, decomposed into pools and weeks.

Pools are independent: each station's police and auxiliary officers with the schools the station is
responsible for, and each school's guards and volunteers. Small pools are bundled into *lanes*; a lane
is solved week by week (a *piece* is one lane-week), carrying each person's load forward so fairness
holds over the term, and lanes run in parallel threads (CP-SAT releases the GIL while it searches).

One piece's model: a boolean per (person, shift, role) only where the person may fill it (qualified, not
on leave); coverage with slack (``sum + slack == required``) so the model is always feasible; at most one
shift per person in each clique of one day's shifts that overlap or cannot be reached in time (haversine
distance / speed + minimum rest; the cliques are cached per day pattern and shared across weeks); at most
the daily and weekly limits. The objective adds, with the weights of ``WEIGHTS``: uncovered slots
(dominant), each person's distance from the pool's target load (carried from earlier weeks), minus
bonuses for the liaison officer at their own school, the same person as last week on the same post and
window, and (re-planning) keeping the previous assignment. The piece's greedy fill is the hint and,
with the whole-term greedy baseline, the fallback: a piece never ends worse covered than greedy.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import statistics
import threading
import time
from collections import ChainMap, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from patrol.roster.greedy import Ledger, greedy_fill
from patrol.roster.problem import AUXILIARY, POLICE, ROLES, SCHOOL_ROLES, STATION_ROLES, Problem, Shift, Staff

WEIGHTS = {
    "uncovered_slot": 10_000,
    "fairness_deviation": 10,
    "liaison_at_own_school": 3,
    "continuity": 2,
    "keep_assignment": 40,
    "keep_published": 500,
}
# Bundle pools into one lane until a week of it has about this many variables.
LANE_VARIABLES = 1000

Assignment = tuple[int, int, str]  # (shift id, staff id, role)


@dataclass
class Pool:
    key: str
    roles: tuple[str, ...]
    staff: list[Staff]
    shifts_by_week: dict[dt.date, list[Shift]] = field(default_factory=lambda: defaultdict(list))
    estimate: int = 0  # variables over the term


@dataclass
class Lane:
    pools: list[Pool]
    estimate: int = 0


def pools_build(problem: Problem) -> list[Pool]:
    pools: dict[str, Pool] = {}
    for shift in problem.shifts:
        for role in shift.requirements:
            if role in SCHOOL_ROLES:
                key, roles, place = f"school:{shift.school_id}", SCHOOL_ROLES, shift.school_id
            else:
                key, roles, place = f"station:{shift.station_id}", STATION_ROLES, shift.station_id
            pool = pools.get(key)
            if pool is None:
                if place is None:
                    members: list[Staff] = []
                elif roles == SCHOOL_ROLES:
                    members = [p for p in problem.staff if p.role in SCHOOL_ROLES and p.school_id == place]
                else:
                    members = [p for p in problem.staff if p.role in STATION_ROLES and p.station_id == place]
                pool = pools[key] = Pool(key=key, roles=roles, staff=members)
            week = pool.shifts_by_week[shift.week]
            if not week or week[-1].id != shift.id:
                week.append(shift)
            pool.estimate += len(problem.candidates(shift, role)) * shift.requirements[role]
    return list(pools.values())


def lanes_build(pools: list[Pool], weeks: int) -> list[Lane]:
    lanes: list[Lane] = []
    current = Lane(pools=[])
    per_week = max(weeks, 1)
    for pool in sorted(pools, key=lambda p: p.key):
        if current.pools and (current.estimate + pool.estimate) / per_week > LANE_VARIABLES:
            lanes.append(current)
            current = Lane(pools=[])
        current.pools.append(pool)
        current.estimate += pool.estimate
    if current.pools:
        lanes.append(current)
    return lanes


def existing_check(
    problem: Problem,
) -> tuple[dict[tuple[int, str], list[int]], dict[tuple[int, str], list[int]], list[dict]]:
    """Which existing assignments still hold: ``(pinned kept, unpinned still valid, pinned released)``.

    Pinned ones are checked first (so a hand edit wins over a generated duty), each against
    qualification, leave, the requirement, overlap and travel with what is already kept, and the limits.
    """
    fixed: dict[tuple[int, str], list[int]] = defaultdict(list)
    keep: dict[tuple[int, str], list[int]] = defaultdict(list)
    released: list[dict] = []
    ledger = Ledger(problem)
    ordered = sorted(
        problem.existing,
        key=lambda e: (
            not e.pinned,
            problem.shift_by_id[e.shift_id].start_s if e.shift_id in problem.shift_by_id else 0,
        ),
    )
    for item in ordered:
        shift = problem.shift_by_id.get(item.shift_id)
        person = problem.staff_by_id.get(item.staff_id)
        why: str | None
        if shift is None:
            continue
        if person is None:
            why = "staff_inactive"
        elif shift.requirements.get(item.role, 0) <= len(fixed[(shift.id, item.role)]) + len(
            keep[(shift.id, item.role)]
        ):
            why = "not_required"
        elif not problem.qualified(person, shift, item.role):
            why = "not_qualified"
        else:
            why = ledger.blocked(person.id, shift)
        if why is None:
            ledger.add(item.staff_id, shift)
            (fixed if item.pinned else keep)[(shift.id, item.role)].append(item.staff_id)
        elif item.pinned:
            released.append(
                {
                    "assignment_id": item.id,
                    "shift_id": shift.id,
                    "staff_id": item.staff_id,
                    "staff": person.name if person else "",
                    "role": item.role,
                    "school": shift.school_name,
                    "gate": shift.gate_name,
                    "post": shift.post_name,
                    "date": shift.date.isoformat(),
                    "window": shift.window,
                    "reason": why,
                    "reason_text": RELEASE_TEXT().get(why, why),
                }
            )
    return dict(fixed), dict(keep), released


def RELEASE_TEXT() -> dict[str, str]:  # noqa: N802 - a table, translated when called
    return {
        "staff_inactive": _("the person is no longer active"),
        "not_required": _("the shift no longer needs this role (or already has enough pinned people)"),
        "not_qualified": _("the person is not qualified for this post any more"),
        "leave": _("the person is on leave or another duty"),
        "overlap": _("the person has another pinned duty at the same time"),
        "travel": _("the person cannot reach the post in time from another pinned duty"),
        "day_limit": _("the person's daily limit of duties is reached"),
        "week_limit": _("the person's weekly limit of duties is reached"),
    }


def UNCOVERED_TEXT() -> dict[str, str]:  # noqa: N802
    return {
        "no_one_qualified": _("no one in the pool is qualified for this role here"),
        "all_on_leave": _("everyone qualified is on leave or another duty"),
        "all_busy": _("everyone qualified is busy at the same time or cannot get there in time"),
        "limit_reached": _("everyone qualified who is free has reached their daily or weekly limit"),
        "not_found": _("the solver found no one in its time limit (someone may be free)"),
    }


class _Piece:
    """One lane-week: its slots, the greedy fill on the lane's ledger (hint and fallback), the CP-SAT model."""

    def __init__(self, problem: Problem, lane: Lane, week: dt.date, state: _LaneState, replan: bool):
        self.problem = problem
        self.lane = lane
        self.week = week
        self.state = state
        self.replan = replan

    def slots(self, pool: Pool):
        for shift in pool.shifts_by_week.get(self.week, ()):
            for role in pool.roles:
                need = shift.requirements.get(role, 0)
                if need > 0:
                    yield shift, role, need

    def is_clean(self) -> list[Assignment] | None:
        """On re-planning, a piece whose previous assignments all still hold and cover it is kept as is."""
        kept: list[Assignment] = []
        state = self.state
        for pool in self.lane.pools:
            for shift, role, need in self.slots(pool):
                people = state.fixed.get((shift.id, role), []) + state.keep.get((shift.id, role), [])
                if len(people) < need:
                    return None
                kept.extend((shift.id, p, role) for p in people)
        return kept

    def greedy(self) -> list[Assignment]:
        """The greedy fill of this piece on a copy of the lane's ledger (every pool with its own roles only)."""
        state = self.state
        ledger = _ShadowLedger(state.ledger)
        continuity: ChainMap = ChainMap({}, state.posts)
        chosen: list[Assignment] = []
        for pool in self.lane.pools:
            chosen += greedy_fill(
                self.problem,
                pool.shifts_by_week.get(self.week, []),
                ledger=ledger,
                roles=pool.roles,
                fixed=state.fixed,
                keep=state.keep if self.replan else {},
                continuity=continuity,  # type: ignore[arg-type]
            )
        return chosen

    def trivial(self, chosen: list[Assignment]) -> bool:
        """Nothing to choose: the fill covers every slot and each pool has at most one person per role."""
        for pool in self.lane.pools:
            roles: dict[str, int] = defaultdict(int)
            for person in pool.staff:
                roles[person.role] += 1
            if any(count > 1 for count in roles.values()):
                return False
        return self.uncovered(chosen) == 0

    def uncovered(self, chosen: list[Assignment]) -> int:
        counts: dict[tuple[int, str], int] = defaultdict(int)
        for shift_id, _staff_id, role in chosen:
            counts[(shift_id, role)] += 1
        slots = (slot for pool in self.lane.pools for slot in self.slots(pool))
        return sum(max(0, need - counts[(shift.id, role)]) for shift, role, need in slots)

    def solve(self, time_limit_s: float, workers: int, hint: list[Assignment]) -> tuple[list[Assignment], dict, dict]:
        problem, state, w = self.problem, self.state, WEIGHTS
        model = cp_model.CpModel()
        x: dict[tuple[int, int, str], cp_model.IntVar] = {}
        slack: list[tuple[cp_model.IntVar, int, tuple[int, str]]] = []
        by_person: dict[int, list[tuple[Shift, cp_model.IntVar]]] = defaultdict(list)
        terms: dict[str, list] = defaultdict(list)
        published = state.published
        for pool in self.lane.pools:
            for shift, role, need in self.slots(pool):
                pinned = state.fixed.get((shift.id, role), [])
                kept = state.keep.get((shift.id, role), []) if self.replan else []
                previous = state.previous_week(shift)
                liaison = problem.liaison.get(shift.school_id)
                cover = []
                # Only people who may stand it: qualified (candidates) and not on leave.
                for person in problem.candidates(shift, role):
                    if problem.on_leave(person.id, shift):
                        continue
                    var = model.new_bool_var("")
                    x[(person.id, shift.id, role)] = var
                    by_person[person.id].append((shift, var))
                    cover.append(var)
                    if person.id in pinned:
                        model.add(var == 1)
                    if person.id in kept:
                        weight = w["keep_published"] if (shift.id, person.id) in published else w["keep_assignment"]
                        terms["keep"].append((weight, var))
                    if person.id == liaison:
                        terms["liaison"].append((w["liaison_at_own_school"], var))
                    if person.id in previous:
                        terms["continuity"].append((w["continuity"], var))
                u = model.new_int_var(0, need, "")
                model.add(cp_model.LinearExpr.sum(cover) + u == need)
                slack.append((u, need, (shift.id, role)))

        # Conflict cliques (time overlap, unreachable pairs) per pool and day, shared by the pool's people.
        groups_by_day: dict[tuple[str, dt.date], list[frozenset[int]]] = {}
        pool_of: dict[int, str] = {}
        for pool in self.lane.pools:
            days: dict[dt.date, list[Shift]] = defaultdict(list)
            for shift in pool.shifts_by_week.get(self.week, ()):
                days[shift.date].append(shift)
            for day, shifts in days.items():
                groups_by_day[(pool.key, day)] = _conflict_groups(problem, shifts)
            for person in pool.staff:
                pool_of[person.id] = pool.key
        for person_id, entries in by_person.items():
            person = problem.staff_by_id[person_id]
            per_day: dict[dt.date, list[tuple[Shift, cp_model.IntVar]]] = defaultdict(list)
            for shift, var in entries:
                per_day[shift.date].append((shift, var))
            for day, items in per_day.items():
                if len(items) > 1:
                    by_shift: dict[int, list] = defaultdict(list)
                    for shift, var in items:
                        by_shift[shift.id].append(var)
                    for group in groups_by_day.get((pool_of[person_id], day), ()):
                        vars_ = [v for sid in group if sid in by_shift for v in by_shift[sid]]
                        if len(vars_) > 1:
                            model.add_at_most_one(vars_)
                    # Two roles on one shift (police filling police and auxiliary): at most one.
                    for vars_ in by_shift.values():
                        if len(vars_) > 1:
                            model.add_at_most_one(vars_)
                cap = person.max_per_day - state.ledger.day[(person_id, day)]
                if len(items) > cap:
                    model.add(cp_model.LinearExpr.sum([v for _s, v in items]) <= max(cap, 0))
            cap = person.max_per_week - state.ledger.week[(person_id, self.week)]
            if len(entries) > cap:
                model.add(cp_model.LinearExpr.sum([v for _s, v in entries]) <= max(cap, 0))

        # Fairness per role group of each pool: each person's cumulative load (carried from earlier weeks)
        # near the group's target; a sum of deviations, cheaper than max - min and as good in practice.
        deviations: list[tuple[cp_model.IntVar, int, int, int, list]] = []
        for pool in self.lane.pools:
            demand: dict[str, int] = defaultdict(int)
            for _shift, role, need in self.slots(pool):
                demand[role] += need
            groups: dict[str, list[Staff]] = defaultdict(list)
            for person in pool.staff:
                groups[person.role].append(person)
            if AUXILIARY in demand and not groups.get(AUXILIARY):
                demand[POLICE] += demand.pop(AUXILIARY)
            for role, members in groups.items():
                if not members or not demand.get(role):
                    continue
                base = sum(state.ledger.load[p.id] for p in members)
                target = (base + demand[role]) / len(members)
                low, high = math.floor(target), math.ceil(target)
                for person in members:
                    mine = [v for _s, v in by_person.get(person.id, ())]
                    carried = state.ledger.load[person.id]
                    top = max(abs(carried - low), abs(carried + len(mine) - high)) + 1
                    dev = model.new_int_var(0, top, "")
                    load = carried + cp_model.LinearExpr.sum(mine)
                    model.add(dev >= load - high)
                    model.add(dev >= low - load)
                    deviations.append((dev, carried, low, high, [(person.id, s.id) for s, _v in by_person[person.id]]))

        bonus = [(weight, var) for name in ("keep", "liaison", "continuity") for weight, var in terms[name]]
        objective_vars = [u for u, _n, _k in slack] + [d for d, *_rest in deviations] + [v for _w, v in bonus]
        objective_weights = (
            [w["uncovered_slot"]] * len(slack) + [w["fairness_deviation"]] * len(deviations) + [-wt for wt, _v in bonus]
        )
        model.minimize(cp_model.LinearExpr.weighted_sum(objective_vars, objective_weights))
        # The greedy fill as a complete hint: CP-SAT starts from a feasible roster at least as good.
        hinted = {(pid, sid, role) for sid, pid, role in hint}
        hinted_people = {(pid, sid) for sid, pid, _role in hint}
        filled: dict[tuple[int, str], int] = defaultdict(int)
        for key, var in x.items():
            on = key in hinted
            model.add_hint(var, int(on))
            if on:
                filled[(key[1], key[2])] += 1
        for u, need, slot in slack:
            model.add_hint(u, max(0, need - filled[slot]))
        for dev, carried, low, high, mine in deviations:
            load = carried + sum(1 for pair in mine if pair in hinted_people)
            model.add_hint(dev, max(load - high, low - load, 0))

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
        solver.parameters.num_workers = workers
        # One unit of fairness deviation is not worth proving optimality for.
        solver.parameters.absolute_gap_limit = float(w["fairness_deviation"])
        # Symmetry breaking in presolve can make a feasible hint infeasible (then CP-SAT starts from scratch).
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        status = solver.solve(model)
        info = {"variables": len(x), "status": solver.status_name(status).lower()}
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [], info, {}
        chosen = [(sid, pid, role) for (pid, sid, role), var in x.items() if solver.boolean_value(var)]
        values = {
            "uncovered_slots": sum(solver.value(u) for u, _n, _k in slack),
            "fairness_deviation": sum(solver.value(d) for d, *_rest in deviations),
            **{
                f"{name}_count": sum(1 for _w, var in terms[name] if solver.boolean_value(var))
                for name in ("keep", "liaison", "continuity")
            },
        }
        return chosen, info, values


def _conflict_groups(problem: Problem, shifts: list[Shift]) -> list[frozenset[int]]:
    """Sets of one day's shifts no one can stand two of: maximal overlap cliques plus unreachable pairs.

    Cached on the day's pattern (post, window, place), so a pool's weeks share the work.
    """
    ordered = sorted(shifts, key=lambda s: (s.start_s, s.id))
    day_start = ordered[0].start_s - ordered[0].start_s % 86400
    signature = tuple((s.post_id, s.start_s - day_start, s.end_s - day_start, s.lat, s.lon) for s in ordered)
    cache: dict = problem.__dict__.setdefault("_conflict_cache", {})
    found = cache.get(signature)
    if found is None:
        found = []
        open_: list[int] = []
        previous: set[int] = set()
        for n, shift in enumerate(ordered):
            open_ = [m for m in open_ if ordered[m].end_s > shift.start_s]
            open_.append(n)
            active = set(open_)
            if not active <= previous:
                found.append(tuple(open_))
            previous = active
        # No pair further apart in time than the longest trip between these gates plus rest can conflict.
        lats = [s.lat for s in ordered]
        lons = [s.lon for s in ordered]
        corner_a = Shift(0, 0, "", "", 0, "", None, min(lats), min(lons), ordered[0].date, "", 0, 0, "", {})
        corner_b = Shift(0, 0, "", "", 0, "", None, max(lats), max(lons), ordered[0].date, "", 0, 0, "", {})
        reach_s = problem.travel_s(corner_a, corner_b) + problem.min_rest_s + 1
        for i, a in enumerate(ordered):
            for j in range(i + 1, len(ordered)):
                b = ordered[j]
                if b.start_s >= a.end_s + reach_s:
                    break
                if b.start_s >= a.end_s and problem.conflict(a, b):
                    found.append((i, j))
        cache[signature] = found
    return [frozenset(ordered[n].id for n in group) for group in found]


class _LaneState:
    def __init__(self, problem: Problem, fixed, keep, published):
        self.problem = problem
        self.ledger = Ledger(problem)
        self.fixed = fixed
        self.keep = keep
        self.published = published
        self.posts: dict[tuple[int, dt.date, str], set[int]] = {k: set(v) for k, v in problem.prior_posts.items()}

    def previous_week(self, shift: Shift) -> set[int]:
        return self.posts.get((shift.post_id, shift.date - dt.timedelta(days=7), shift.kind), set())

    def record(self, chosen: list[Assignment]) -> None:
        for shift_id, staff_id, _role in chosen:
            shift = self.problem.shift_by_id[shift_id]
            self.ledger.add(staff_id, shift)
            self.posts.setdefault((shift.post_id, shift.date, shift.kind), set()).add(staff_id)


def _pool_key(shift: Shift, role: str) -> str:
    return f"school:{shift.school_id}" if role in SCHOOL_ROLES else f"station:{shift.station_id}"


def roster_solve(
    problem: Problem, *, time_limit_s: float, replan: bool = False, threads: int | None = None
) -> tuple[list[Assignment], dict]:
    """Solve ``problem`` within about ``time_limit_s``; returns the assignments and the report.

    Every piece ends with the best of: CP-SAT (hinted with the greedy fill), the greedy fill on the
    lane's carried load, and (first plan) the piece's share of the whole-problem greedy baseline, so
    coverage is never below the baseline's. Pieces are independent in the hard constraints (a person
    belongs to one pool; limits are per day and week), so any mix of their answers is a valid roster.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s * 0.85
    fixed, keep, released = existing_check(problem)
    published = {(e.shift_id, e.staff_id) for e in problem.existing if e.published}

    pools = pools_build(problem)
    weeks = sorted({s.week for s in problem.shifts})
    lanes = lanes_build(pools, len(weeks))
    cores = os.cpu_count() or 1
    threads = threads or max(1, min(cores, len(lanes)))
    workers = max(1, cores // threads)
    total_estimate = sum(lane.estimate for lane in lanes) or 1
    budget = time_limit_s * 0.8 * threads

    baseline: dict[tuple[int, dt.date], list[Assignment]] = defaultdict(list)
    if not replan:
        lane_of_pool = {pool.key: n for n, lane in enumerate(lanes) for pool in lane.pools}
        everything = greedy_fill(
            problem,
            problem.shifts,
            ledger=Ledger(problem),
            roles=ROLES,
            fixed=fixed,
            keep={},
            continuity={k: set(v) for k, v in problem.prior_posts.items()},
        )
        for shift_id, staff_id, role in everything:
            shift = problem.shift_by_id[shift_id]
            baseline[(lane_of_pool[_pool_key(shift, role)], shift.week)].append((shift_id, staff_id, role))

    results: list[Assignment] = []
    pieces: list[dict] = []
    objective: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def run_lane(n: int) -> None:
        lane = lanes[n]
        state = _LaneState(problem, fixed, keep, published)
        lane_weeks = sorted({wk for pool in lane.pools for wk in pool.shifts_by_week})
        label = ",".join(p.key for p in lane.pools[:3]) + ("…" if len(lane.pools) > 3 else "")
        for week in lane_weeks:
            piece = _Piece(problem, lane, week, state, replan)
            piece_started = time.perf_counter()
            entry: dict = {"pools": label, "week": week.isoformat()}
            chosen = piece.is_clean() if replan else None
            values: dict = {}
            if chosen is not None:
                entry["status"] = "unchanged"
            else:
                options = [piece.greedy()]
                if piece.trivial(options[0]):
                    chosen = options[0]
                    entry["status"] = "optimal"
                    entry["engine"] = "greedy (no choice)"
                    state.record(chosen)
                    entry["time_s"] = round(time.perf_counter() - piece_started, 3)
                    with lock:
                        results.extend(chosen)
                        pieces.append(entry)
                    continue
                if (n, week) in baseline:
                    options.append(baseline[(n, week)])
                fallback = min(options, key=piece.uncovered)
                week_estimate = lane.estimate / max(len(lane_weeks), 1)
                limit = min(budget * week_estimate / total_estimate, deadline - time.perf_counter())
                info: dict = {}
                if limit > 0.01:
                    chosen, info, values = piece.solve(limit, workers, hint=options[0])
                    entry.update(info)
                if not info or info.get("status") not in ("optimal", "feasible"):
                    chosen, values = fallback, {}
                    entry["status"] = "greedy_fallback"
                elif piece.uncovered(chosen) > piece.uncovered(fallback):
                    chosen, values = fallback, {}
                    entry["status"] = "greedy_better"
            state.record(chosen)
            entry["time_s"] = round(time.perf_counter() - piece_started, 3)
            with lock:
                results.extend(chosen)
                pieces.append(entry)
                for key, value in values.items():
                    objective[key] += value

    order = sorted(range(len(lanes)), key=lambda n: -lanes[n].estimate)
    if threads == 1 or len(lanes) == 1:
        for n in order:
            run_lane(n)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool_executor:
            list(pool_executor.map(run_lane, order))

    elapsed = time.perf_counter() - started
    report = roster_report(
        problem,
        results,
        released=released,
        replan=replan,
        engine="cp-sat",
        solve_time_s=elapsed,
        pieces=pieces,
        objective=dict(objective),
    )
    report["time_limit_s"] = time_limit_s
    report["lanes"] = len(lanes)
    report["threads"] = threads
    return results, report


class _Overlay(dict):
    """Reads fall through to ``base`` (copied on first touch), writes stay here: a cheap copy of a big dict."""

    def __init__(self, base: dict, copy=lambda value: value, empty=int):  # noqa: D107
        super().__init__()
        self.base = base
        self.copy = copy
        self.empty = empty

    def __missing__(self, key):
        value = self.copy(self.base[key]) if key in self.base else self.empty()
        self[key] = value
        return value

    def get(self, key, default=None):
        if key in self or key in self.base:
            return self[key]
        return default


class _ShadowLedger(Ledger):
    """A copy-on-touch view of the lane's ledger for a piece's greedy fill (the lane records the answer)."""

    def __init__(self, other: Ledger):  # noqa: D107
        self.problem = other.problem
        self.load = _Overlay(other.load)
        self.day = _Overlay(other.day)
        self.week = _Overlay(other.week)
        self.day_shifts = _Overlay(other.day_shifts, copy=list, empty=list)


def _spread(values: list[int]) -> dict:
    if not values:
        return {"staff": 0, "min": 0, "mean": 0.0, "max": 0, "std": 0.0}
    return {
        "staff": len(values),
        "min": min(values),
        "mean": round(statistics.fmean(values), 2),
        "max": max(values),
        "std": round(statistics.pstdev(values), 2),
    }


def uncovered_reason(problem: Problem, ledger: Ledger, shift: Shift, role: str, taken: set[int]) -> tuple[str, dict]:
    """Why a ``role`` slot of ``shift`` stayed empty, given everyone's final duties in ``ledger``."""
    candidates = problem.candidates(shift, role)
    if not candidates:
        return "no_one_qualified", {}
    counts: dict[str, int] = defaultdict(int)
    for person in candidates:
        if person.id in taken:
            counts["overlap"] += 1
            continue
        counts[ledger.blocked(person.id, shift) or "free"] += 1
    detail = dict(counts)
    if counts["leave"] == len(candidates):
        return "all_on_leave", detail
    if counts["leave"] + counts["overlap"] + counts["travel"] == len(candidates):
        return "all_busy", detail
    if counts["free"] == 0:
        return "limit_reached", detail
    return "not_found", detail


def roster_report(
    problem: Problem,
    chosen: list[Assignment],
    *,
    released: list[dict],
    replan: bool,
    engine: str,
    solve_time_s: float,
    pieces: list[dict],
    objective: dict,
) -> dict:
    """The JSON report stored on the roster: coverage, what is uncovered and why, fairness, preferences."""
    ledger = Ledger(problem)
    on_shift: dict[tuple[int, str], list[int]] = defaultdict(list)
    staff_on: dict[int, set[int]] = defaultdict(set)
    for shift_id, staff_id, role in chosen:
        ledger.add(staff_id, problem.shift_by_id[shift_id])
        on_shift[(shift_id, role)].append(staff_id)
        staff_on[shift_id].add(staff_id)

    required = filled = 0
    by_role: dict[str, dict[str, int]] = {r: {"required": 0, "filled": 0} for r in ROLES}
    uncovered: list[dict] = []
    texts = UNCOVERED_TEXT()
    for shift in problem.shifts:
        for role, need in shift.requirements.items():
            got = min(len(on_shift.get((shift.id, role), ())), need)
            required += need
            filled += got
            by_role[role]["required"] += need
            by_role[role]["filled"] += got
            if got < need:
                reason, detail = uncovered_reason(problem, ledger, shift, role, staff_on.get(shift.id, set()))
                uncovered.append(
                    {
                        "shift_id": shift.id,
                        "school": shift.school_name,
                        "school_id": shift.school_id,
                        "gate": shift.gate_name,
                        "post": shift.post_name,
                        "date": shift.date.isoformat(),
                        "kind": shift.kind,
                        "window": shift.window,
                        "role": role,
                        "count": need - got,
                        "reason": reason,
                        "reason_text": texts[reason],
                        "candidates": detail,
                    }
                )

    # Spread of duties per person over the whole term, per role, for everyone in a pool with demand.
    demand_pools = pools_build(problem)
    members = {p.id: p for pool in demand_pools for p in pool.staff}
    loads: dict[str, list[int]] = defaultdict(list)
    for person in members.values():
        loads[person.role].append(ledger.load[person.id])

    liaison_staff = set(problem.liaison.values())
    liaison_school = {staff: school for school, staff in problem.liaison.items()}
    liaison_total = liaison_home = 0
    continuity_eligible = continuity_same = 0
    posts: dict[tuple[int, dt.date, str], set[int]] = {k: set(v) for k, v in problem.prior_posts.items()}
    for shift in problem.shifts:
        posts.setdefault((shift.post_id, shift.date, shift.kind), set()).update(staff_on.get(shift.id, ()))
    for shift_id, staff_id, _role in chosen:
        shift = problem.shift_by_id[shift_id]
        if staff_id in liaison_staff:
            liaison_total += 1
            liaison_home += liaison_school[staff_id] == shift.school_id
        previous = posts.get((shift.post_id, shift.date - dt.timedelta(days=7), shift.kind))
        if previous:
            continuity_eligible += 1
            continuity_same += staff_id in previous

    before = {(e.shift_id, e.staff_id, e.role) for e in problem.existing}
    after = set(chosen)
    removed = len(before - after)
    statuses: dict[str, int] = defaultdict(int)
    for piece in pieces:
        statuses[piece.get("status", "")] += 1
    if statuses.get("greedy_fallback") or statuses.get("unknown") or statuses.get("greedy_better"):
        overall = "partial"
    elif statuses.get("feasible"):
        overall = "feasible"
    else:
        overall = "optimal"
    weighted = {
        "uncovered_slots": WEIGHTS["uncovered_slot"] * objective.get("uncovered_slots", 0),
        "fairness_deviation": WEIGHTS["fairness_deviation"] * objective.get("fairness_deviation", 0),
        "liaison_bonus": -WEIGHTS["liaison_at_own_school"] * objective.get("liaison_count", 0),
        "continuity_bonus": -WEIGHTS["continuity"] * objective.get("continuity_count", 0),
    }

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    return {
        "engine": engine,
        "status": overall if engine == "cp-sat" else "greedy",
        "replan": replan,
        "from_date": problem.from_date.isoformat(),
        "solve_time_s": round(solve_time_s, 3),
        "pieces": {"count": len(pieces), "by_status": dict(statuses), "list": pieces[:500]},
        "coverage": {
            "shifts": len(problem.shifts),
            "required": required,
            "filled": filled,
            "share": share(filled, required),
            "by_role": {r: v for r, v in by_role.items() if v["required"]},
        },
        "uncovered_count": sum(u["count"] for u in uncovered),
        "uncovered": uncovered[:1000],
        "load": {role: _spread(values) for role, values in sorted(loads.items())},
        "liaison": {
            "duties": liaison_total,
            "at_own_school": liaison_home,
            "share": share(liaison_home, liaison_total),
        },
        "continuity": {
            "eligible": continuity_eligible,
            "same_person": continuity_same,
            "share": share(continuity_same, continuity_eligible),
        },
        "changes": {
            "previous": len(before),
            "kept": len(before & after),
            "removed": removed,
            "added": len(after - before),
            "share": share(removed, len(before)),
        },
        "released": released,
        "weights": dict(WEIGHTS),
        "objective": {"values": objective, "weighted": weighted},
        "assignments": len(chosen),
    }
