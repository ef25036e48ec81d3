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
from patrol.roster.pools import lanes_build, pools_build
from patrol.roster.problem import Problem
from patrol.roster.report import roster_report

# Below this a piece's CP-SAT search cannot even finish presolve: building the model would only take
# time from the pieces after it (what happens when a busy machine eats the budget), so the piece keeps
# its best fallback.
MIN_PIECE_S = 0.1


def fallback_choose(piece: _Piece, options: list[list[Assignment]]) -> list[Assignment]:
    """The best of a piece's candidate rosters (its greedy fill, its share of the whole-term greedy): the
    best covered, and of those the fairest on the lane's carried load (``_Piece.rank``). Coverage alone
    picked the first of equals, and mixing pieces of two greedy plans unbalanced the term."""
    return min(options, key=piece.rank)


def roster_solve(
    problem: Problem, *, time_limit_s: float, replan: bool = False, threads: int | None = None
) -> tuple[list[Assignment], dict]:
    """Solve ``problem`` within about ``time_limit_s``; returns the assignments and the report.

    Every piece ends with the best of (coverage first, then fairness): CP-SAT (hinted with the greedy
    fill), the greedy fill on the lane's carried load, and (first plan, when that fill leaves a place
    open) the piece's share of the greedy baseline, so coverage is never below the baseline's. Pieces
    are independent in the hard constraints (a person belongs to one pool; limits are per day and
    week), so any mix of their answers is a valid roster.
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

    baselines: dict[int, dict[dt.date, list[Assignment]]] = {}

    def lane_baseline(n: int) -> dict[dt.date, list[Assignment]]:
        """The greedy baseline's share of lane ``n``, week by week: pools share no person, so the lane's
        pools filled alone from the term's start are what the whole-problem greedy gives them. Made when
        a piece first needs it (its greedy fill leaves a place open), in that lane's thread."""
        if n not in baselines:
            ledger = Ledger(problem)
            continuity = {k: set(v) for k, v in problem.prior_posts.items()}
            by_week: dict[dt.date, list[Assignment]] = defaultdict(list)
            for pool in lanes[n].pools:
                shifts = [shift for week in sorted(pool.shifts_by_week) for shift in pool.shifts_by_week[week]]
                filled = greedy_fill(
                    problem, shifts, ledger=ledger, roles=pool.roles, fixed=fixed, keep={}, continuity=continuity
                )
                for shift_id, staff_id, role in filled:
                    by_week[problem.shift_by_id[shift_id].week].append((shift_id, staff_id, role))
            baselines[n] = by_week
        return baselines[n]

    results: list[Assignment] = []
    pieces: list[dict] = []
    objective: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def done(entry: dict, chosen: list[Assignment], values: dict, piece_started: float) -> None:
        entry["time_s"] = round(time.perf_counter() - piece_started, 3)
        with lock:
            results.extend(chosen)
            pieces.append(entry)
            for key, value in values.items():
                objective[key] += value

    def run_lane(n: int) -> None:
        lane = lanes[n]
        state = _LaneState(problem, fixed, keep, published)
        lane_weeks = sorted({wk for pool in lane.pools for wk in pool.shifts_by_week})
        label = ",".join(p.key for p in lane.pools[:3]) + ("…" if len(lane.pools) > 3 else "")
        # On re-planning, the pieces whose previous roster still holds are known up front (from the
        # existing check alone); after the lane's last piece to solve, nothing needs the carried load.
        clean = {week: _Piece(problem, lane, week, state, replan).is_clean() for week in lane_weeks} if replan else {}
        last_to_solve = max((week for week in lane_weeks if clean.get(week) is None), default=None)
        for week in lane_weeks:
            state.carry(week)
            piece = _Piece(problem, lane, week, state, replan)
            piece_started = time.perf_counter()
            entry: dict = {"pools": label, "week": week.isoformat()}
            chosen = clean.get(week)
            values: dict = {}
            if chosen is not None:
                entry["status"] = "unchanged"
                if last_to_solve is None or week > last_to_solve:
                    done(entry, chosen, values, piece_started)
                    continue
            else:
                options = [piece.greedy()]
                if piece.trivial(options[0]):
                    chosen = options[0]
                    entry["status"] = "optimal"
                    entry["engine"] = "greedy (no choice)"
                    state.record(chosen)
                    done(entry, chosen, values, piece_started)
                    continue
                if not replan and piece.uncovered(options[0]):
                    options.append(lane_baseline(n).get(week, []))
                fallback = fallback_choose(piece, options)
                week_estimate = lane.estimate / max(len(lane_weeks), 1)
                limit = min(budget * week_estimate / total_estimate, deadline - time.perf_counter())
                info: dict = {}
                if limit >= MIN_PIECE_S:
                    chosen, info, values = piece.solve(limit, workers, hint=options[0])
                    entry.update(info)
                if not info or info.get("status") not in ("optimal", "feasible"):
                    chosen, values = fallback, {}
                    entry["status"] = "greedy_fallback"
                elif piece.rank(fallback) < piece.rank(chosen):
                    chosen, values = fallback, {}
                    entry["status"] = "greedy_better"
            state.record(chosen)
            done(entry, chosen, values, piece_started)

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
        pools=pools,
    )
    report["time_limit_s"] = time_limit_s
    report["lanes"] = len(lanes)
    report["threads"] = threads
    return results, report
