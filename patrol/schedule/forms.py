"""Forms of the 护学岗 set-up pages. They parse; the services validate the rules and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campus.models import CalendarOverride, Gate, Officer, School, SchoolClosure, Station
from patrol.models import DutyRole, DutyStaff, Leave, WindowKind

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class TermForm(forms.Form):
    school_year = forms.CharField(label=_("School year"), max_length=9, help_text=_("For example 2026-2027."))
    name = forms.CharField(label=_("Name"), max_length=50)
    # Dates stay text here: the service parses them and names the field and the value when they are wrong.
    start_date = forms.CharField(label=_("First day"), widget=DateInput)
    end_date = forms.CharField(label=_("Last day"), widget=DateInput)


class OverrideForm(forms.Form):
    date = forms.CharField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarOverride.Kind.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ClosureForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.filter(active=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=SchoolClosure.Kind.choices)
    start_date = forms.CharField(label=_("First day"), widget=DateInput)
    end_date = forms.CharField(label=_("Last day"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    no_duty = forms.BooleanField(label=_("No gate duty"), required=False, initial=True)


class WindowRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Window"), choices=WindowKind.choices)
    before_min = forms.IntegerField(label=_("Minutes before the bell"), min_value=0, max_value=180)
    after_min = forms.IntegerField(label=_("Minutes after the bell"), min_value=0, max_value=180)


class PostForm(forms.Form):
    gate = forms.ModelChoiceField(label=_("Gate"), queryset=Gate.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    police = forms.IntegerField(label=_("Police officers"), min_value=0, max_value=20, initial=0)
    auxiliary = forms.IntegerField(label=_("Auxiliary police"), min_value=0, max_value=20, initial=0)
    guard = forms.IntegerField(label=_("School guards"), min_value=0, max_value=20, initial=0)
    volunteer = forms.IntegerField(label=_("Volunteers"), min_value=0, max_value=20, initial=0)
    window_kinds = forms.MultipleChoiceField(
        label=_("Windows"),
        choices=WindowKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every window the school has."),
    )
    checkin_radius_m = forms.IntegerField(label=_("Check-in radius (m)"), min_value=10, max_value=2000, initial=150)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gate"].queryset = school.gates.all()

    def requirements(self) -> dict[str, int]:
        return {role: self.cleaned_data[role] for role in DutyRole.values if self.cleaned_data.get(role)}


class StaffForm(forms.ModelForm):
    class Meta:
        model = DutyStaff
        fields = [
            "role",
            "name",
            "phone",
            "officer",
            "station",
            "school",
            "base_lat",
            "base_lon",
            "max_per_day",
            "max_per_week",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = Officer.objects.filter(active=True).select_related("station")
        self.fields["station"].queryset = Station.objects.all()
        self.fields["school"].queryset = School.objects.filter(active=True)

    def _post_clean(self):
        # The service validates the whole record (with clearer messages); skip the model's own clean here.
        pass


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Leave.Kind.choices)
    start = forms.DateTimeField(label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=_("End"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
