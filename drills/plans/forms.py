"""Forms for plan versions and activities: fields as typed; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import Officer, School, Station
from drills.models import Activity, DrillType

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos under one name; each is checked and re-encoded by ``drills.files``."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultiplePhotoField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class PlanVersionForm(forms.Form):
    """A new version: for an existing plan (no school/scenario fields) or a plan chosen by school and scenario."""

    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.filter(active=True))
    scenario = forms.ModelChoiceField(label=_("Scenario"), queryset=DrillType.objects.filter(active=True))
    title = forms.CharField(label=_("Plan title"), max_length=200, required=False)
    version = forms.IntegerField(label=_("Version"))
    effective_date = forms.DateField(label=_("Effective from"), **DATE_WIDGET)
    approved_by = forms.CharField(label=_("Approved by"), max_length=100)
    approved_on = forms.DateField(label=_("Approved on"), **DATE_WIDGET)
    review_due = forms.DateField(
        label=_("Review due"), required=False, help_text=_("Leave empty for a year after approval."), **DATE_WIDGET
    )
    change_note = forms.CharField(label=_("What changed"), max_length=500, required=False)
    text = forms.CharField(
        label=_("Text"), required=False, max_length=100000, strip=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("PDF, Word (DOCX), Excel (XLSX) or plain text."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.txt"}),
    )

    def __init__(self, *args, fixed_plan=None, fixed_school: School | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if fixed_plan is not None:
            del self.fields["school"]
            del self.fields["scenario"]
            self.fields["title"].initial = fixed_plan.title
        elif fixed_school is not None:
            # School staff upload for their own school; a different school posted is refused by the service.
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = fixed_school.pk
        if not self.is_bound:
            today = timezone.localdate()
            self.fields["approved_on"].initial = today
            self.fields["effective_date"].initial = today


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.filter(active=True))
    date = forms.DateField(label=_("Date"), **DATE_WIDGET)
    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.IntegerField(
        label=_("Audience size"), initial=0, help_text=_("Pupils, teachers or parents taking part.")
    )
    officers = forms.ModelMultipleChoiceField(
        label=_("Officers"),
        queryset=Officer.objects.filter(active=True).select_related("station"),
        required=False,
        help_text=_("Leave empty for the school's liaison officer."),
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.all(),
        required=False,
        help_text=_("Leave empty for the school's responsible station."),
    )
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultiplePhotoField(label=_("Photos"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["date"].initial = timezone.localdate()
