"""Forms of the drill pages: types, rules, planning, recording, corrective actions."""

from __future__ import annotations

from django import forms
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from campus.models import Officer, School
from drills.models import DrillRule, DrillType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked by ``drills.files``."""

    def __init__(self, *args, accept: str = "", **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else {}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class DrillTypeForm(forms.ModelForm):
    class Meta:
        model = DrillType
        fields = ["code", "name", "active", "evacuation", "target_evacuation_s"]


TRISTATE = [("", _("Either")), ("true", _("Yes")), ("false", _("No"))]


def _tristate(value):
    return {"true": True, "false": False}.get(value)


class DrillRuleForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=_("School levels"),
        choices=School.Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )
    boarding = forms.TypedChoiceField(label=_("Boarding schools"), choices=TRISTATE, coerce=_tristate,
                                      required=False, empty_value=None)  # fmt: skip
    school_bus = forms.TypedChoiceField(label=_("Schools with a bus"), choices=TRISTATE, coerce=_tristate,
                                        required=False, empty_value=None)  # fmt: skip
    count = forms.IntegerField(label=_("Drills per period"))

    class Meta:
        model = DrillRule
        fields = ["drill_type", "levels", "boarding", "school_bus", "period", "count", "police_required", "source",
                  "active"]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.initial["boarding"] = "" if instance.boarding is None else str(instance.boarding).lower()
            self.initial["school_bus"] = "" if instance.school_bus is None else str(instance.school_bus).lower()

    def _post_clean(self) -> None:
        # Only copy the values: the service validates the rule (counts, duplicates) with its own messages.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class PlanForm(forms.Form):
    drill_type = forms.ModelChoiceField(label=_("Drill type"), queryset=DrillType.objects.filter(active=True))
    dates = forms.CharField(
        label=_("Dates"),
        help_text=_("One date per line (YYYY-MM-DD): edit the proposals as needed."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_dates(self):
        import datetime as dt

        values = []
        for line in self.cleaned_data["dates"].replace(",", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                values.append(dt.date.fromisoformat(line))
            except ValueError:
                raise forms.ValidationError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": line}) from None
        if not values:
            raise forms.ValidationError(_("Choose at least one date."))
        return values


class RecordForm(forms.Form):
    drill_type = forms.ModelChoiceField(label=_("Drill type"), queryset=DrillType.objects.filter(active=True))
    date = forms.DateField(label=_("Date held"), widget=forms.DateInput(attrs={"type": "date"}))
    scenario = forms.CharField(label=_("Scenario"), max_length=4000, required=False, widget=forms.Textarea)
    participants = forms.IntegerField(label=_("Participants"), min_value=0, required=False)
    officers = forms.ModelMultipleChoiceField(
        label=_("Officers taking part"), queryset=Officer.objects.filter(active=True), required=False
    )
    evacuation_s = forms.IntegerField(
        label=_("Evacuation time (s)"), required=False, help_text=_("Only for types that measure evacuation.")
    )
    problems = forms.CharField(label=_("Problems found"), max_length=4000, required=False, widget=forms.Textarea)
    photos = MultipleFileField(label=_("Photos"), required=False, accept="image/*")
    documents = MultipleFileField(label=_("Documents (PDF, DOCX, XLSX, TXT)"), required=False)


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Corrective action"), max_length=500, required=False)
    owner = forms.CharField(label=_("Owner"), max_length=100, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("description") or data.get("owner") or data.get("due_date"))


ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=20)


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=500)
