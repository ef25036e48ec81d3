"""One piece of the roster solver (one lane-week): its greedy fill and its CP-SAT model.

The model: a boolean per (person, shift, role) only where the person may fill it (qualified, not on
leave); coverage with slack (``sum + slack == required``) so the model is always feasible; at most one
shift per person in each clique of one day's shifts that overlap or cannot be reached in time (haversine
distance / speed + minimum rest; the cliques are cached per day pattern and shared across weeks); at most
the daily and weekly limits. The objective adds, with the weights of ``WEIGHTS``: uncovered slots
(dominant), each person's distance from the pool's target load (carried from earlier weeks), minus
bonuses for the liaison officer at their own school, the same person as last week on the same post and
window, and (re-planning) keeping the previous assignment. The piece's greedy fill, on a copy-on-touch
view of the lane's ledger, is the model's hint and the fallback ``roster_solve`` compares it with.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import ChainMap, defaultdict

from ortools.sat.python import cp_model

from patrol.roster.greedy import Ledger, greedy_fill
from patrol.roster.pools import Lane, Pool
from patrol.roster.problem import AUXILIARY, POLICE, Problem, Shift, Staff

WEIGHTS = {
    "uncovered_slot": 10_000,
    "fairness_deviation": 10,
    "liaison_at_own_school": 3,
    "continuity": 2,
    "keep_assignment": 40,
    "keep_published": 500,
}

Assignment = tuple[int, int, str]  # (shift id, staff id, role)


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

    def _groups(self):
        """Per pool, its role groups with their demand this week: ``(members, demand)``. A pool that needs
        auxiliary officers but has none counts that demand on its police (they may fill it)."""
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
                if members and demand.get(role):
                    yield members, demand[role]

    def _band(self, members: list[Staff], demand: int) -> tuple[int, int]:
        """The target load of a role group after this week: the group's load spread evenly."""
        base = sum(self.state.ledger.load[p.id] for p in members)
        target = (base + demand) / len(members)
        return math.floor(target), math.ceil(target)

    def unfairness(self, chosen: list[Assignment]) -> int:
        """The model's fairness term for ``chosen``: over every role group of the lane, how far each
        person's load (carried from earlier weeks plus this week's duties) falls outside the group's
        target band. Zero when everyone is within one duty of an even share."""
        mine: dict[int, int] = defaultdict(int)
        for _shift_id, staff_id, _role in chosen:
            mine[staff_id] += 1
        total = 0
        for members, demand in self._groups():
            low, high = self._band(members, demand)
            for person in members:
                load = self.state.ledger.load[person.id] + mine[person.id]
                total += max(load - high, low - load, 0)
        return total

    def rank(self, chosen: list[Assignment]) -> tuple[int, int]:
        """How a candidate roster of this piece compares: coverage first, then fairness (lower is better)."""
        return self.uncovered(chosen), self.unfairness(chosen)

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
                    if problem.context and problem.context_blocked(person.id, shift):
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
        for members, demand in self._groups():
            low, high = self._band(members, demand)
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
        self.outside_weeks = sorted(problem.outside_load)

    def carry(self, week: dt.date) -> None:
        """Before solving ``week``: the load of the weeks before it that are not planned (re-planning
        some pieces only), as the lane would have carried it had it solved them."""
        self.ledger.carry(self.problem.outside_load, self.outside_weeks, week)

    def previous_week(self, shift: Shift) -> set[int]:
        return self.posts.get((shift.post_id, shift.date - dt.timedelta(days=7), shift.kind), set())

    def record(self, chosen: list[Assignment]) -> None:
        for shift_id, staff_id, _role in chosen:
            shift = self.problem.shift_by_id[shift_id]
            self.ledger.add(staff_id, shift)
            self.posts.setdefault((shift.post_id, shift.date, shift.kind), set()).add(staff_id)


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
