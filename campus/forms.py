from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campus.models import Department, Officer, Station


class LiaisonAssignForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Officer"),
        queryset=Officer.objects.filter(active=True, kind=Officer.Kind.POLICE).select_related("station"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    override_reason = forms.CharField(
        label=_("Override reason (administrators only)"),
        max_length=300,
        required=False,
        help_text=_("Needed to assign an officer from another station or over the limit."),
    )


class EndForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PairingForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class TransferForm(forms.Form):
    station = forms.ModelChoiceField(label=_("New station"), queryset=Station.objects.all())
    reason = forms.CharField(label=_("Reason"), max_length=300)
