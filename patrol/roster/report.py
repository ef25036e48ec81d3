"""The JSON report stored on a roster: coverage, what is uncovered and why, fairness, preferences, changes.

``roster_report`` is written the same way whichever engine made the roster (CP-SAT or the greedy
baseline), so the generation page and the API show one shape. An empty slot's reason
(``uncovered_reason``) is read from everyone's final duties: no one qualified, everyone on leave, busy,
or at a limit, or (when someone was free) the solver's time limit. Its cause (``uncovered_cause``) is
stored as a code with params naming the people behind it, never as text: the page renders it in the
reader's language (``patrol.roster.explain``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from django.utils import timezone

from patrol.roster.greedy import Ledger
from patrol.roster.piece import WEIGHTS, Assignment
from patrol.roster.pools import Pool, piece_key, pool_key, pools_build
from patrol.roster.problem import ROLES, Problem, Shift


def load_spread(values: list[int]) -> dict:
    """How many people, and the min, mean, max and standard deviation of their duties."""
    if not values:
        return {"staff": 0, "min": 0, "mean": 0.0, "max": 0, "std": 0.0}
    return {
        "staff": len(values),
        "min": min(values),
        "mean": round(statistics.fmean(values), 2),
        "max": max(values),
        "std": round(statistics.pstdev(values), 2),
    }


# The cause named first when several hold people back, most people first, ties in this order.
CAUSES = ("leave", "overlap", "travel", "week_limit", "day_limit")


def _local_day(epoch_s: int) -> str:
    return timezone.localtime(dt.datetime.fromtimestamp(epoch_s, tz=dt.UTC)).date().isoformat()


def uncovered_cause(problem: Problem, ledger: Ledger, shift: Shift, role: str, taken: set[int]) -> tuple[str, dict]:
    """Why a ``role`` place of ``shift`` stayed empty, as a code and its params (no text: the page renders
    it in the reader's language, ``patrol.roster.explain``).

    The cause is the blocker holding back most of the qualified people (``CAUSES``); the params name
    them all, by blocker: who is on leave (with the leave's first and last day), busy elsewhere at that
    time, too far to get there in time, or at their daily or weekly limit (with the limit).
    """
    candidates = problem.candidates(shift, role)
    params: dict = {"station_id": shift.station_id, "qualified": len(candidates), "people": {}}
    if not candidates:
        return "no_one_qualified", params
    people: dict[str, list[dict]] = defaultdict(list)
    for person in candidates:
        why = "overlap" if person.id in taken else ledger.blocked(person.id, shift) or "free"
        entry: dict = {"id": person.id, "name": person.name}
        if why == "leave":
            spans = [
                (start, end)
                for start, end in problem.leaves.get(person.id, ())
                if start < shift.end_s and shift.start_s < end
            ]
            if spans:
                entry["from"] = _local_day(min(start for start, _end in spans))
                entry["to"] = _local_day(max(end for _start, end in spans) - 1)
        elif why == "day_limit":
            entry["limit"] = person.max_per_day
        elif why == "week_limit":
            entry["limit"] = person.max_per_week
        people[why].append(entry)
    params["people"] = dict(people)
    if people.get("free"):
        return "not_found", params
    cause = max(CAUSES, key=lambda c: (len(people.get(c, ())), -CAUSES.index(c)))
    return cause, params


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
    pools: list[Pool] | None = None,
) -> dict:
    """The JSON report stored on the roster: coverage, what is uncovered and why, fairness, preferences.

    ``pools``: the problem's pools if the caller has built them already (``pools_build``)."""
    on_shift: dict[tuple[int, str], list[int]] = defaultdict(list)
    staff_on: dict[int, set[int]] = defaultdict(set)
    load: dict[int, int] = defaultdict(int, problem.prior_load)
    for shift_id, staff_id, role in chosen:
        on_shift[(shift_id, role)].append(staff_id)
        staff_on[shift_id].add(staff_id)
        load[staff_id] += 1

    required = filled = 0
    by_role: dict[str, dict[str, int]] = {r: {"required": 0, "filled": 0} for r in ROLES}
    short: list[tuple[Shift, str, int]] = []
    for shift in problem.shifts:
        for role, need in shift.requirements.items():
            got = min(len(on_shift.get((shift.id, role), ())), need)
            required += need
            filled += got
            by_role[role]["required"] += need
            by_role[role]["filled"] += got
            if got < need:
                short.append((shift, role, need - got))

    # Why a place stayed empty is read from the duties of the people who could have stood it: the ledger
    # holds theirs only (a term is tens of thousands of duties, and a handful of places are open).
    uncovered: list[dict] = []
    if short:
        asked = {person.id for shift, role, _n in short for person in problem.candidates(shift, role)}
        ledger = Ledger(problem)
        for shift_id, staff_id, _role in chosen:
            if staff_id in asked:
                ledger.add(staff_id, problem.shift_by_id[shift_id])
        for shift, role, count in short:
            reason, detail = uncovered_reason(problem, ledger, shift, role, staff_on.get(shift.id, set()))
            cause, params = uncovered_cause(problem, ledger, shift, role, staff_on.get(shift.id, set()))
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
                    "count": count,
                    "reason": reason,
                    "cause": cause,
                    "params": params,
                    "candidates": detail,
                    "piece": piece_key(pool_key(role, shift.school_id, shift.station_id), shift.week),
                }
            )

    # Spread of duties per person over the whole term, per role, for everyone in a pool with demand.
    demand_pools = pools if pools is not None else pools_build(problem)
    members = {p.id: p for pool in demand_pools for p in pool.staff}
    loads: dict[str, list[int]] = defaultdict(list)
    for person in members.values():
        loads[person.role].append(load[person.id])

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
        "load": {role: load_spread(values) for role, values in sorted(loads.items())},
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
