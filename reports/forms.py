from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campus.models import Station
from incidents.analysis.params import AnalysisParamError, parse_month
from reports.models import COUNTERMEASURES_MAX_CHARS, Metric


class ReportCreateForm(forms.Form):
    month = forms.CharField(label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}))
    station = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=Station.objects.order_by("name"),
        required=False,
        empty_label=_("whole county"),
    )

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"])
        except AnalysisParamError as exc:
            raise forms.ValidationError(exc.message) from None


class CountermeasuresForm(forms.Form):
    text = forms.CharField(
        label=_("Countermeasures (对策)"),
        required=False,
        max_length=COUNTERMEASURES_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Plain text. A blank line starts a new paragraph, “# ” a heading, “- ” or “1. ” a list item."),
    )


class TargetForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    station = forms.ModelChoiceField(
        label=_("Applies to"),
        queryset=Station.objects.order_by("name"),
        required=False,
        empty_label=_("County default"),
    )
    value = forms.FloatField(
        label=_("Target"), required=False, min_value=0, help_text=_("Leave empty to remove the target.")
    )
