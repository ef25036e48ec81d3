"""Drills and emergency plans on the overview dashboard: who is behind, what falls due, the next drills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campus.models import School, Term
from common.dashboard import Line, Section, Tile, level_if, page_url
from common.roles import Capability, can
from drills.compliance import (
    Status,
    compliance_items,
    held_drills,
    overdue_actions_count,
    term_periods,
)
from drills.models import Drill, DrillRule, EmergencyPlan, EmergencyPlanVersion
from drills.plans.services import REVIEW_DUE_SOON, REVIEW_OVERDUE, required_scenarios, review_status
from drills.rules import rules_active
from drills.selectors import drill_schools_visible, drills_visible, school_registered_on, term_default

MAX_LINES = 8


def drills_section(*, user, now: dt.datetime) -> Section | None:
    """Drill compliance, corrective actions, plan reviews and the next planned drills, for VIEW_DRILLS.

    Counts cover the active schools the user may see (``drill_schools_visible``: school safety staff their own
    school, police roles the county), as of ``timezone.localdate(now)``:

    - compliance in the default term (current, else next, else latest: the board page's default), by the rules
      of ``compliance``: schools with an overdue requirement (and the drills missing), drills still to hold for
      requirements whose period ends within ``DRILL_REMINDER_DAYS`` (``due_soon``), open corrective actions
      past their due date. Left out when no term is configured, as the board then shows nothing;
    - emergency plans whose current version's review date has passed (and those due within
      ``DRILL_REMINDER_DAYS``), and scenarios a school's drill rules require without a plan, by the rules of
      the plan list (``plans.plan_board``);
    - lines: the next planned drills from today on (date, school, type), at most ``MAX_LINES``.

    About ten queries whatever the amount of data.
    """
    if not can(user, Capability.VIEW_DRILLS):
        return None
    today = timezone.localdate(now)
    # Only what the rules read: the board's full rows carry campus outlines and station boundaries.
    schools = list(
        drill_schools_visible(user)
        .filter(active=True)
        .select_related(None)
        .only("pk", "code", "level", "boarding", "school_bus")  # code: school_registered_on
        .order_by("pk")
    )
    rules = rules_active()
    days = settings.DRILL_REMINDER_DAYS
    board_url = reverse("drills:drill-board")
    tiles: list[Tile] = []

    term = term_default(today)
    if term is not None:
        counts = _compliance_counts(schools, rules=rules, term=term, today=today)
        term_url = page_url("drills:drill-board", term=term.pk)
        tiles += [
            Tile(
                key="schools_behind",
                label=_("Schools behind on drills"),
                value=counts.behind_schools,
                note=ngettext("%(count)d drill overdue", "%(count)d drills overdue", counts.overdue_drills)
                % {"count": counts.overdue_drills}
                if counts.overdue_drills
                else "",
                url=term_url,
                level=level_if(counts.behind_schools),
            ),
            Tile(
                key="drills_due_soon",
                label=_("Drills due within %(days)d days") % {"days": days},
                value=counts.due_soon_drills,
                note=ngettext("at %(count)d school", "at %(count)d schools", counts.due_soon_schools)
                % {"count": counts.due_soon_schools}
                if counts.due_soon_schools
                else "",
                url=term_url,
                level=level_if(counts.due_soon_drills),
            ),
            Tile(
                key="actions_overdue",
                label=_("Overdue corrective actions"),
                value=counts.actions_overdue,
                url=term_url,
                level=level_if(counts.actions_overdue),
            ),
        ]

    plans = _plan_counts(schools, rules=rules, today=today)
    tiles += [
        Tile(
            key="plan_reviews_overdue",
            label=_("Plan reviews overdue"),
            value=plans.reviews_overdue,
            note=_("%(count)d due within %(days)d days") % {"count": plans.reviews_due_soon, "days": days}
            if plans.reviews_due_soon
            else "",
            url=page_url("drills:plan-list", status="overdue"),
            level=level_if(plans.reviews_overdue),
        ),
        Tile(
            key="plans_missing",
            label=_("Required scenarios without a plan"),
            value=plans.scenarios_missing,
            url=page_url("drills:plan-list", status="missing"),
            level=level_if(plans.scenarios_missing, "alert"),
        ),
    ]

    planned = (
        drills_visible(user)
        .filter(status=Drill.Status.PLANNED, planned_date__gte=today, school__active=True)
        .order_by("planned_date", "school__name", "pk")[:MAX_LINES]
    )
    lines = [
        Line(
            text=" · ".join(
                [drill.school.name, drill.drill_type.name] + ([_("police take part")] if drill.police_required else [])
            ),
            url=reverse("drills:drill-detail", args=[drill.pk]),
            at=drill.planned_date,
        )
        for drill in planned
    ]
    return Section(
        key="drills",
        title=_("Drills and emergency plans"),
        url=board_url,
        tiles=tiles,
        lines=lines,
        lines_title=_("Next planned drills"),
        lines_empty=_("No drills are planned from today on."),
    )


@dataclass(frozen=True)
class _ComplianceCounts:
    behind_schools: int  # schools with at least one overdue requirement
    overdue_drills: int  # drills missing from overdue requirements
    due_soon_schools: int
    due_soon_drills: int  # drills still to hold for requirements due soon
    actions_overdue: int


def _compliance_counts(
    schools: list[School], *, rules: list[DrillRule], term: Term, today: dt.date
) -> _ComplianceCounts:
    """What ``compliance.compliance_board`` counts for ``schools``, item by item with its own functions.

    Not the board itself: it reloads the schools with their station (boundary polygons included) and groups
    them for display. Two queries (held drills, overdue actions) besides the term's school year.
    """
    ids = [s.pk for s in schools]
    periods = term_periods(term)
    year = periods[DrillRule.Period.YEAR][0]
    held = held_drills(school_ids=ids, start=year.start, end=year.end)
    registered = school_registered_on(schools=schools)
    behind_schools = overdue_drills = due_soon_schools = due_soon_drills = 0
    for school in schools:
        items = compliance_items(
            school=school,
            periods=periods,
            rules=rules,
            held=held.get(school.pk, []),
            today=today,
            registered_on=registered.get(school.pk),
        )
        overdue = [i.missing for i in items if i.status == Status.OVERDUE]
        due_soon = [i.missing for i in items if i.status == Status.DUE_SOON]
        behind_schools += bool(overdue)
        overdue_drills += sum(overdue)
        due_soon_schools += bool(due_soon)
        due_soon_drills += sum(due_soon)
    actions = overdue_actions_count(school_ids=ids, today=today)
    return _ComplianceCounts(behind_schools, overdue_drills, due_soon_schools, due_soon_drills, sum(actions.values()))


@dataclass(frozen=True)
class _PlanCounts:
    reviews_overdue: int
    reviews_due_soon: int
    scenarios_missing: int  # (school, required scenario) pairs without a plan that has a version


def _plan_counts(schools: list[School], *, rules: list[DrillRule], today: dt.date) -> _PlanCounts:
    """The counts of ``plans.plan_board`` for ``schools``, reading only each plan's current review date.

    Same rules (current version = highest number, ``review_status``, a required scenario is covered by a plan
    with at least one version), but the board loads every version's text and documents. One query.
    """
    current_review_due = Subquery(
        EmergencyPlanVersion.objects.filter(plan=OuterRef("pk")).order_by("-version").values("review_due")[:1]
    )
    plans = (
        EmergencyPlan.objects.filter(school_id__in=[s.pk for s in schools])
        .annotate(current_review_due=current_review_due)
        .values_list("school_id", "scenario_id", "current_review_due")
    )
    overdue = due_soon = 0
    covered: set[tuple[int, int]] = set()
    for school_id, scenario_id, review_due in plans:
        status = review_status(review_due, today=today)
        overdue += status == REVIEW_OVERDUE
        due_soon += status == REVIEW_DUE_SOON
        if review_due is not None:
            covered.add((school_id, scenario_id))
    missing = sum(1 for s in schools for t in required_scenarios(s, rules) if (s.pk, t.pk) not in covered)
    return _PlanCounts(overdue, due_soon, missing)
