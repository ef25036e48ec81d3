"""The page where a scheduler enters a year's State Council holiday notice (``year_schedule``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campus.calendar.days import FIXED_HOLIDAYS, package_knows_year, unknown_years
from campus.calendar.models import HolidayYear
from campus.calendar.year_schedule import MAX_UPLOAD_BYTES, YearScheduleInvalid, year_schedule_enter
from common.errors import DomainError, NotAllowed
from common.permissions import capability_required
from common.roles import Capability

EXAMPLE = "2027-01-01..2027-01-03 holiday 元旦\n2027-02-07 workday\n"


class YearScheduleForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    schedule = forms.CharField(
        label=gettext_lazy("Holiday notice, one range per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "placeholder": EXAMPLE, "spellcheck": "false"}),
        max_length=20000,
    )
    file = forms.FileField(
        label=gettext_lazy("or a CSV file (dates, kind, note)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    replace = forms.BooleanField(label=gettext_lazy("Replace the year's overrides already entered"), required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("schedule") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Write the schedule or choose a CSV file."))
        upload = data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", _("The file is larger than %(kb)d KB.") % {"kb": MAX_UPLOAD_BYTES // 1024})
        return data


def _years_to_enter(today: dt.date) -> list[int]:
    """This year and the next two that the package does not know and nobody entered yet."""
    return unknown_years(range(today.year, today.year + 3))


@capability_required(Capability.MANAGE_DUTY)
def year_schedule(request):
    """GET: the form, the years still unknown, the years entered. POST: enter one year, all or nothing."""
    today = timezone.localdate()
    problems: list[dict] = []
    if request.method == "POST":
        form = YearScheduleForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("file")
            try:
                entered = year_schedule_enter(
                    year=data["year"],
                    actor=request.user,
                    text=data.get("schedule") or "",
                    csv_data=upload.read() if upload else None,
                    replace=data["replace"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except YearScheduleInvalid as exc:
                messages.error(request, exc.message)
                problems = exc.details
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "The holiday schedule of %(year)d is entered: %(holidays)d holidays, "
                        "%(workdays)d make-up school days."
                    )
                    % {"year": entered.year, "holidays": entered.holidays, "workdays": entered.workdays},
                )
                return redirect("campus:calendar_year_schedule")
    else:
        unknown = _years_to_enter(today)
        form = YearScheduleForm(initial={"year": unknown[0] if unknown else today.year + 1})
    return render(
        request,
        "campus/calendar_year_schedule.html",
        {
            "form": form,
            "problems": problems,
            "unknown_years": _years_to_enter(today),
            "entered": HolidayYear.objects.select_related("entered_by").order_by("-year")[:10],
            "fixed": [str(name) for name in dict.fromkeys(FIXED_HOLIDAYS.values())],
            "package_last_year": max(y for y in range(today.year - 5, today.year + 3) if package_knows_year(y))
            if any(package_knows_year(y) for y in range(today.year - 5, today.year + 3))
            else None,
            "example": EXAMPLE,
        },
    )
