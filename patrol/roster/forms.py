"""Forms of the roster pages: manual edits and swap requests."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from patrol.models import DutyAssignment, DutyRole, DutyStaff


class AssignmentAddForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Person"), queryset=DutyStaff.objects.filter(active=True))
    role = forms.ChoiceField(label=_("Role"), choices=DutyRole.choices)


class AssignmentReplaceForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Replace with"), queryset=DutyStaff.objects.filter(active=True))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AssignmentRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class SwapRequestForm(forms.Form):
    to_staff = forms.ModelChoiceField(label=_("Ask"), queryset=DutyStaff.objects.filter(active=True))
    in_return = forms.ModelChoiceField(
        label=_("In return for (optional)"), queryset=DutyAssignment.objects.all(), required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
