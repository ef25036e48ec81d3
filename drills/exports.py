"""Term report per school or per station: compliance per drill type, drills held, open corrective actions,
emergency plans (current version, review due/overdue) and police-school activities; XLSX or printable page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from campus.models import School, Term
from common.xlsx import XlsxBook
from drills.compliance import SchoolCompliance, compliance_board
from drills.models import Activity, CorrectiveAction, Drill, EmergencyPlan, EmergencyPlanVersion


@dataclass
class SchoolReport:
    compliance: SchoolCompliance
    drills: list[Drill]
    open_actions: list[CorrectiveAction]
    plans: int
    plans_review_due: int
    plans_review_overdue: int
    activities: int
    activity_audience: int


@dataclass
class TermReport:
    title: str
    term: Term
    today: dt.date
    schools: list[SchoolReport]


def _plan_counts(school_ids: list[int], today: dt.date) -> dict[int, tuple[int, int, int]]:
    """Per school: plans with a current version, reviews due within the reminder days, reviews overdue."""
    latest = EmergencyPlanVersion.objects.filter(plan__school_id__in=school_ids, effective_date__lte=today)
    current: dict[int, EmergencyPlanVersion] = {}
    for version in latest.select_related("plan").order_by("plan_id", "-version"):
        current.setdefault(version.plan_id, version)
    soon = today + dt.timedelta(days=settings.DRILL_REMINDER_DAYS)
    result: dict[int, list[int]] = {}
    for plan in EmergencyPlan.objects.filter(school_id__in=school_ids):
        row = result.setdefault(plan.school_id, [0, 0, 0])
        version = current.get(plan.pk)
        if version is None:
            continue
        row[0] += 1
        if version.review_due < today:
            row[2] += 1
        elif version.review_due <= soon:
            row[1] += 1
    return {k: (v[0], v[1], v[2]) for k, v in result.items()}


def term_report(*, term: Term, schools, title: str, today: dt.date) -> TermReport:
    board = compliance_board(term=term, today=today, schools=schools)
    ids = [s.school.pk for s in board.schools]
    drills: dict[int, list[Drill]] = {}
    held = (
        Drill.objects.filter(school_id__in=ids, status=Drill.Status.DONE, date__range=(term.start_date, term.end_date))
        .select_related("drill_type")
        .annotate(n_officers=Count("officers"))
        .order_by("date")
    )
    for drill in held:
        drills.setdefault(drill.school_id, []).append(drill)
    actions: dict[int, list[CorrectiveAction]] = {}
    for action in CorrectiveAction.objects.filter(
        drill__school_id__in=ids, status=CorrectiveAction.Status.OPEN
    ).select_related("drill__drill_type"):
        actions.setdefault(action.drill.school_id, []).append(action)
    plans = _plan_counts(ids, today)
    audience = {
        row["school_id"]: row
        for row in Activity.objects.filter(school_id__in=ids, date__range=(term.start_date, term.end_date))
        .values("school_id")
        .annotate(n=Count("id"))
    }
    totals: dict[int, int] = {}
    for school_id, size in Activity.objects.filter(
        school_id__in=ids, date__range=(term.start_date, term.end_date)
    ).values_list("school_id", "audience"):
        totals[school_id] = totals.get(school_id, 0) + size
    reports = []
    for result in board.schools:
        pk = result.school.pk
        plan = plans.get(pk, (0, 0, 0))
        reports.append(
            SchoolReport(
                compliance=result,
                drills=drills.get(pk, []),
                open_actions=actions.get(pk, []),
                plans=plan[0],
                plans_review_due=plan[1],
                plans_review_overdue=plan[2],
                activities=audience.get(pk, {}).get("n", 0),
                activity_audience=totals.get(pk, 0),
            )
        )
    return TermReport(title=title, term=term, today=today, schools=reports)


def term_report_xlsx(report: TermReport, token=None) -> bytes:
    """The report as a write-only workbook: summary, compliance per drill type, drills held, open actions.

    ``token``: the export's ``ExportToken`` (``common.exports``); each data row is counted on it.
    """
    book = XlsxBook(token)
    sheet = book.sheet(_("Summary"))
    sheet.note([report.title, str(report.term), report.today.isoformat()])
    sheet.header([_("School"), _("Station"), _("Done"), _("Due"), _("Overdue"), _("Done %"),
                  _("Overdue corrective actions"), _("Plans in force"), _("Plan reviews due"),
                  _("Plan reviews overdue"), _("Activities"), _("Activity audience")])  # fmt: skip
    for row in report.schools:
        school: School = row.compliance.school
        t = row.compliance.totals
        station = school.responsible_station.name if school.responsible_station else ""
        plans = [row.plans, row.plans_review_due, row.plans_review_overdue]
        sheet.append([school.name, station, t.done, t.due, t.overdue, t.done_pct, t.actions_overdue, *plans,
                      row.activities, row.activity_audience])  # fmt: skip
    types = book.sheet(_("Compliance"), [_("School"), _("Drill type"), _("Period start"), _("Period end"),
                                         _("Required"), _("Police needed"), _("Held"), _("Counted"),
                                         _("Status")])  # fmt: skip
    for row in report.schools:
        for item in row.compliance.items:
            types.append([row.compliance.school.name, item.drill_type.name, item.period.start, item.period.end,
                          item.required, item.police_needed, item.held, item.done, item.status_label])  # fmt: skip
    held = book.sheet(_("Drills held"), [_("School"), _("Date"), _("Drill type"), _("Participants"), _("Officers"),
                                         _("Evacuation time (s)"), _("Target (s)"), _("Over target")])  # fmt: skip
    for row in report.schools:
        for drill in row.drills:
            over = None
            if drill.evacuation_s and drill.evacuation_target_s:
                over = drill.evacuation_s - drill.evacuation_target_s
            held.append([row.compliance.school.name, drill.date, drill.drill_type.name, drill.participants,
                         drill.n_officers, drill.evacuation_s, drill.evacuation_target_s, over])  # fmt: skip
    open_sheet = book.sheet(
        _("Open corrective actions"), [_("School"), _("Drill"), _("Action"), _("Owner"), _("Due date"), _("Overdue")]
    )
    for row in report.schools:
        for action in row.open_actions:
            open_sheet.append([row.compliance.school.name, str(action.drill.drill_type), action.description,
                               action.owner, action.due_date, action.due_date < report.today])  # fmt: skip
    return book.content()
