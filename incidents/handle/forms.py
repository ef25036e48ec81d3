"""Forms of the handling pages: a status step, a comment, the follow-up, clearing a rectification item."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import FollowUp, IncidentStatus


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("new status"), choices=IncidentStatus.choices)
    note = forms.CharField(label=_("note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("satisfaction"), choices=FollowUp.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when unsatisfied: it goes to the station as a rectification item."),
    )


class RectificationClearForm(forms.Form):
    action_taken = forms.CharField(label=_("action taken"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
