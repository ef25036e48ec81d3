"""A greedy roster: shifts in time order, each slot to the least-loaded available qualified person.

It is the benchmark's baseline and, for every piece of the solver, the hint CP-SAT starts from and the
fallback when CP-SAT finds nothing (or something less covered) in its time. It respects every hard
constraint (pinned duties are entered first, so no free slot goes to someone pinned elsewhere at the
time); it just does not look ahead.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

from patrol.roster.problem import AUXILIARY, Problem, Shift


class Ledger:
    """Who stands what so far: load, duties per day and week, shifts per day (for overlap and travel)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.load: dict[int, int] = defaultdict(int, problem.prior_load)
        self.day: dict[tuple[int, dt.date], int] = defaultdict(int, problem.prior_day_load)
        self.week: dict[tuple[int, dt.date], int] = defaultdict(int, problem.prior_week_load)
        self.day_shifts: dict[tuple[int, dt.date], list[Shift]] = defaultdict(list)
        # Duties outside the planned pieces (re-planning some only) bind the limits, overlap and travel;
        # their load is carried week by week by the caller (``Problem.outside_load``).
        for staff_id, shifts in problem.context.items():
            for shift in shifts:
                self.day[(staff_id, shift.date)] += 1
                self.week[(staff_id, shift.week)] += 1
                self.day_shifts[(staff_id, shift.date)].append(shift)

    def carry(self, outside_load: dict[dt.date, dict[int, int]], weeks: list[dt.date], before: dt.date) -> None:
        """Add to the load the duties outside the plan of ``weeks`` (sorted, popped) before ``before``."""
        while weeks and weeks[0] < before:
            for staff_id, count in outside_load[weeks.pop(0)].items():
                self.load[staff_id] += count

    def blocked(self, staff_id: int, shift: Shift) -> str | None:
        """Why ``staff_id`` cannot take ``shift`` now: leave, overlap, travel, day or week limit; None if free."""
        problem = self.problem
        if problem.on_leave(staff_id, shift):
            return "leave"
        for other in self.day_shifts.get((staff_id, shift.date), ()):
            if other.id == shift.id:
                return "overlap"
            why = problem.conflict(other, shift)
            if why:
                return why
        person = problem.staff_by_id[staff_id]
        if self.day[(staff_id, shift.date)] >= person.max_per_day:
            return "day_limit"
        if self.week[(staff_id, shift.week)] >= person.max_per_week:
            return "week_limit"
        return None

    def add(self, staff_id: int, shift: Shift) -> None:
        self.load[staff_id] += 1
        self.day[(staff_id, shift.date)] += 1
        self.week[(staff_id, shift.week)] += 1
        self.day_shifts[(staff_id, shift.date)].append(shift)


def greedy_fill(
    problem: Problem,
    shifts: list[Shift],
    *,
    ledger: Ledger,
    roles: tuple[str, ...],
    fixed: dict[tuple[int, str], list[int]],
    keep: dict[tuple[int, str], list[int]],
    continuity: dict[tuple[int, dt.date, str], set[int]],
) -> list[tuple[int, int, str]]:
    """Fill the slots of ``roles`` on ``shifts`` (time order); ``fixed`` ones first (already checked).

    ``keep`` are assignments to prefer (re-planning); ``continuity`` maps (post, date, kind) to who stood it.
    """
    chosen: list[tuple[int, int, str]] = []
    # Each shift once, even if the caller lists it twice (a shift of two pools): a second pass would
    # fill its slots again with other people.
    unique = {s.id: s for s in shifts}
    ordered = sorted(unique.values(), key=lambda s: (s.start_s, s.id))
    # Pinned duties first, all of them: a free slot earlier in the day must not take someone pinned later.
    for shift in ordered:
        for role in roles:
            for staff_id in fixed.get((shift.id, role), ()):
                ledger.add(staff_id, shift)
                chosen.append((shift.id, staff_id, role))
    for shift in ordered:
        here: list[int] = []
        previous = continuity.get((shift.post_id, shift.date - dt.timedelta(days=7), shift.kind), set())
        liaison = problem.liaison.get(shift.school_id)
        # Auxiliary slots last, so police first go to the police slots only they can fill.
        for role in sorted(roles, key=lambda r: r == AUXILIARY):
            need = shift.requirements.get(role, 0) - len(fixed.get((shift.id, role), ()))
            if need <= 0:
                continue
            kept = set(keep.get((shift.id, role), ()))
            ranked = sorted(
                problem.candidates(shift, role),
                key=lambda p: (
                    p.id not in kept,
                    p.role != role,
                    p.id != liaison,
                    p.id not in previous,
                    ledger.load[p.id],
                    p.id,
                ),
            )
            for person in ranked:
                if need <= 0:
                    break
                if ledger.blocked(person.id, shift) is None:
                    ledger.add(person.id, shift)
                    chosen.append((shift.id, person.id, role))
                    here.append(person.id)
                    need -= 1
        if here:
            continuity.setdefault((shift.post_id, shift.date, shift.kind), set()).update(here)
    return chosen


def greedy_solve(problem: Problem, *, replan: bool = False) -> tuple[list[tuple[int, int, str]], dict]:
    """The whole problem greedily, with the same pinning rules and report as the solver."""
    from patrol.roster.existing import existing_check
    from patrol.roster.report import roster_report

    started = time.perf_counter()
    fixed, keep_all, released = existing_check(problem)
    keep = keep_all if replan else {}
    ledger = Ledger(problem)
    continuity = {k: set(v) for k, v in problem.prior_posts.items()}
    roles = ("police", "auxiliary", "guard", "volunteer")
    if problem.outside_load:
        # Some pieces only: week by week, each week seeing the load of the weeks left out before it.
        chosen = []
        outside_weeks = sorted(problem.outside_load)
        by_week: dict[dt.date, list[Shift]] = defaultdict(list)
        for shift in problem.shifts:
            by_week[shift.week].append(shift)
        for week in sorted(by_week):
            ledger.carry(problem.outside_load, outside_weeks, week)
            chosen += greedy_fill(
                problem, by_week[week], ledger=ledger, roles=roles, fixed=fixed, keep=keep, continuity=continuity
            )
    else:
        chosen = greedy_fill(
            problem, problem.shifts, ledger=ledger, roles=roles, fixed=fixed, keep=keep, continuity=continuity
        )
    elapsed = time.perf_counter() - started
    report = roster_report(
        problem,
        chosen,
        released=released,
        replan=replan,
        engine="greedy",
        solve_time_s=elapsed,
        pieces=[{"pools": "all", "week": "all", "status": "greedy", "time_s": round(elapsed, 3)}],
        objective={},
    )
    return chosen, report
