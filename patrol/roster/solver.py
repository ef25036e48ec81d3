"""Roster generation with OR-Tools CP-SAT, decomposed into pools and weeks.

Pools are independent (``patrol.roster.pools``): each station's police and auxiliary officers with the
schools the station is responsible for, and each school's guards and volunteers. Small pools are bundled
into *lanes*; a lane is solved week by week (a *piece* is one lane-week, ``patrol.roster.piece``, which
holds the CP-SAT model and its weights), carrying each person's load forward so fairness holds over the
term, and lanes run in parallel threads (CP-SAT releases the GIL while it searches). The piece's greedy
fill is the hint and, with the whole-term greedy baseline, the fallback: a piece never ends worse
covered than greedy. Existing assignments are checked first (``patrol.roster.existing``); the answer is
described by ``patrol.roster.report``.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from patrol.roster.existing import existing_check
from patrol.roster.greedy import Ledger, greedy_fill
from patrol.roster.piece import Assignment, _LaneState, _Piece
from patrol.roster.pools import _pool_key, lanes_build, pools_build
from patrol.roster.problem import ROLES, Problem
from patrol.roster.report import roster_report


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
