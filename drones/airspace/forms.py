"""Edit forms of a zone (validity, activity, heights; the polygon comes from an import or the API) and a market."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from drones.missions.markets import parse_lunar_days
from drones.models import Airspace, Market

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class AirspaceForm(forms.ModelForm):
    class Meta:
        model = Airspace
        fields = ["name", "kind", "active", "valid_from", "valid_until", "min_alt_m", "source", "notes"]
        widgets = {"valid_from": _DATETIME, "valid_until": _DATETIME, "notes": forms.Textarea(attrs={"rows": 3})}


class MarketForm(forms.ModelForm):
    lunar_days = forms.CharField(
        label=_("lunar days"),
        required=False,
        help_text=_("e.g. 1,6 or 逢一六 for lunar days 1, 6, 11, 16, 21, 26; empty for none."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Market
        fields = ["name", "kind", "station", "lunar_days", "weekdays", "opens", "closes", "min_alt_m", "attendance"]
        widgets = {"opens": _TIME, "closes": _TIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.lunar_days and not self.is_bound:
            self.initial["lunar_days"] = ",".join(str(d) for d in self.instance.lunar_days)

    def clean_lunar_days(self) -> list[int]:
        try:
            return parse_lunar_days(self.cleaned_data.get("lunar_days") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
