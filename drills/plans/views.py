"""Pages for emergency plans (``plan-...``) and police-school activities (``activity-...``) in ``drills``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campus.models import Officer, School, Station, Term
from campus.scope import scope_of
from campus.selectors import staff_school_id
from common.errors import DomainError, NotAllowed
from common.exports import Export, export_view
from common.permissions import capability_required
from common.roles import Capability, can
from common.xlsx import XlsxBook
from drills import activities
from drills.models import Activity, DrillType, EmergencyPlan
from drills.plans import services as plans
from drills.plans.forms import ActivityForm, PlanVersionForm

STATUS_FILTERS = ("overdue", "due_soon", "missing")


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's field errors on the form's fields (others as form errors, named)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, found in errors.items():
        if name in form.fields:
            form.add_error(name, found)
        else:
            form.add_error(None, [f"{name}: {m}" if name else m for m in found])


def _station_param(request: HttpRequest) -> Station | None:
    value = request.GET.get("station", "")
    return Station.objects.filter(pk=int(value)).first() if value.isdigit() else None


def _visible_school(user, pk: int) -> School:
    school = plans.drill_schools_visible(user).select_related("responsible_station").filter(pk=pk).first()
    if school is None:
        raise Http404
    return school


def _visible_plan(user, pk: int) -> EmergencyPlan:
    plan = plans.plans_visible(user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def _may_record_for(user, school: School) -> bool:
    return plans.recordable_schools(user).filter(pk=school.pk).exists()


# --- plans ---------------------------------------------------------------------------------------


@capability_required(Capability.VIEW_DRILLS)
def plan_list(request: HttpRequest) -> HttpResponse:
    """County or station list: every school's plans, reviews overdue or due soon, scenarios missing."""
    station = _station_param(request)
    status = request.GET.get("status", "")
    board = plans.plan_board(user=request.user, station=station)
    rows = board.schools
    if status == "overdue":
        rows = [s for s in rows if s.overdue]
    elif status == "due_soon":
        rows = [s for s in rows if s.due_soon]
    elif status == "missing":
        rows = [s for s in rows if s.missing]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "drills/plans/list.html",
        {
            "board": board,
            "page": page,
            "stations": Station.objects.order_by("code"),
            "station": station,
            "status": status if status in STATUS_FILTERS else "",
            "can_record": can(request.user, Capability.RECORD_DRILLS),
        },
    )


@capability_required(Capability.VIEW_DRILLS)
def plan_school(request: HttpRequest, pk: int) -> HttpResponse:
    """One school's plans: current version per scenario, review dates, scenarios its rules require."""
    school = _visible_school(request.user, pk)
    board = plans.plan_board(user=request.user, school=school)
    entry = board.schools[0] if board.schools else plans.SchoolPlans(school=school)
    return render(
        request,
        "drills/plans/school.html",
        {"school": school, "entry": entry, "can_record": _may_record_for(request.user, school)},
    )


@capability_required(Capability.VIEW_DRILLS)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's version history: who approved, when, review date, what changed, text and document."""
    plan = _visible_plan(request.user, pk)
    current = plans.plan_current(plan)
    return render(
        request,
        "drills/plans/detail.html",
        {
            "plan": plan,
            "versions": plan.version_list,
            "current": current,
            "status": plans.review_status(current.review_due if current else None),
            "can_record": _may_record_for(request.user, plan.school),
        },
    )


def _fixed_school(user) -> School | None:
    """School staff upload for their own school; police roles (administrators and schedulers: those with
    RECORD_DRILLS) choose (None)."""
    if scope_of(user).registry_county:
        return None
    school_id = staff_school_id(user)
    if school_id is None:
        raise PermissionDenied(_("Your account is not linked to a school."))
    return School.objects.get(pk=school_id)


def _save_version(request: HttpRequest, form: PlanVersionForm, plan: EmergencyPlan | None):
    data = form.cleaned_data
    try:
        return plans.plan_version_add(
            plan=plan,
            school=data.get("school"),
            scenario=data.get("scenario"),
            title=data.get("title", ""),
            version=data["version"],
            effective_date=data["effective_date"],
            text=data["text"],
            document=data.get("document"),
            approved_by=data["approved_by"],
            approved_on=data["approved_on"],
            review_due=data.get("review_due"),
            change_note=data["change_note"],
            actor=request.user,
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        form.add_error(None, exc.message)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


@capability_required(Capability.RECORD_DRILLS)
def plan_new(request: HttpRequest) -> HttpResponse:
    """A new plan with its first version, or the next version of the plan for the school and scenario."""
    fixed = _fixed_school(request.user)
    if request.method == "POST":
        form = PlanVersionForm(request.POST, request.FILES, fixed_school=fixed)
        if form.is_valid():
            row = _save_version(request, form, None)
            if row is not None:
                messages.success(request, _("Version %(version)d saved.") % {"version": row.version})
                return redirect("drills:plan-detail", pk=row.plan_id)
    else:
        initial: dict = {}
        school_id = request.GET.get("school", "")
        if fixed is None and school_id.isdigit():
            initial["school"] = int(school_id)
        scenario = request.GET.get("scenario", "")
        if scenario.isdigit():
            initial["scenario"] = int(scenario)
            chosen = DrillType.objects.filter(pk=int(scenario)).first()
            school_pk = fixed.pk if fixed else initial.get("school")
            existing = EmergencyPlan.objects.filter(school_id=school_pk, scenario=chosen).first() if chosen else None
            initial["version"] = plans.plan_next_version(existing)
            if existing is not None:
                return redirect("drills:plan-version-new", pk=existing.pk)
            if chosen is not None:
                initial["title"] = _("%(scenario)s emergency plan") % {"scenario": chosen.name}
        initial.setdefault("version", 1)
        form = PlanVersionForm(initial=initial, fixed_school=fixed)
    return render(request, "drills/plans/version_form.html", {"form": form, "plan": None, "fixed_school": fixed})


@capability_required(Capability.RECORD_DRILLS)
def plan_version_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The next version of an existing plan."""
    plan = _visible_plan(request.user, pk)
    if not _may_record_for(request.user, plan.school):
        raise PermissionDenied
    if request.method == "POST":
        form = PlanVersionForm(request.POST, request.FILES, fixed_plan=plan)
        if form.is_valid():
            row = _save_version(request, form, plan)
            if row is not None:
                messages.success(request, _("Version %(version)d saved.") % {"version": row.version})
                return redirect("drills:plan-detail", pk=plan.pk)
    else:
        current = plans.plan_current(plan)
        initial = {"version": plans.plan_next_version(plan), "title": plan.title}
        if current is not None:
            initial["text"] = current.text
            initial["approved_by"] = current.approved_by
        form = PlanVersionForm(initial=initial, fixed_plan=plan)
    return render(
        request,
        "drills/plans/version_form.html",
        {"form": form, "plan": plan, "current": plans.plan_current(plan)},
    )


# --- activities ----------------------------------------------------------------------------------


@capability_required(Capability.VIEW_DRILLS)
def activity_list(request: HttpRequest) -> HttpResponse:
    qs = activities.activities_visible(request.user)
    params = {k: request.GET.get(k, "") for k in ("kind", "school", "station", "officer", "term", "from", "to")}
    errors: list[str] = []
    try:
        qs = activities.activity_filters(qs, params)
    except ValidationError as exc:
        errors = [f"{name}: {m}" for name, found in exc.message_dict.items() for m in found]
        qs = qs.none()
    page = Paginator(qs.order_by("-date", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "drills/plans/activity_list.html",
        {
            "page": page,
            "filters": params,
            "filter_errors": errors,
            "query": query.urlencode(),
            "kinds": Activity.Kind.choices,
            "schools": plans.drill_schools_visible(request.user).order_by("code"),
            "stations": Station.objects.order_by("code"),
            "terms": Term.objects.order_by("-start_date"),
            "can_record": can(request.user, Capability.RECORD_ACTIVITIES),
        },
    )


@capability_required(Capability.RECORD_ACTIVITIES)
def activity_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = activities.activity_record(
                    kind=data["kind"],
                    school=data["school"],
                    date=data["date"],
                    title=data["title"],
                    audience=data["audience"],
                    officers=list(data["officers"]),
                    station=data["station"],
                    notes=data["notes"],
                    photos=data["photos"],
                    actor=request.user,
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The activity is recorded."))
                return redirect("drills:activity-detail", pk=activity.pk)
    else:
        initial: dict = {}
        if request.GET.get("school", "").isdigit():
            initial["school"] = int(request.GET["school"])
        if request.GET.get("kind", "") in Activity.Kind.values:
            initial["kind"] = request.GET["kind"]
        form = ActivityForm(initial=initial)
    return render(request, "drills/plans/activity_form.html", {"form": form})


@capability_required(Capability.VIEW_DRILLS)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activities.activities_visible(request.user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return render(request, "drills/plans/activity_detail.html", {"activity": activity})


def _term_param(request: HttpRequest) -> Term | None:
    value = request.GET.get("term", "")
    if value:
        term = Term.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if term is None:
            raise Http404(_("Unknown term."))
        return term
    return activities.default_term()


@export_view
@capability_required(Capability.VIEW_DRILLS)
def activity_counts(request: HttpRequest) -> HttpResponse:
    """Counts per school, officer and station for a term; ``?type=xlsx`` downloads them."""
    kind = request.GET.get("type", "")
    if kind not in ("", "html", "xlsx"):
        return HttpResponse(
            _("The parameter “type” must be “xlsx” (or left out for the page)."), status=400, content_type="text/plain"
        )
    term = _term_param(request)
    station = _station_param(request)
    if kind == "xlsx" and term is not None:
        user = request.user
        return Export(
            kind="activity_counts",
            fmt="xlsx",
            build=lambda token: counts_xlsx(
                activities.activity_counts(term=term, user=user, station=station), token=token
            ),
            filename=f"activities-{term.start_date:%Y-%m}.xlsx",
            params={"term": term.pk, "station": station.pk if station else None},
        )
    counts = activities.activity_counts(term=term, user=request.user, station=station) if term else None
    query = request.GET.copy()
    query["type"] = "xlsx"
    if term is not None:
        query["term"] = str(term.pk)
    return render(
        request,
        "drills/plans/activity_counts.html",
        {
            "counts": counts,
            "term": term,
            "terms": Term.objects.order_by("-start_date"),
            "stations": Station.objects.order_by("code"),
            "station": station,
            "xlsx_query": query.urlencode(),
        },
    )


def _label(key) -> str:
    if key is None:
        return _("No station")
    if isinstance(key, Officer):
        return f"{key.name} ({key.badge_no})"
    return str(key)


def counts_xlsx(counts: activities.ActivityCounts, token=None) -> bytes:
    """One sheet per grouping (schools, officers, stations): total, audience, and a column per kind.

    ``token``: the export's ``ExportToken`` (``common.exports``); each data row is counted on it.
    """
    book = XlsxBook(token)
    kinds = [str(label) for _value, label in counts.kinds]
    for title, rows, heading in (
        (_("Schools"), counts.schools, _("School")),
        (_("Officers"), counts.officers, _("Officer")),
        (_("Stations"), counts.stations, _("Station")),
    ):
        sheet = book.sheet(str(title), widths=(32,))
        sheet.note([str(counts.term)])
        sheet.header([heading, _("Activities"), _("Audience"), *kinds])
        for row in rows:
            sheet.append([_label(row.key), row.total, row.audience, *row.kind_counts()])
        sheet.append([_("Total"), counts.total.total, counts.total.audience, *counts.total.kind_counts()])
    return book.content()
