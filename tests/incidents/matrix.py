"""Permission-matrix rows for the incident pages and endpoints.

Each part keeps its rows in its own module (``matrix_report``, ``matrix_handle``, ``matrix_analysis``):
``CASES``, a list of ``tests.permission_case.Case``, and ``build(world) -> dict`` adding the objects
its rows need to the matrix's ``world``.
"""

from __future__ import annotations

from tests.incidents import matrix_analysis, matrix_handle, matrix_report

PARTS = [matrix_report, matrix_handle, matrix_analysis]
CASES = [case for part in PARTS for case in part.CASES]


def build(world: dict) -> dict:
    extra: dict = {}
    for part in PARTS:
        extra.update(part.build({**world, **extra}))
    return extra
