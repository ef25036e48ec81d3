"""Drill pages: compliance board, a school's drills, planning, recording, corrective actions, rules, reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.models import School, Station, Term
from common.errors import DomainError
from common.exports import Export, export_view
from common.permissions import capability_required
from common.roles import Capability, can
from drills import selectors
from drills.compliance import compliance_board, school_compliance
from drills.exports import term_report, term_report_xlsx
from drills.files import attachment_response
from drills.forms import ActionDoneForm, ActionFormSet, DrillRuleForm, DrillTypeForm, PlanForm, RecordForm
from drills.models import CorrectiveAction, Drill, DrillRule, DrillType
from drills.rules import drill_rule_save, drill_type_save, rules_for_school, rules_listed
from drills.scheduling import drill_propose_dates
from drills.services import ActionInput, corrective_action_done, drill_record, drills_plan


def _term(request) -> Term | None:
    value = request.GET.get("term", "") or request.POST.get("term", "")
    if value.isdigit():
        term = Term.objects.filter(pk=int(value)).first()
        if term is not None:
            return term
    return selectors.term_default()


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _visible_school(user, pk: int) -> School:
    school = selectors.drill_schools_visible(user).filter(pk=pk).first()
    if school is None:
        raise Http404
    return school


def _recordable_school(user, pk: int) -> School:
    school = _visible_school(user, pk)
    if not selectors.drill_schools_recordable(user).filter(pk=school.pk).exists():
        raise Http404
    return school


def _form_errors(form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, msgs in errors.items():
        if field in form.fields:
            form.add_error(field, msgs)
        else:
            form.add_error(None, msgs)


@capability_required(Capability.VIEW_DRILLS)
def drill_board(request):
    today = timezone.localdate()
    term = _term(request)
    schools = selectors.drill_schools_visible(request.user).filter(active=True)
    station = request.GET.get("station", "")
    if station.isdigit():
        schools = schools.filter(responsible_station_id=int(station))
    level = request.GET.get("level", "")
    if level in School.Level.values:
        schools = schools.filter(level=level)
    board = compliance_board(term=term, today=today, schools=schools) if term else None
    return render(
        request,
        "drills/drills/board.html",
        {
            "board": board,
            "term": term,
            "terms": Term.objects.order_by("-start_date"),
            "stations": Station.objects.order_by("name"),
            "levels": School.Level.choices,
            "filters": {"station": station, "level": level},
            "reminders": selectors.reminders_for(request.user)[:10],
            "can_manage": can(request.user, Capability.MANAGE_DRILL_RULES),
        },
    )


@capability_required(Capability.VIEW_DRILLS)
def drill_school(request, pk: int):
    school = _visible_school(request.user, pk)
    term = _term(request)
    today = timezone.localdate()
    can_record = selectors.drill_schools_recordable(request.user).filter(pk=school.pk).exists()
    return render(
        request,
        "drills/drills/school.html",
        {
            "school": school,
            "term": term,
            "terms": Term.objects.order_by("-start_date"),
            "compliance": school_compliance(school=school, term=term, today=today) if term else None,
            "drills": Drill.objects.filter(school=school).select_related("drill_type")[:200],
            "actions": CorrectiveAction.objects.filter(
                drill__school=school, status=CorrectiveAction.Status.OPEN
            ).select_related("drill__drill_type"),
            "today": today,
            "can_record": can_record,
            "liaison": selectors.liaison_officer(school),
        },
    )


@capability_required(Capability.RECORD_DRILLS)
def drill_plan(request, pk: int):
    school = _recordable_school(request.user, pk)
    term = _term(request)
    types = [t for t in DrillType.objects.filter(active=True)]
    required_types = {r.drill_type_id for r in rules_for_school(school)}
    chosen = None
    value = request.GET.get("drill_type", "")
    if value.isdigit():
        chosen = DrillType.objects.filter(pk=int(value), active=True).first()
    proposals = []
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                drills = drills_plan(school=school, drill_type=form.cleaned_data["drill_type"],
                                     dates=form.cleaned_data["dates"], actor=request.user)  # fmt: skip
            except ValidationError as exc:
                _form_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(n)d drills planned.") % {"n": len(drills)})
                return redirect("drills:drill-school", pk=school.pk)
    else:
        if chosen is not None and term is not None:
            proposals = drill_propose_dates(school=school, drill_type=chosen, term=term)
        form = PlanForm(
            initial={"drill_type": chosen, "dates": "\n".join(d.isoformat() for d in proposals)} if chosen else None
        )
    return render(
        request,
        "drills/drills/plan.html",
        {
            "school": school,
            "term": term,
            "terms": Term.objects.order_by("-start_date"),
            "types": types,
            "required_types": required_types,
            "chosen": chosen,
            "proposals": proposals,
            "form": form,
        },
    )


def _record_page(request, school: School, drill: Drill | None):
    initial = {}
    if drill is not None:
        initial = {"drill_type": drill.drill_type, "date": drill.planned_date}
    if request.method == "POST":
        form = RecordForm(request.POST, request.FILES)
        actions = ActionFormSet(request.POST, prefix="actions")
        if form.is_valid() and actions.is_valid():
            data = form.cleaned_data
            rows = [
                ActionInput(
                    a.cleaned_data.get("description", ""),
                    a.cleaned_data.get("owner", ""),
                    a.cleaned_data.get("due_date"),
                )  # fmt: skip
                for a in actions.forms
                if not a.is_blank()
            ]
            try:
                recorded = drill_record(
                    actor=request.user,
                    school=school,
                    drill=drill,
                    drill_type=data["drill_type"],
                    date=data["date"],
                    scenario=data["scenario"],
                    participants=data["participants"],
                    officers=list(data["officers"]),
                    evacuation_s=data["evacuation_s"],
                    problems=data["problems"],
                    actions=rows,
                    photos=data["photos"],
                    documents=data["documents"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The drill was recorded."))
                return redirect("drills:drill-detail", pk=recorded.pk)
    else:
        form = RecordForm(initial=initial)
        actions = ActionFormSet(prefix="actions")
    return render(
        request, "drills/drills/record.html", {"school": school, "drill": drill, "form": form, "actions": actions}
    )


@capability_required(Capability.RECORD_DRILLS)
def drill_new(request, pk: int):
    return _record_page(request, _recordable_school(request.user, pk), None)


@capability_required(Capability.RECORD_DRILLS)
def drill_record_planned(request, pk: int):
    drill = selectors.drills_visible(request.user).filter(pk=pk).first()
    if drill is None:
        raise Http404
    school = _recordable_school(request.user, drill.school_id)
    return _record_page(request, school, drill)


@capability_required(Capability.VIEW_DRILLS)
def drill_detail(request, pk: int):
    drill = (
        selectors.drills_visible(request.user)
        .prefetch_related("officers", "attachments", "corrective_actions")
        .filter(pk=pk)
        .first()
    )
    if drill is None:
        raise Http404
    over = None
    if drill.evacuation_s and drill.evacuation_target_s:
        over = drill.evacuation_s - drill.evacuation_target_s
    return render(
        request,
        "drills/drills/detail.html",
        {
            "drill": drill,
            "over": over,
            "under": -over if over is not None and over < 0 else None,
            "today": timezone.localdate(),
            "can_record": selectors.drill_schools_recordable(request.user).filter(pk=drill.school_id).exists(),
            "done_form": ActionDoneForm(),
        },
    )


@require_POST
@capability_required(Capability.RECORD_DRILLS)
def drill_action_done(request, pk: int):
    action = selectors.corrective_actions_visible(request.user).filter(pk=pk).first()
    if action is None:
        raise Http404
    if not selectors.drill_schools_recordable(request.user).filter(pk=action.drill.school_id).exists():
        raise Http404
    form = ActionDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done."))
    else:
        try:
            corrective_action_done(action=action, note=form.cleaned_data["note"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The corrective action is done."))
    return redirect("drills:drill-detail", pk=action.drill_id)


@capability_required(Capability.VIEW_DRILLS)
def drill_attachment(request, pk: int):
    attachment = selectors.attachments_visible(request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


@capability_required(Capability.VIEW_DRILLS)
def drill_reminders(request):
    return render(request, "drills/drills/reminders.html", {"reminders": selectors.reminders_for(request.user)[:200]})


@capability_required(Capability.VIEW_DRILLS)
def drill_rules(request):
    return render(
        request,
        "drills/drills/rules.html",
        {
            "types": DrillType.objects.all(),
            "rules": rules_listed(),
            "can_manage": can(request.user, Capability.MANAGE_DRILL_RULES),
            "levels": dict(School.Level.choices),
        },
    )


def _edit(request, form, save, success: str, template: str, ctx: dict):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.instance)
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return redirect("drills:drill-rules")
    return render(request, template, {"form": form, **ctx})


@capability_required(Capability.MANAGE_DRILL_RULES)
def drill_type_edit(request, pk: int | None = None):
    instance = None
    if pk is not None:
        instance = DrillType.objects.filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = DrillTypeForm(request.POST or None, instance=instance)
    return _edit(request, form, lambda obj: drill_type_save(drill_type=obj, actor=request.user),
                 _("The drill type was saved."), "drills/drills/type_form.html", {"object": instance})  # fmt: skip


@capability_required(Capability.MANAGE_DRILL_RULES)
def drill_rule_edit(request, pk: int | None = None):
    instance = None
    if pk is not None:
        instance = DrillRule.objects.filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = DrillRuleForm(request.POST or None, instance=instance)
    return _edit(request, form, lambda obj: drill_rule_save(rule=obj, actor=request.user),
                 _("The rule was saved."), "drills/drills/rule_form.html", {"object": instance})  # fmt: skip


@export_view
@capability_required(Capability.VIEW_DRILLS)
def drill_report(request):
    """Term report of one school (``?school=``) or one station (``?station=``); ``?type=xlsx`` downloads it."""
    term = _term(request)
    if term is None:
        raise Http404
    schools = selectors.drill_schools_visible(request.user).filter(active=True)
    school_id, station_id = request.GET.get("school", ""), request.GET.get("station", "")
    if school_id.isdigit():
        school = _visible_school(request.user, int(school_id))
        schools, title = schools.filter(pk=school.pk), school.name
    elif station_id.isdigit():
        station = Station.objects.filter(pk=int(station_id)).first()
        if station is None:
            raise Http404
        schools, title = schools.filter(responsible_station=station), station.name
    else:
        title = _("All schools")
    today = timezone.localdate()
    if request.GET.get("type") == "xlsx":
        return Export(
            kind="drills_report",
            fmt="xlsx",
            build=lambda token: term_report_xlsx(
                term_report(term=term, schools=schools, title=title, today=today), token=token
            ),
            filename=f"drills-term-{term.pk}.xlsx",
            params={"term": term.pk, "school": _int_or_none(school_id), "station": _int_or_none(station_id)},
        )
    report = term_report(term=term, schools=schools, title=title, today=today)
    return render(request, "drills/drills/report.html", {"report": report})
