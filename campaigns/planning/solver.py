"""Choosing the sorties: OR-Tools CP-SAT per day, a greedy baseline and fallback, one objective.

The problem (``campaigns.planning.problem``) is cut into *pieces*, one per day of the range, solved in
order (sorties of two days never meet); each piece starts from the ``Ledger`` the earlier ones left (visits
per market, week and month, townships' coverage, pilots' load), so the visit rules and the repeat-visit
discount hold across pieces. Each piece gets a share of the time limit by its number of options, at most
``PIECE_MAX_S``. Re-planning, a day whose sorties all still hold is kept as it is.

The model of a piece (variables only where the hard rules allow them):

- ``x[o, d, s]``: occurrence ``o`` flown by drone ``d`` taking off at ``s`` (its mission checked, the
  sortie inside the window, the drone free of fixed sorties); ``y[o, s, p]``: pilot ``p`` flies it (licence
  valid, not on leave or duty, free of fixed sorties). ``sum_d x[o, d, s] == sum_p y[o, s, p]``, at most
  one option per occurrence.
- One drone or pilot never flies two sorties that overlap or cannot be reached in time: the overlaps are
  cliques at each take-off time (interval graph of ``[start, end + set-up)``), the pairs only the road
  keeps apart are implications. An occurrence's sortie lasts as long whichever drone flies it, and road
  times run between the farthest of its launch points (``Problem.road_s``), so a pilot needs no drone.
- Per pilot and day: sorties and flying minutes; per drone: packs held from take-off until recharged
  (``[start, end + recharge)``, a cumulative) at most the drone's packs; visit rules per market.

The greedy fill obeys the same rules (``rules.Ledger``), so it is a complete, feasible hint.

Objective (integers, maximised): expected reach, each visit worth ``(1 - repeat share) x reach`` plus the
first visit of a market in the campaign ``repeat share x reach`` (``place_reach``'s discount as decreasing
marginal weights); plus ``WEIGHTS["fairness"]`` x the lowest coverage share over the townships (per
mille); minus ``WEIGHTS["load"]`` x (max - min sorties per pilot); re-planning, minus
``WEIGHTS["change"]`` per existing sortie not kept as it was. ``Piece.score`` computes the same for any
answer, so the greedy fill and CP-SAT's answer are compared by one number and the better is
kept. The whole answer then goes through ``rules.schedule_violations`` before anything is written.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from campaigns.planning.problem import Flight, Occ, Problem
from campaigns.planning.rules import Ledger, flight_for, starts_for

# A day's model rarely improves after this long; it also keeps a one-week re-plan within seconds.
PIECE_MAX_S = 1.0
PIECE_OVERHEAD_S = 0.05  # building a day's model (first guess; then as measured), outside the solver's share
WEIGHTS = {
    "fairness": 0.5,  # raising the poorest township by one visit ~ half an average visit's reach
    "load": 0.2,  # one sortie of spread between pilots ~ a fifth of an average visit
    "change": 3.0,  # a changed sortie ~ three of the best visits: only forced changes happen
}


@dataclass
class SolveReport:
    status: str = "optimal"
    engine: str = "cp-sat"
    time_s: float = 0.0
    pieces: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"status": self.status, "engine": self.engine, "time_s": round(self.time_s, 3), "pieces": self.pieces}


# --- the piece: options, weights, score -------------------------------------------------------------


class Piece:
    """One day's occurrences with their options, on a ledger of what came before."""

    def __init__(self, problem: Problem, occs: list[Occ], ledger: Ledger, replan: bool):
        self.problem = problem
        self.occs = occs
        self.ledger = ledger
        self.replan = replan
        self.starts = {o.id: starts_for(problem, o) for o in occs}
        drones = problem.usable_drones()
        self.drones = {o.id: [d for d in drones if (p := problem.plans.get((o.id, d.id))) and p.ok] for o in occs}
        days = {o.date for o in occs}
        self.pilots = [p for p in problem.pilots if any(p.licence_ok(day) for day in days)]
        reaches = [problem.plans[(o.id, d.id)].reach for o in occs for d in self.drones[o.id]]
        self.avg_reach = max(1.0, sum(reaches) / len(reaches)) if reaches else 1.0
        self.max_reach = max(reaches, default=1)
        self.groups = sorted({o.group for o in occs})
        smallest = min((problem.group_total.get(g, 1) for g in self.groups), default=1)
        self.w_fair = max(1, round(WEIGHTS["fairness"] * self.avg_reach * smallest / 1000))
        self.w_load = max(1, round(WEIGHTS["load"] * self.avg_reach))
        self.w_change = max(1, round(WEIGHTS["change"] * self.max_reach)) if replan else 0
        self.first_bonus: dict[str, int] = {}
        for o in occs:
            if ledger.visits[o.place] == 0 and self.drones[o.id]:
                rs = problem.repeat_share.get(o.place, 0.0)
                low = min(problem.plans[(o.id, d.id)].reach for d in self.drones[o.id])
                bonus = int(rs * low)
                self.first_bonus[o.place] = min(self.first_bonus.get(o.place, bonus), bonus)

    def visit_weight(self, occ: Occ, drone_id: int) -> int:
        rs = self.problem.repeat_share.get(occ.place, 0.0)
        return int((1.0 - rs) * self.problem.plans[(occ.id, drone_id)].reach)

    def unchanged(self, flight: Flight) -> bool:
        ex = self.problem.existing.get(flight.occ_id)
        return ex is not None and (ex.drone_id, ex.pilot_id, ex.start_s, ex.end_s, ex.packs, ex.launch) == (
            flight.drone_id,
            flight.pilot_id,
            flight.start_s,
            flight.end_s,
            flight.packs,
            flight.launch,
        )

    def score(self, chosen: list[Flight]) -> dict[str, int]:
        """The objective's terms for ``chosen`` (this piece's flights), as the model counts them."""
        problem = self.problem
        reach = 0
        places: set[str] = set()
        per_group: dict[str, int] = defaultdict(int)
        load: dict[int, int] = defaultdict(int)
        for f in chosen:
            occ = problem.occ_by_id[f.occ_id]
            reach += self.visit_weight(occ, f.drone_id)
            places.add(occ.place)
            per_group[occ.group] += 1
            load[f.pilot_id] += 1
        reach += sum(self.first_bonus.get(place, 0) for place in places)
        fair = min(
            (
                1000 * (self.ledger.group[g] + per_group[g]) // max(1, problem.group_total.get(g, 1))
                for g in self.groups
            ),
            default=0,
        )
        loads = [self.ledger.load[p.id] + load[p.id] for p in self.pilots]
        spread = (max(loads) - min(loads)) if loads else 0
        kept = {f.occ_id for f in chosen if self.unchanged(f)}
        changed = sum(1 for o in self.occs if o.id in problem.existing and o.id not in kept) if self.replan else 0
        total = reach + self.w_fair * fair - self.w_load * spread - self.w_change * changed
        return {"total": total, "reach": reach, "fairness": fair, "spread": spread, "changed": changed}

    # --- greedy ---------------------------------------------------------------------------------------

    def greedy(self) -> list[Flight]:
        """Kept sorties first (re-planning), then the most valuable occurrences, each at its first free option."""
        ledger = self.ledger.copy()
        chosen: list[Flight] = []
        done: set[int] = set()
        problem = self.problem
        if self.replan:
            for occ in sorted(self.occs, key=lambda o: o.start_s):
                ex = problem.existing.get(occ.id)
                if ex is None or ex.start_s not in self.starts[occ.id]:
                    continue
                flight = flight_for(problem, occ, ex.drone_id, ex.pilot_id, ex.start_s)
                if flight is None or not self.unchanged(flight):
                    continue
                if ledger.visit_problem(occ) or ledger.drone_problem(flight) or ledger.pilot_problem(flight):
                    continue
                ledger.add(flight)
                chosen.append(flight)
                done.add(occ.id)

        def value(occ: Occ) -> int:
            best = max((self.visit_weight(occ, d.id) for d in self.drones[occ.id]), default=0)
            return best + (self.first_bonus.get(occ.place, 0) if ledger.visits[occ.place] == 0 else 0)

        for occ in sorted(self.occs, key=lambda o: (-value(o), o.start_s, o.id)):
            if occ.id in done or not self.drones[occ.id] or ledger.visit_problem(occ):
                continue
            flight = self._first_fit(occ, ledger)
            if flight is not None:
                ledger.add(flight)
                chosen.append(flight)
        return chosen

    def _first_fit(self, occ: Occ, ledger: Ledger) -> Flight | None:
        problem = self.problem
        drones = sorted(self.drones[occ.id], key=lambda d: (len(ledger.drone_day[(d.id, occ.date)]), d.id))
        pilots = sorted(self.pilots, key=lambda p: (ledger.load[p.id], p.id))
        for start in self.starts[occ.id]:
            for drone in drones:
                probe = flight_for(problem, occ, drone.id, pilots[0].id if pilots else 0, start)
                if probe is None or probe.end_s > occ.end_s or ledger.drone_problem(probe):
                    continue
                for pilot in pilots:
                    flight = flight_for(problem, occ, drone.id, pilot.id, start)
                    if flight is not None and ledger.pilot_problem(flight) is None:
                        return flight
        return None

    # --- CP-SAT ---------------------------------------------------------------------------------------

    def solve(self, time_limit_s: float, hint: list[Flight]) -> tuple[list[Flight] | None, str]:
        problem, ledger, limits = self.problem, self.ledger, self.problem.limits
        model = cp_model.CpModel()
        x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        y: dict[tuple[int, int, int], cp_model.IntVar] = {}
        objective: list = []
        pilot_nodes: dict[object, list[tuple[int, int, int]]] = defaultdict(list)
        pilot_launches: dict[int, list[tuple[float, float]]] = {}
        drone_items: dict[tuple[int, object], list] = defaultdict(list)
        pilot_items: dict[object, list] = defaultdict(list)
        by_occ: dict[int, list] = defaultdict(list)
        by_place: dict[str, list] = defaultdict(list)
        by_group: dict[str, list] = defaultdict(list)
        by_week: dict[tuple, list] = defaultdict(list)
        by_month: dict[tuple, list] = defaultdict(list)
        for occ in self.occs:
            drones = self.drones[occ.id]
            if not drones or ledger.visit_problem(occ):
                continue
            pilot_launches[occ.id] = list(problem.launch_sets[occ.id])
            longest = max(problem.plans[(occ.id, d.id)].duration_s for d in drones)
            for s in self.starts[occ.id]:
                xs = []
                for d in drones:
                    flight = flight_for(problem, occ, d.id, 0, s)
                    if flight.end_s > occ.end_s or ledger.drone_problem(flight):
                        continue
                    var = model.new_bool_var("")
                    x[(occ.id, d.id, s)] = var
                    xs.append(var)
                    objective.append((self.visit_weight(occ, d.id), var))
                    drone_items[(d.id, occ.date)].append((s, flight.end_s, pilot_launches[occ.id], flight.packs, var))
                if not xs:
                    continue
                ys = []
                end = min(s + longest, occ.end_s)
                pilot_nodes[occ.date].append((occ.id, s, end))
                for p in self.pilots:
                    if not p.licence_ok(occ.date) or p.busy_during(s, end):
                        continue
                    probe = Flight(occ.id, 0, p.id, s, end, 1, pilot_launches[occ.id][0], occ.date)
                    if any(problem.gap_problem(probe, other) for other in ledger.pilot_day[(p.id, occ.date)]):
                        continue
                    var = model.new_bool_var("")
                    y[(occ.id, s, p.id)] = var
                    ys.append(var)
                    pilot_items[(p.id, occ.date)].append((s, end, occ.id, var))
                model.add(sum(xs) == sum(ys))
                by_occ[occ.id].extend(xs)
        aux: list[tuple] = []  # auxiliary variables with their value in the hint
        hint_occs = {f.occ_id for f in hint}
        hint_places = {problem.occ_by_id[f.occ_id].place for f in hint}
        hint_score = self.score(hint)
        for occ in self.occs:
            if not by_occ.get(occ.id):
                continue
            flown = model.new_bool_var("")
            model.add(sum(by_occ[occ.id]) == flown)
            aux.append((flown, occ.id in hint_occs))
            by_place[occ.place].append(flown)
            by_group[occ.group].append(flown)
            by_week[(occ.place, occ.week)].append(flown)
            by_month[(occ.place, occ.month)].append(flown)

        # Drones: overlaps, road time, batteries.
        for (drone_id, day), items in drone_items.items():
            drone = problem.drone_by_id[drone_id]
            fixed = ledger.drone_day[(drone_id, day)]
            cliques, apart = self._conflicts([(s, e, launches) for s, e, launches, _packs, _var in items])
            self._keep_apart(model, cliques, apart, lambda i, items=items: items[i][4])
            # Packs are held from take-off until recharged: a cumulative over [start, end + recharge).
            recharge = limits.recharge_s
            if sum(p for *_rest, p, _v in items) + sum(f.packs for f in fixed) > drone.packs:
                intervals = [
                    model.new_optional_fixed_size_interval_var(s, e + recharge - s, v, "") for s, e, _l, _p, v in items
                ]
                intervals += [
                    model.new_fixed_size_interval_var(f.start_s, f.end_s + recharge - f.start_s, "") for f in fixed
                ]
                demands = [p for *_rest, p, _v in items] + [f.packs for f in fixed]
                model.add_cumulative(intervals, demands, drone.packs)
        # Pilots: overlaps and road time (longest sortie, farthest launch points), daily limits.
        # One conflict structure per day over every (occurrence, take-off) a pilot could fly, shared by all.
        structures = {}
        for day, nodes in pilot_nodes.items():
            entries = [(s, e, pilot_launches[occ_id]) for occ_id, s, e in nodes]
            structures[day] = (nodes, *self._conflicts(entries))
        for (pilot_id, day), items in pilot_items.items():
            nodes, cliques, apart = structures[day]
            mine = {(occ_id, s): var for s, _e, occ_id, var in items}
            self._keep_apart(
                model, cliques, apart, lambda i, nodes=nodes, mine=mine: mine.get((nodes[i][0], nodes[i][1]))
            )
            fixed = ledger.pilot_day[(pilot_id, day)]
            model.add(sum(v for *_rest, v in items) <= limits.max_sorties_per_day - len(fixed))
            minutes_left = limits.max_flying_min_per_day - sum(f.minutes for f in fixed)
            model.add(sum(math.ceil((e - s) / 60) * v for s, e, _o, v in items) <= minutes_left)
        # Visit rules.
        if problem.visit_rule == "weekly":
            for (place, week), vars_ in by_week.items():
                if place.startswith("m"):
                    model.add(sum(vars_) <= max(0, 1 - ledger.week[(place, week)]))
        elif problem.visit_rule == "per_month":
            cap = problem.visits_per_month or 1
            for (place, month), vars_ in by_month.items():
                if place.startswith("m"):
                    model.add(sum(vars_) <= max(0, cap - ledger.month[(place, month)]))

        # Objective: first visits, fairness, load, changes.
        for place, vars_ in by_place.items():
            bonus = self.first_bonus.get(place, 0)
            if bonus:
                visited = model.new_bool_var("")
                model.add(visited <= sum(vars_))
                objective.append((bonus, visited))
                aux.append((visited, place in hint_places))
        if self.groups:
            fair = model.new_int_var(0, 1000, "fair")
            for g in self.groups:
                total = max(1, problem.group_total.get(g, 1))
                model.add(fair * total <= 1000 * (ledger.group[g] + sum(by_group.get(g, []))))
            objective.append((self.w_fair, fair))
            aux.append((fair, hint_score["fairness"]))
        if self.pilots:
            loads = []
            for p in self.pilots:
                mine = [v for (_o, _s, pid), v in y.items() if pid == p.id]
                loads.append((ledger.load[p.id], mine))
            top = max(base for base, _m in loads) + len(self.occs)
            high = model.new_int_var(0, top, "high")
            low = model.new_int_var(0, top, "low")
            for base, mine in loads:
                model.add(high >= base + sum(mine))
                model.add(low <= base + sum(mine))
            objective.append((-self.w_load, high))
            objective.append((self.w_load, low))
            hint_loads = [
                base + sum(1 for f in hint if f.pilot_id == p.id)
                for p, (base, _m) in zip(self.pilots, loads, strict=True)
            ]
            aux.extend([(high, max(hint_loads)), (low, min(hint_loads))])
        if self.replan:
            for occ in self.occs:
                ex = problem.existing.get(occ.id)
                if ex is None:
                    continue
                keep_x = x.get((occ.id, ex.drone_id, ex.start_s))
                keep_y = y.get((occ.id, ex.start_s, ex.pilot_id))
                flight = flight_for(problem, occ, ex.drone_id, ex.pilot_id, ex.start_s)
                if keep_x is None or keep_y is None or flight is None or not self.unchanged(flight):
                    continue  # changed whatever the model does: a constant
                kept = model.new_bool_var("")
                model.add(kept <= keep_x)
                model.add(kept <= keep_y)
                objective.append((self.w_change, kept))
                aux.append((kept, any(f.occ_id == occ.id and self.unchanged(f) for f in hint)))
        model.maximize(sum(w * v for w, v in objective))

        # The greedy fill obeys the same rules, so it is a complete, feasible hint.
        hinted_x = {(f.occ_id, f.drone_id, f.start_s) for f in hint}
        hinted_y = {(f.occ_id, f.start_s, f.pilot_id) for f in hint}
        for key, var in x.items():
            model.add_hint(var, key in hinted_x)
        for key, var in y.items():
            model.add_hint(var, key in hinted_y)
        for var, value in aux:
            model.add_hint(var, int(value))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
        solver.parameters.num_search_workers = 2
        solver.parameters.symmetry_level = 0
        status = solver.solve(model)
        name = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}.get(status, "unknown")
        if name == "unknown":
            return None, name
        pilot_of = {(o, s): pid for (o, s, pid), v in y.items() if solver.value(v)}
        chosen = [
            flight_for(problem, problem.occ_by_id[occ_id], drone_id, pilot_of[(occ_id, s)], s)
            for (occ_id, drone_id, s), var in x.items()
            if solver.value(var)
        ]
        return chosen, name

    def _conflicts(self, entries: list[tuple[int, int, list[tuple[float, float]]]]) -> tuple[list, list]:
        """Who cannot go with whom among ``entries`` (start, end, launch points), by index.

        Returns the overlap cliques (maximal sets of ``[start, end + set-up)`` intervals sharing a point,
        swept in start order) and, for each entry, the later entries only the road keeps from it.
        """
        problem = self.problem
        setup = problem.limits.setup_s
        order = sorted(range(len(entries)), key=lambda i: entries[i][0])
        cliques: list[list[int]] = []
        active: list[int] = []
        for i in order:
            start = entries[i][0]
            kept = [j for j in active if entries[j][1] + setup > start]
            if cliques and len(kept) == len(active):
                cliques.pop()  # nobody left since: the previous clique lies inside this one
            active = [*kept, i]
            cliques.append(list(active))
        cliques = [c for c in cliques if len(c) > 1]
        points = [p for e in entries for p in e[2]]
        if not points:
            return cliques, []
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        max_road = problem.travel_s((min(lats), min(lons)), (max(lats), max(lons)))
        starts = [entries[i][0] for i in order]
        apart: list[tuple[int, list[int]]] = []
        for i in order:
            _s, end, launches = entries[i]
            lo = bisect.bisect_left(starts, end + setup)
            hi = bisect.bisect_left(starts, end + setup + max_road + 1)
            later = []
            for k in range(lo, hi):
                j = order[k]
                road = max(problem.travel_s(a, b) for a in launches for b in entries[j][2])
                if entries[j][0] < end + setup + road:
                    later.append(j)
            if later:
                apart.append((i, later))
        return cliques, apart

    @staticmethod
    def _keep_apart(model, cliques, apart, var_of) -> None:
        """The constraints of ``_conflicts`` over the variables ``var_of(index)`` (None: no such option)."""
        for clique in cliques:
            found = [v for i in clique if (v := var_of(i)) is not None]
            if len(found) > 1:
                model.add(sum(found) <= 1)
        for i, later in apart:
            first = var_of(i)
            if first is None:
                continue
            found = [v for j in later if (v := var_of(j)) is not None]
            if found:
                model.add(sum(found) == 0).only_enforce_if(first)


# --- the whole range --------------------------------------------------------------------------------


def _pieces(problem: Problem) -> list[list[Occ]]:
    """One piece per day: sorties of two days never meet, only the counts the ledger carries do."""
    days: dict[object, list[Occ]] = defaultdict(list)
    for occ in problem.occs:
        days[occ.date].append(occ)
    return [days[d] for d in sorted(days)]


def schedule_solve(
    problem: Problem, *, time_limit_s: float, replan: bool = False, engine: str = "cp-sat"
) -> tuple[list[Flight], Ledger, SolveReport]:
    """Choose the sorties of ``problem``; returns them, the final ledger and the report.

    ``engine="greedy"`` is the baseline alone. With CP-SAT each piece gets a share of ``time_limit_s`` by
    its number of options and keeps the better of CP-SAT's answer and the greedy fill by ``Piece.score``.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    report = SolveReport(engine=engine)
    ledger = Ledger(problem)
    chosen: list[Flight] = []
    pieces = _pieces(problem)
    sizes = [sum(len(starts_for(problem, o)) for o in occs) + 1 for occs in pieces]
    remaining = sum(sizes)
    statuses: set[str] = set()
    overhead_s, spent = PIECE_OVERHEAD_S, []
    for occs, size in zip(pieces, sizes, strict=True):
        piece = Piece(problem, occs, ledger, replan)
        piece_started = time.perf_counter()
        entry: dict = {"day": occs[0].date.isoformat(), "occurrences": len(occs)}
        greedy = piece.greedy()
        best, status = greedy, "greedy"
        if replan and piece.score(greedy)["changed"] == 0:
            status = "unchanged"  # every sortie still holds: nothing to re-plan that day
        elif engine == "cp-sat":
            # Keep back what building the models of the pieces left will take (as measured so far).
            overhead = overhead_s * (len(pieces) - len(report.pieces))
            limit = min(PIECE_MAX_S, (deadline - time.perf_counter() - overhead) * size / max(1, remaining))
            if limit > 0.05:
                solve_started = time.perf_counter()
                found, status = piece.solve(limit, greedy)
                spent.append(max(0.0, time.perf_counter() - solve_started - limit))
                overhead_s = sum(spent) / len(spent)
                if found is not None and piece.score(found)["total"] >= piece.score(greedy)["total"]:
                    best = found
                elif found is not None:
                    status = "greedy_better"
                else:
                    status = "greedy_fallback"
            else:
                status = "greedy_no_time"
        remaining -= size
        statuses.add(status)
        for flight in sorted(best, key=lambda f: f.start_s):
            ledger.add(flight)
        chosen.extend(best)
        entry.update({"status": status, "sorties": len(best), "time_s": round(time.perf_counter() - piece_started, 3)})
        entry.update({k: v for k, v in piece.score(best).items() if k != "total"})
        report.pieces.append(entry)
    # Whatever still fits after every piece (a gap a later piece's choices left) is added greedily.
    taken = {f.occ_id for f in chosen}
    for occs in pieces:
        piece = Piece(problem, [o for o in occs if o.id not in taken], ledger, replan)
        for occ in piece.occs:
            if piece.drones[occ.id] and not ledger.visit_problem(occ):
                flight = piece._first_fit(occ, ledger)
                if flight is not None:
                    ledger.add(flight)
                    chosen.append(flight)
    report.time_s = time.perf_counter() - started
    if engine == "greedy":
        report.status = "greedy"
    elif statuses <= {"optimal", "unchanged"}:
        report.status = "optimal"
    elif statuses & {"greedy_fallback", "greedy_no_time"}:
        report.status = "partial"
    else:
        report.status = "feasible"
    return chosen, ledger, report


__all__ = ["WEIGHTS", "Piece", "SolveReport", "schedule_solve"]
