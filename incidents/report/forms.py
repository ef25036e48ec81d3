"""The phone-friendly report form: fields as typed; the service decides what is allowed."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import Gate, School
from incidents.models import IncidentCategory, Severity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files under one name; the list is checked (type, size, count) by ``incidents.photos``."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def local_now_input() -> str:
    """Now in the local time zone, as a ``datetime-local`` input value."""
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class ReportForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none())
    category = forms.ChoiceField(label=_("What happened"), choices=IncidentCategory.choices)
    severity = forms.ChoiceField(
        label=_("How serious"), choices=Severity.choices, initial=Severity.MEDIUM, widget=forms.RadioSelect
    )
    gate = forms.ModelChoiceField(label=_("At the gate"), queryset=Gate.objects.all(), required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    location_note = forms.CharField(
        label=_("Where on campus"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. behind the canteen")}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}),
    )
    photos = MultipleImageField(label=_("Photos"), required=False)
    reporter_name = forms.CharField(label=_("Your name"), max_length=50)
    reporter_phone = forms.CharField(
        label=_("Your phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    idempotency_key = forms.CharField(max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, schools, fixed_school: School | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_school = fixed_school
        if fixed_school is not None:
            # School staff report for their own school only: the field is not offered at all.
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools
        if self.is_bound:
            # Any gate parses; the service says clearly when it is not a gate of the school.
            self.fields["gate"].queryset = Gate.objects.all()
        else:
            self.narrow_gates()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("occurred_at", local_now_input())

    def narrow_gates(self) -> None:
        """Offer only the gates of the school chosen (or fixed) when the page is shown."""
        if self.fixed_school is not None:
            school_id = self.fixed_school.pk
        else:
            school_id = self.data.get("school") if self.is_bound else self.initial.get("school")
        if school_id and str(school_id).isdigit():
            self.fields["gate"].queryset = Gate.objects.filter(school_id=int(school_id))
        else:
            self.fields["gate"].queryset = Gate.objects.none()

    def chosen_school(self) -> School:
        return self.fixed_school or self.cleaned_data["school"]
