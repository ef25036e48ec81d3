"""一校一警 on the overview dashboard: liaison coverage, county-wide or for the officer's own station."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from campus.models import LiaisonAssignment
from campus.scope import scope_of
from campus.selectors import coverage_report
from common.dashboard import Line, Section, Tile, level_if, page_url
from common.roles import Capability, can


def liaison_section(*, user, now: dt.datetime) -> Section | None:
    """Coverage of schools by liaison officers, from the coverage report (active schools, now).

    Station officers see their own station's numbers and the schools they are liaison for; everyone else
    with the coverage capability sees the county. School safety staff and drone operators get no section
    (staff see their own liaison officer on the overview page).
    """
    if not can(user, Capability.VIEW_COVERAGE):
        return None
    officer = getattr(user, "officer", None)
    station = officer.station if officer is not None and officer.station_id in scope_of(user).station_ids else None
    row = coverage_report(station=station).county
    scope = {"station": station.pk} if station else {}
    url = page_url("campus:coverage", **scope)
    tiles = [
        Tile(
            key="covered",
            label=_("Schools with a liaison officer"),
            value=row.covered,
            note=_("of %(schools)s (%(pct)s%%)") % {"schools": row.schools, "pct": row.coverage_pct},
            url=url,
        ),
        Tile(
            key="uncovered",
            label=_("Schools without a liaison"),
            value=row.uncovered,
            url=page_url("campus:coverage", fragment="uncovered", **scope),
            level=level_if(row.uncovered, "alert"),
        ),
        Tile(
            key="needs_reassignment",
            label=_("Need reassignment"),
            value=row.needs_reassignment,
            url=page_url("campus:coverage", fragment="reassign", **scope),
            level=level_if(row.needs_reassignment),
        ),
        Tile(
            key="officers_over_limit",
            label=_("Officers over the limit"),
            value=row.officers_over_limit,
            url=page_url("campus:coverage", fragment="over-limit", **scope),
            level=level_if(row.officers_over_limit),
        ),
        Tile(
            key="contradictions",
            label=_("Contradict jurisdiction"),
            value=row.contradictions,
            url=page_url("campus:coverage", fragment="contradictions", **scope),
            level=level_if(row.contradictions),
        ),
    ]
    lines = []
    if officer is not None:
        assignments = (
            LiaisonAssignment.objects.filter(officer=officer, ended_at__isnull=True)
            .select_related("school")
            .order_by("school__name")
        )
        lines = [Line(text=a.school.name, url=reverse("campus:school_detail", args=[a.school_id])) for a in assignments]
    title = _("一校一警 coverage: %(station)s") % {"station": station.name} if station else _("一校一警 coverage")
    return Section(
        key="liaison",
        title=title,
        url=url,
        tiles=tiles,
        lines=lines,
        lines_title=_("My schools (一校一警)") if officer is not None else "",
        lines_empty=_("You are not the liaison officer of any school.") if officer is not None else "",
    )
