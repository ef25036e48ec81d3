"""Permission-matrix rows for the drill, plan and activity pages and endpoints.

Each part keeps its rows in its own module (``matrix_drills``, ``matrix_plans``): ``CASES``, a list of
``tests.permission_case.Case``, and ``build(world) -> dict`` adding the objects its rows need.
"""

from __future__ import annotations

from tests.drills import matrix_drills, matrix_plans

PARTS = [matrix_drills, matrix_plans]
CASES = [case for part in PARTS for case in part.CASES]


def build(world: dict) -> dict:
    extra: dict = {}
    for part in PARTS:
        extra.update(part.build({**world, **extra}))
    return extra
