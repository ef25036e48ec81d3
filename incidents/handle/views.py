"""Pages for handling reports: inbox, detail with the workflow, follow-ups (回访) and rectification items."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.models import School, Station
from common.errors import NotAllowed
from common.forms import run_service
from common.permissions import capability_required
from common.roles import Capability, can
from incidents import followup, selectors
from incidents.filters import InboxFilterSet
from incidents.handle import services as handle
from incidents.handle.forms import CommentForm, FollowUpForm, RectificationClearForm, TransitionForm
from incidents.models import FollowUp, Incident, IncidentStatus, Rectification, Severity
from incidents.notify import incident_point

# A refusal of the person (not of the input) is a 403 page here.
_run = partial(run_service, refusal_is_403=True)


def _incident_for(user, pk: int) -> Incident:
    incident = selectors.incidents_with_flags(selectors.incidents_visible(user)).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


@capability_required(Capability.VIEW_INCIDENTS)
def handle_inbox(request):
    if not selectors.may_see_inbox(request.user):
        raise PermissionDenied
    now = timezone.now()
    base = selectors.incidents_inbox(request.user)
    inbox = InboxFilterSet(request.GET, base, now=now)
    qs = selectors.incidents_with_flags(inbox.qs, now=now)
    page = Paginator(selectors.incidents_open_first(qs), 50).get_page(request.GET.get("page"))
    filters = inbox.values
    ack, resolve = selectors.overdue_q(now)
    ctx = {
        "page": page,
        "filters": filters,
        "statuses": IncidentStatus.choices,
        "severities": Severity.choices,
        "stations": Station.objects.filter(pk__in=base.values("station_id")),
        "schools": School.objects.filter(pk__in=base.values("school_id")),
        "counts": {
            "open": base.filter(status__in=selectors.OPEN_STATUSES).count(),
            "overdue": base.filter(ack | resolve).count(),
            "escalated": base.filter(status=IncidentStatus.REPORTED, escalation__gt=0).count(),
        },
    }
    template = "incidents/handle/inbox_rows.html" if request.GET.get("fragment") else "incidents/handle/inbox.html"
    return render(request, template, ctx)


def _photo_urls(incident: Incident) -> list[str]:
    urls = []
    for photo_id in incident.photos.values_list("pk", flat=True):
        try:
            urls.append(reverse("incidents:report-photo", kwargs={"pk": photo_id}))
        except NoReverseMatch:
            return []
    return urls


@capability_required(Capability.VIEW_INCIDENTS)
def handle_detail(request, pk: int):
    incident = _incident_for(request.user, pk)
    user = request.user
    can_handle = selectors.may_handle(user, incident)
    follow_up = FollowUp.objects.filter(incident=incident).select_related("recorded_by").first()
    nxt = handle.next_status(incident.status)
    point = incident_point(incident)
    try:
        may_follow_up = bool(followup.follow_up_channel(user, incident))
    except NotAllowed:
        may_follow_up = False
    ctx = {
        "incident": incident,
        "events": incident.events.select_related("actor"),
        "photos": _photo_urls(incident),
        "follow_up": follow_up,
        "rectifications": incident.rectifications.select_related("station", "cleared_by"),
        "can_handle": can_handle,
        "next_status": nxt,
        "next_label": IncidentStatus(nxt).label if nxt else "",
        "close_blocked": nxt == IncidentStatus.CLOSED
        and (follow_up is None or follow_up.status != FollowUp.Status.DONE),
        "can_comment": can_handle
        or (not can(user, Capability.HANDLE_INCIDENTS) and can(user, Capability.REPORT_INCIDENTS)),
        "can_follow_up": may_follow_up
        and follow_up is not None
        and follow_up.status == FollowUp.Status.PENDING
        and incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED),
        "urgent": incident.severity == Severity.URGENT,
        "point": point,
        "gate": incident.gate,
        "ack_deadline": selectors.ack_deadline(incident),
        "resolve_deadline": selectors.resolve_deadline(incident),
        "transition_form": TransitionForm(initial={"to_status": nxt}),
        "comment_form": CommentForm(),
        "statuses": [
            (value, lbl, getattr(incident, handle.STAMP[value]) if value in handle.STAMP else incident.created_at)
            for value, lbl in IncidentStatus.choices
        ],  # fmt: skip
    }
    return render(request, "incidents/handle/detail.html", ctx)


@require_POST
@capability_required(Capability.HANDLE_INCIDENTS)
def handle_transition(request, pk: int):
    incident = _incident_for(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("new status: choose one of the listed statuses."))
        return redirect("incidents:handle-detail", pk=pk)
    to_status = form.cleaned_data["to_status"]
    _run(
        request,
        lambda: handle.incident_transition(
            incident=incident, to_status=to_status, actor=request.user, note=form.cleaned_data["note"]
        ),
        _("Report %(ref)s is now %(status)s.") % {"ref": incident.reference, "status": IncidentStatus(to_status).label},
    )
    return redirect("incidents:handle-detail", pk=pk)


@require_POST
@capability_required(Capability.VIEW_INCIDENTS)
def handle_comment(request, pk: int):
    incident = _incident_for(request.user, pk)
    text = request.POST.get("text", "")
    _run(request, lambda: handle.incident_comment(incident=incident, actor=request.user, text=text),
         _("Comment added."))  # fmt: skip
    return redirect("incidents:handle-detail", pk=pk)


@capability_required(Capability.FOLLOW_UP_INCIDENTS)
def handle_follow_up(request, pk: int):
    incident = _incident_for(request.user, pk)
    try:
        channel = followup.follow_up_channel(request.user, incident)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    follow_up = FollowUp.objects.filter(incident=incident).first()
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        satisfaction = request.POST.get("satisfaction", "")
        comment = request.POST.get("comment", "")
        ok = _run(
            request,
            lambda: followup.follow_up_record(
                incident=incident, actor=request.user, satisfaction=satisfaction, comment=comment
            ),
            _("Follow-up recorded. Thank you."),
        )
        if ok:
            return redirect("incidents:handle-detail", pk=pk)
    return render(
        request,
        "incidents/handle/follow_up.html",
        {"incident": incident, "follow_up": follow_up, "form": form, "channel": FollowUp.Channel(channel).label},
    )


@capability_required(Capability.FOLLOW_UP_INCIDENTS)
def handle_follow_ups(request):
    now = timezone.now()
    pending = list(selectors.follow_ups_pending(request.user))
    for item in pending:
        item.overdue = item.due_at < now
    done = FollowUp.objects.none()
    if selectors.is_bureau(request.user):
        done = (
            FollowUp.objects.filter(status=FollowUp.Status.DONE)
            .select_related("incident", "incident__school", "recorded_by")
            .order_by("-done_at")[:20]
        )
    return render(request, "incidents/handle/follow_ups.html", {"pending": pending, "done": done})


@capability_required(Capability.VIEW_INCIDENTS)
def handle_rectifications(request):
    if not selectors.may_see_rectifications(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    show = request.GET.get("show", "open")
    qs = selectors.rectifications_visible(request.user).order_by("station__name", "due_date")
    if show != "all":
        qs = qs.filter(status=Rectification.Status.OPEN)
    station = request.GET.get("station", "")
    if station.isdigit():
        qs = qs.filter(station_id=int(station))
    groups: dict = {}
    for item in qs:
        item.overdue = item.status == Rectification.Status.OPEN and item.due_date < today
        item.may_clear = item.status == Rectification.Status.OPEN and selectors.may_clear_rectification(
            request.user, item
        )
        groups.setdefault(item.station, []).append(item)
    open_counts = selectors.rectifications_visible(request.user).filter(status=Rectification.Status.OPEN)
    return render(
        request,
        "incidents/handle/rectifications.html",
        {
            "groups": list(groups.items()),
            "show": show,
            "station": station,
            "stations": Station.objects.all(),
            "open_total": open_counts.count(),
            "overdue_total": open_counts.filter(Q(due_date__lt=today)).count(),
            "form": RectificationClearForm(),
        },
    )


@require_POST
@capability_required(Capability.HANDLE_INCIDENTS)
def handle_rectification_clear(request, pk: int):
    item = selectors.rectifications_visible(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    action_taken = request.POST.get("action_taken", "")
    _run(
        request,
        lambda: followup.rectification_clear(rectification=item, actor=request.user, action_taken=action_taken),
        _("Rectification item cleared."),
    )
    return redirect("incidents:handle-rectifications")
