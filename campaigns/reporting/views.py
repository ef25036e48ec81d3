"""Reach pages (``reach-...``): a campaign's reach (planned / flown / cancelled, broadcast minutes, reach over
time against its target, the markets by coverage, townships and pilots), its printable report and XLSX,
"measure again" for planners, and the bureau's year against ``CAMPAIGN_YEAR_TARGET``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.models import Campaign
from campaigns.reporting import selectors
from campaigns.reporting.exports import campaign_report_xlsx, summary_rows
from campaigns.reporting.services import campaign_measure
from common.errors import DomainError, NotAllowed
from common.exports import Export, export_view
from common.permissions import capability_required
from common.roles import Capability, can

MIN_YEAR, MAX_YEAR = 2000, 2100


def _pct(share) -> int | None:
    return round(100 * share) if share is not None else None


def chart_labels() -> dict:
    return {
        "flown": _("Reached (flown)"),
        "expected": _("Expected (flown + planned)"),
        "target": _("Target"),
        "last_year": _("Last year"),
        "people": _("people"),
        "month": _("Month"),
        "monthly": _("Reached in the month"),
        "coverage": _("Coverage"),
        "sessions": _("sessions"),
        "visits_flown": _("visits flown"),
        "reached": _("reached"),
        "none": _("No market or school is targeted yet."),
    }


def _campaign(pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("playlist"), pk=pk)


def _context(request: HttpRequest, campaign: Campaign) -> dict:
    data = selectors.campaign_reach(campaign)
    summary = data["summary"]
    return {
        "campaign": campaign,
        "data": data,
        "summary": summary,
        "flown_pct": _pct(summary["flown_share"]),
        "expected_pct": _pct(summary["expected_share"]),
        "params": data["parameters"],
        "dwell_market_min": data["parameters"]["dwell_market_s"] / 60,
        "dwell_night_min": data["parameters"]["dwell_night_market_s"] / 60,
        "dwell_school_min": data["parameters"]["dwell_school_s"] / 60,
        "can_plan": can(request.user, Capability.PLAN_CAMPAIGNS),
        "chart": {"series": data["series"], "target": summary["target"]},
        "labels": chart_labels(),
        "center": settings.MAP_CENTER,
    }


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_reach(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "campaigns/reporting/campaign.html", _context(request, _campaign(pk)))


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign report for leadership, laid out for print (and for the screen)."""
    context = _context(request, _campaign(pk))
    context["summary_rows"] = summary_rows(context["data"])
    context["printed_at"] = timezone.localtime()
    return render(request, "campaigns/reporting/report.html", context)


@export_view
@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_report_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as XLSX (summary, townships, pilots, occurrences); audited as ``export.campaign_reach``."""
    campaign = _campaign(pk)
    return Export(
        kind="campaign_reach",
        fmt="xlsx",
        build=lambda token: campaign_report_xlsx(selectors.campaign_reach(campaign), token),
        filename=f"campaign-{campaign.pk}-reach.xlsx",
        params={"campaign": campaign.pk},
        obj=campaign,
    )


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def campaign_measure_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Measure every flown sortie of the campaign again from its flight's track."""
    campaign = _campaign(pk)
    try:
        result = campaign_measure(campaign=campaign, actor=request.user, reason="measure again (page)")
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(measured)d flown sorties measured again, %(changed)d changed.")
            % {"measured": result.measured, "changed": result.changed},
        )
        for skipped in result.skipped:
            messages.warning(request, skipped["detail"])
    return redirect("campaigns:reach-campaign", pk=campaign.pk)


def _year(request: HttpRequest) -> tuple[int, str]:
    value = request.GET.get("year", "").strip()
    today = timezone.localdate().year
    if not value:
        return today, ""
    if not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
        return today, _("year: give a year between %(min)d and %(max)d; showing %(year)d.") % {
            "min": MIN_YEAR,
            "max": MAX_YEAR,
            "year": today,
        }
    return int(value), ""


@capability_required(Capability.VIEW_CAMPAIGNS)
def year_reach(request: HttpRequest) -> HttpResponse:
    """Every campaign of the year, the year's reach against the bureau's target, by month."""
    year, error = _year(request)
    data = selectors.year_reach(year)
    return render(
        request,
        "campaigns/reporting/year.html",
        {
            "data": data,
            "year_error": error,
            "flown_pct": _pct(data["flown_share"]),
            "expected_pct": _pct(data["expected_share"]),
            "last_year_pct": _pct(data["last_year"] / data["target"] if data["target"] else None),
            "chart": {"months": data["months"], "target": data["target"], "last_year": data["last_year"]},
            "labels": chart_labels(),
            "previous": year - 1 if year > MIN_YEAR else None,
            "next": year + 1 if year < MAX_YEAR else None,
        },
    )
