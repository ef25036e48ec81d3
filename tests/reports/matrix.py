"""Permission-matrix rows for the monthly reports (``tests/test_permission_matrix.py``).

Readers (``Capability.ANALYZE_INCIDENTS``): admin, brigade scheduler, station officer, leadership. Authors
(draft, refresh, countermeasures, issue, targets): admin and brigade scheduler. A station officer sees only
their own station's issued report (another scope's is a 404, as for any record outside one's scope).
School staff, drone operators and the publicity office get 403.

To wire it in, ``tests/test_permission_matrix.py`` needs ``from tests.reports import matrix as reports_matrix``,
``MATRIX += reports_matrix.CASES`` and ``objects.update(reports_matrix.build(objects))`` in ``_build_world``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from common.roles import Role
from reports import services
from tests.permission_case import Case

READ = "302 200 200 200 403 403 200"
READ_COUNTY = "302 200 200 404 403 403 200"  # the station officer's scope is their station
WRITE = "302 302 302 403 403 403 403"
TARGETS = "302 200 200 403 403 403 403"
API_READ = "401 200 200 200 403 403 200"
API_READ_COUNTY = "401 200 200 404 403 403 200"
API_WRITE = "401 200 200 403 403 403 403"
API_ISSUE = "401 201 201 403 403 403 403"


def _county(w):
    return {"pk": w["report_county"].pk}


def _station(w):
    return {"pk": w["report_station"].pk}


CASES: list[Case] = [
    Case("reports:report-list", READ),
    Case("reports:report-create", WRITE, method="post", data=lambda w: {"month": "2025-01", "station": ""}),
    Case("reports:target-list", TARGETS),
    Case(
        "reports:target-list",
        "302 302 302 403 403 403 403",
        method="post",
        data=lambda w: {"metric": "incidents", "station": "", "value": "5"},
        label="save",
    ),
    Case("reports:report-detail", READ_COUNTY, kwargs=_county),
    Case("reports:report-detail", READ, kwargs=_station, label="own station"),
    Case("reports:report-refresh", WRITE, method="post", kwargs=_county),
    Case("reports:report-countermeasures", WRITE, method="post", kwargs=_county, data=lambda w: {"text": "对策"}),
    Case("reports:report-issue", WRITE, method="post", kwargs=_county),
    Case("reports:report-preview", READ_COUNTY, kwargs=_county),
    Case("reports:report-preview", READ, kwargs=_station, label="own station"),
    Case("reports:report-xlsx", READ, kwargs=_station),
    Case("reports:report-pdf", READ, kwargs=_station),
    # The API (/api/reports/): the same rule, JSON answers, 401 for a caller without credentials.
    Case("reports_api:report-list", API_READ),
    Case("reports_api:report-list", API_ISSUE, method="post", json=True, data=lambda w: {"month": "2025-01"}),
    Case("reports_api:report-detail", API_READ_COUNTY, kwargs=_county),
    Case("reports_api:report-detail", API_READ, kwargs=_station, label="own station"),
    Case("reports_api:report-refresh", API_WRITE, method="post", kwargs=_county),
    Case(
        "reports_api:report-countermeasures",
        API_WRITE,
        method="put",
        json=True,
        kwargs=_county,
        data=lambda w: {"text": "对策"},
    ),
    Case("reports_api:report-issue", API_ISSUE, method="post", kwargs=_county),
    Case("reports_api:report-pdf", API_READ, kwargs=_station),
    Case("reports_api:report-pdf", API_READ_COUNTY, kwargs=_county, label="county"),
    Case("reports_api:report-xlsx", API_READ, kwargs=_station),
]


def build(world: dict) -> dict:
    """The county's and the matrix station's reports of last month, each issued once."""
    author = world["users"][Role.BRIGADE_SCHEDULER]
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    made = {}
    for key, station in (("report_county", None), ("report_station", world["station"])):
        report = services.report_draft_create(actor=author, month=month, station=station)
        services.report_countermeasures_save(actor=author, report=report, text="对策")
        services.report_issue(actor=author, report=report)
        made[key] = report
    return made
