"""Permission-matrix rows for the monthly analysis (see ``tests.incidents.matrix``).

ANALYZE_INCIDENTS: admin, brigade scheduler, station officer (the whole county) and leadership; school
safety staff and drone operators get 403.
"""

from __future__ import annotations

from tests.permission_case import Case

PAGE_ANALYZE = "302 200 200 200 403 403 200"
API_ANALYZE = "401 200 200 200 403 403 200"

CASES: list = [
    Case("incidents:analysis-month", PAGE_ANALYZE),
    Case("incidents_api:analysis-month", API_ANALYZE),
    Case("incidents_api:analysis-hotspots", API_ANALYZE),
]


def build(world: dict) -> dict:
    return {}
