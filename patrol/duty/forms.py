"""Forms of the phone page: check-in/out (position filled by the browser) and the guards' patrol."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patrol.duty.selectors import Equipment
from patrol.models import DutyRole, DutyShift, DutyStaff


class PositionForm(forms.Form):
    """Latitude/longitude (WGS-84) and accuracy come from ``navigator.geolocation`` in hidden fields."""

    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    accuracy_m = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label=_("Reason (needed away from the gate or without a position)"), max_length=200, required=False
    )


class GuardPatrolForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Guard"), queryset=DutyStaff.objects.none(), required=False)
    started_at = forms.TimeField(label=_("Started at"), widget=forms.TimeInput(attrs={"type": "time"}))
    ended_at = forms.TimeField(label=_("Ended at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    equipment = forms.MultipleChoiceField(
        label=_("Equipment carried"), choices=Equipment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    area_cleared = forms.BooleanField(label=_("Gate area cleared"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, shift: DutyShift, **kwargs):
        super().__init__(*args, **kwargs)
        self.shift = shift
        self.fields["staff"].queryset = DutyStaff.objects.filter(
            school_id=shift.post.gate.school_id, role=DutyRole.GUARD, active=True
        )
        if not self.is_bound:
            self.initial.setdefault("started_at", timezone.localtime(shift.start).time().replace(second=0))
            self.initial.setdefault("equipment", Equipment.values)

    def _on_day(self, value: dt.time | None) -> dt.datetime | None:
        if value is None:
            return None
        return timezone.make_aware(dt.datetime.combine(self.shift.date, value))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "staff": data.get("staff"),
            "started_at": self._on_day(data["started_at"]),
            "ended_at": self._on_day(data.get("ended_at")),
            "equipment": list(data.get("equipment") or []),
            "area_cleared": bool(data.get("area_cleared")),
            "notes": data.get("notes", ""),
        }
