"""Permission-matrix rows for the 护学岗 pages and endpoints.

Each part of ``patrol`` keeps its rows in its own module (``matrix_setup``, ``matrix_generate``,
``matrix_roster``, ``matrix_day``): ``CASES``, a list of ``tests.permission_case.Case``, and
``build(world) -> dict`` adding the objects its rows need to the matrix's ``world``.
"""

from __future__ import annotations

from tests.patrol import matrix_day, matrix_generate, matrix_roster, matrix_setup

PARTS = [matrix_setup, matrix_generate, matrix_roster, matrix_day]
CASES = [case for part in PARTS for case in part.CASES]


def build(world: dict) -> dict:
    extra: dict = {}
    for part in PARTS:
        extra.update(part.build({**world, **extra}))
    return extra
