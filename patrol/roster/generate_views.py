"""The term's roster generation page: the last solver report (GET), run the solver (POST)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campus.models import Term
from common.errors import DomainError
from common.permissions import capability_required
from common.roles import Capability, can
from patrol.models import Roster
from patrol.roster import selectors
from patrol.roster.explain import explain_uncovered, released_localized
from patrol.roster.generate import MAX_TIME_LIMIT_S, roster_generate


class GenerateForm(forms.Form):
    time_limit_s = forms.FloatField(
        label=gettext_lazy("Time limit (seconds)"), min_value=1, max_value=MAX_TIME_LIMIT_S, required=False
    )
    replan = forms.BooleanField(label=gettext_lazy("Re-plan (keep as much of the current roster as possible)"),
                                required=False)  # fmt: skip
    full = forms.BooleanField(label=gettext_lazy("Re-plan every week, not only what changed"), required=False)
    from_date = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip


@capability_required(Capability.VIEW_DUTY)
def generate_term(request, pk: int):
    term = get_object_or_404(Term, pk=pk)
    if request.method == "POST":
        if not can(request.user, Capability.MANAGE_DUTY):
            raise PermissionDenied
        form = GenerateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                roster = roster_generate(
                    term=term,
                    actor=request.user,
                    time_limit_s=data["time_limit_s"],
                    replan=data["replan"],
                    from_date=data["from_date"],
                    full=data["full"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                coverage = roster.report["coverage"]
                messages.success(
                    request,
                    _("Roster generated: %(filled)d of %(required)d places filled.")
                    % {"filled": coverage["filled"], "required": coverage["required"]},
                )
            return redirect("patrol:generate-term", pk=term.pk)
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("patrol:generate-term", pk=term.pk)
    roster = Roster.objects.filter(term=term).first()
    report = selectors.roster_report_for(request.user, roster.report if roster else {})
    can_manage = can(request.user, Capability.MANAGE_DUTY)
    return render(
        request,
        "patrol/roster/generate.html",
        {
            "term": term,
            "roster": roster,
            "report": report,
            # Grouped by cause and station, in the reader's language; names and leave dates for schedulers.
            "explanation": explain_uncovered(report.get("uncovered", []), with_people=can_manage) if report else [],
            "released": released_localized(report.get("released", [])) if report else [],
            "form": GenerateForm(),
            "can_manage": can(request.user, Capability.MANAGE_DUTY),
        },
    )
