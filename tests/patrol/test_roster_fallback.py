"""Which candidate roster a piece falls back on when CP-SAT gives nothing: coverage first, then fairness
on the load carried from earlier weeks (plain data, no database)."""

from __future__ import annotations

import datetime as dt

from patrol.roster.piece import _LaneState, _Piece
from patrol.roster.pools import lanes_build, pools_build
from patrol.roster.problem import Problem, Shift, Staff
from patrol.roster.solver import fallback_choose

MONDAY = dt.date(2026, 9, 7)
T0 = 1_788_739_200  # 2026-09-07 00:00 UTC


def _shift(n: int, day: int) -> Shift:
    start = T0 + day * 86400 + 7 * 3600
    return Shift(n, n, "Main", "Gate", 1, "School 1", 1, 36.18, 118.17, MONDAY + dt.timedelta(days=day),
                 "arrival", start, start + 2400, "07:00–07:40", {"police": 1})  # fmt: skip


def _piece() -> _Piece:
    """One station, two police officers; Li (1) already stood 2 duties this term, Wang (2) none; two
    Monday-to-Tuesday shifts of one police officer each to plan."""
    problem = Problem(
        term_id=1,
        from_date=MONDAY,
        shifts=[_shift(1, 0), _shift(2, 1)],
        staff=[Staff(1, "Li", "police", 1, None, 3, 12), Staff(2, "Wang", "police", 1, None, 3, 12)],
        leaves={},
        existing=[],
        prior_load={1: 2},
        prior_week_load={},
    )
    (lane,) = lanes_build(pools_build(problem), 1)
    return _Piece(problem, lane, MONDAY, _LaneState(problem, {}, {}, set()), replan=False)


LI_TWICE = [(1, 1, "police"), (2, 1, "police")]  # Li 4 duties, Wang 0
WANG_TWICE = [(1, 2, "police"), (2, 2, "police")]  # both 2
WANG_ONCE = [(1, 2, "police")]  # fair-ish, but a place stays open


def test_equal_coverage_falls_back_on_the_fairer_roster_whatever_the_order():
    piece = _piece()
    assert piece.uncovered(LI_TWICE) == piece.uncovered(WANG_TWICE) == 0
    assert piece.unfairness(WANG_TWICE) == 0 < piece.unfairness(LI_TWICE)
    assert fallback_choose(piece, [LI_TWICE, WANG_TWICE]) == WANG_TWICE
    assert fallback_choose(piece, [WANG_TWICE, LI_TWICE]) == WANG_TWICE


def test_coverage_comes_before_fairness():
    piece = _piece()
    assert piece.unfairness(WANG_ONCE) < piece.unfairness(LI_TWICE)
    assert fallback_choose(piece, [WANG_ONCE, LI_TWICE]) == LI_TWICE
