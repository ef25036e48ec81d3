"""Campaign planning pages (``campaign-...``): list, detail with expected reach and map, create and edit,
build occurrences, and the occurrence list with its CSV/XLSX export."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import Campaign, Occurrence
from campaigns.planning import schedule as scheduling
from campaigns.planning import selectors
from campaigns.planning.forms import CampaignForm
from campaigns.planning.occurrences import occurrences_build
from campaigns.planning.services import CampaignInvalid, campaign_create, campaign_update
from common.errors import DomainError, NotAllowed
from common.exports import Export, export_view
from common.permissions import capability_required
from common.roles import Capability, can
from common.xlsx import CsvFile, XlsxBook

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.campaign_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/planning/list.html",
        {"page": page, "can_plan": can(request.user, Capability.PLAN_CAMPAIGNS)},
    )


def _map_context() -> dict:
    return {
        "center": settings.MAP_CENTER,
        "map_labels": {
            "market": _("Market"),
            "school": _("School"),
            "attendance": _("people per session"),
            "pupils": _("pupils"),
            "none": _("No market or school is targeted yet."),
        },
    }


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("playlist", "market_station"), pk=pk)
    counts = selectors.occurrence_status_counts(campaign)
    ready, problems = selectors.playlist_ready(campaign.playlist)
    reach = selectors.campaign_expected_reach(campaign)
    return render(
        request,
        "campaigns/planning/detail.html",
        {
            "campaign": campaign,
            "counts": [(value, label, counts[value]) for value, label in Occurrence.Status.choices],
            "total": sum(counts.values()),
            "reach": reach,
            "reach_pct": round(100 * reach["share_of_target"]) if reach["share_of_target"] is not None else None,
            "broadcast_min": reach["broadcast_s"] / 60.0,
            "loop_min": reach["loop_s"] / 60.0,
            "playlist_ready": ready,
            "playlist_problems": problems,
            "markets": list(campaign.markets.order_by("name")),
            "schools": list(campaign.schools.order_by("name")),
            "map_features": selectors.campaign_map(campaign),
            "can_plan": can(request.user, Capability.PLAN_CAMPAIGNS),
            **_map_context(),
        },
    )


def _add_errors(form: CampaignForm, exc: CampaignInvalid) -> None:
    for name, found in exc.errors.items():
        if name in form.fields:
            form.add_error(name, found)
        else:
            form.add_error(None, [f"{name}: {m}" for m in found])


def _save(request: HttpRequest, form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    try:
        if campaign is None:
            return campaign_create(values=form.values(), actor=request.user)
        return campaign_update(campaign=campaign, values=form.values(), actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except CampaignInvalid as exc:
        _add_errors(form, exc)
    except DomainError as exc:
        form.add_error(None, exc.message)
    return None


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PLAN_CAMPAIGNS)
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, initial={"reach_target": 10000})
    if request.method == "POST" and form.is_valid():
        campaign = _save(request, form, None)
        if campaign is not None:
            messages.success(request, _("The campaign is saved. Build its occurrences next."))
            return redirect("campaigns:campaign-detail", pk=campaign.pk)
    return render(request, "campaigns/planning/form.html", {"form": form, "campaign": None})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PLAN_CAMPAIGNS)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_of(campaign))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, campaign)
        if saved is not None:
            messages.success(
                request, _("The campaign is saved. Build its occurrences again if its period or targets changed.")
            )
            return redirect("campaigns:campaign-detail", pk=saved.pk)
    return render(request, "campaigns/planning/form.html", {"form": form, "campaign": campaign})


def build_summary(result) -> str:
    return _(
        "Occurrences built: %(created)d new, %(updated)d changed, %(unchanged)d unchanged, %(removed)d removed."
    ) % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "removed": result.removed}


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def campaign_build(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the campaign's occurrences from the markets' sessions and the schools' dismissals."""
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        result = occurrences_build(campaign=campaign, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, build_summary(result))
        for warning in result.warnings:
            messages.warning(request, warning)
    return redirect("campaigns:campaign-detail", pk=campaign.pk)


def _date_field(request: HttpRequest, name: str, label: str) -> dt.date | None:
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(_("%(field)s: give a date as YYYY-MM-DD.") % {"field": label}) from None


def schedule_summary(result) -> str:
    return _(
        "%(scheduled)d of %(occurrences)d occurrences have a sortie, %(unschedulable)d cannot be flown "
        "(%(changed)d sorties changed); expected reach %(reach)d people."
    ) % {
        "scheduled": result.scheduled,
        "occurrences": result.occurrences,
        "unschedulable": sum(result.unschedulable.values()),
        "changed": result.changed,
        "reach": result.expected_reach,
    }


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def campaign_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the campaign's occurrences to sorties (``first``/``last``: optional days within its period);
    with a ``reason`` it plans again from today, changing as little as possible."""
    campaign = get_object_or_404(Campaign, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        first = _date_field(request, "first", _("First day"))
        last = _date_field(request, "last", _("Last day"))
        if request.POST.get("replan"):
            result = scheduling.campaign_replan(
                campaign=campaign, actor=request.user, reason=reason, first=first, last=last
            )
        else:
            result = scheduling.campaign_schedule(campaign=campaign, actor=request.user, first=first, last=last)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, schedule_summary(result))
    return redirect("campaigns:campaign-detail", pk=campaign.pk)


# --- occurrences ------------------------------------------------------------------------------------


def occurrence_row(occurrence: Occurrence) -> list:
    """One occurrence as exported: date, window (local time), place, crowd, status, reason and its sortie."""
    sortie = getattr(occurrence, "sortie", None)
    return [
        occurrence.date.isoformat(),
        f"{timezone.localtime(occurrence.window_start):%H:%M}",
        f"{timezone.localtime(occurrence.window_end):%H:%M}",
        str(_("Market") if occurrence.market_id else _("School")),
        str(occurrence.market or occurrence.school),
        occurrence.expected_crowd,
        str(occurrence.get_status_display()),
        occurrence.reason,
        sortie.drone.name if sortie else "",
        str(sortie.pilot) if sortie else "",
        f"{timezone.localtime(sortie.start):%Y-%m-%d %H:%M}" if sortie else "",
    ]


def export_header() -> list[str]:
    return [
        _("Date"),
        _("Window opens"),
        _("Window closes"),
        _("Place kind"),
        _("Place"),
        _("Expected crowd"),
        _("Status"),
        _("Reason"),
        _("Drone"),
        _("Pilot"),
        _("Take-off"),
    ]


def occurrences_csv(occurrences, token=None):
    out = CsvFile(export_header(), token)
    for occurrence in occurrences.iterator(chunk_size=500):
        out.row(occurrence_row(occurrence))
    return out.content()


def occurrences_xlsx(campaign: Campaign, occurrences, token=None) -> bytes:
    book = XlsxBook(token)
    sheet = book.sheet(_("Occurrences"), widths=(12, 8, 8, 8, 24, 10, 14, 30, 14, 20, 17), freeze=False)
    sheet.note([campaign.name, f"{campaign.start_date.isoformat()} – {campaign.end_date.isoformat()}"])
    sheet.header(export_header())
    for occurrence in occurrences.iterator(chunk_size=500):
        sheet.append(occurrence_row(occurrence))
    return book.content()


@export_view
@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_occurrences(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's occurrences, filtered by date range, status and place; ``?export=csv|xlsx`` downloads."""
    campaign = get_object_or_404(Campaign, pk=pk)
    params = {name: request.GET.get(name, "") for name in selectors.OCCURRENCE_FILTERS}
    fmt = request.GET.get("export", "")
    if fmt and fmt not in EXPORT_FORMATS:
        return HttpResponse(
            _("The parameter “export” must be “csv” or “xlsx”."), status=400, content_type="text/plain; charset=utf-8"
        )
    errors: list[str] = []
    try:
        occurrences = selectors.occurrence_filter(selectors.occurrence_list(campaign), params)
    except ValidationError as exc:
        if fmt:
            return HttpResponse(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        errors = [f"{k}: {m}" for k, found in exc.message_dict.items() for m in found]
        occurrences = selectors.occurrence_list(campaign).none()
    if fmt == "csv":
        return Export(
            kind="campaign_occurrences",
            fmt="csv",
            build=lambda token: occurrences_csv(occurrences, token),
            filename=f"campaign-{campaign.pk}-occurrences.csv",
            content_type="text/csv; charset=utf-8",
            params=params,
            obj=campaign,
        )
    if fmt == "xlsx":
        return Export(
            kind="campaign_occurrences",
            fmt="xlsx",
            build=lambda token: occurrences_xlsx(campaign, occurrences, token),
            filename=f"campaign-{campaign.pk}-occurrences.xlsx",
            params=params,
            obj=campaign,
        )
    page = Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "campaigns/planning/occurrences.html",
        {
            "campaign": campaign,
            "page": page,
            "filters": params,
            "filter_errors": errors,
            "query": query.urlencode(),
            "statuses": Occurrence.Status.choices,
            "places": selectors.occurrence_places(campaign),
        },
    )
