"""The audit log as its readers see it: filters, readable actions, local times, and the CSV/XLSX export.

Times are local (``settings.TIME_ZONE``, Asia/Shanghai): the stored instants are UTC, and so are the
date-times inside the before/after snapshots (ISO strings written by ``common.audit``); both are shown
converted, so a 12:31 check-in reads 12:31, not 04:31.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.audit import AUDIT_KINDS, action_label, object_type_current
from common.models import AuditLogEntry
from common.selectors import audit_log_list
from common.xlsx import CsvFile, XlsxBook

EXPORT_FORMATS = ("csv", "xlsx")
# An ISO date-time with a UTC offset, as ``common.audit`` writes aware date-times into snapshots.
_ISO_AWARE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


class AuditLogFilterForm(forms.Form):
    """The page's (and the export's) filters; every field optional."""

    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=gettext_lazy("Person"), required=False, max_length=150)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    action = forms.CharField(label=gettext_lazy("Action code"), required=False, max_length=64)
    object_text = forms.CharField(label=gettext_lazy("Object"), required=False, max_length=200)
    object_type = forms.CharField(label=gettext_lazy("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = sorted(((code, str(label)) for code, label in AUDIT_KINDS.items()), key=lambda kv: kv[1])
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="date_order")
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters as ``audit_log_list`` takes them (empty when the form has errors)."""
        if not self.is_valid():
            return {}
        return {
            k: (v.strip() if isinstance(v, str) else v) for k, v in self.cleaned_data.items() if v not in ("", None)
        }

    def params(self) -> dict[str, str]:
        """The filters as given (JSON-safe), for the export's audit entry."""
        return {k: str(v) for k, v in self.filters().items()}


def local_value(value: Any) -> Any:
    """A snapshot value with its aware ISO date-times shown in local time (``2026-03-02 12:31:00``)."""
    if isinstance(value, dict):
        return {k: local_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [local_value(v) for v in value]
    if isinstance(value, str) and _ISO_AWARE.match(value):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return value


def local_json(value: Any) -> str:
    """Before/after for reading: local times, Chinese text as written, ``—`` for nothing."""
    if value is None:
        return "—"
    return json.dumps(local_value(value), ensure_ascii=False, indent=1, sort_keys=True)


def decorate(entries) -> None:
    """Add what the page shows to each entry: its action label, current object type and local snapshots."""
    for entry in entries:
        entry.action_label = action_label(entry.action)
        entry.object_type_now = object_type_current(entry.object_type)
        entry.before_local = local_json(entry.before)
        entry.after_local = local_json(entry.after)


def export_header() -> list[str]:
    return [
        _("Time"),
        _("Person"),
        _("Action"),
        _("Action code"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Reason"),
        _("IP address"),
        _("Before"),
        _("After"),
    ]


def export_row(entry: AuditLogEntry) -> list[Any]:
    return [
        timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
        entry.actor_label,  # "system" in the reader's language; a person by the name recorded
        action_label(entry.action),
        entry.action,
        object_type_current(entry.object_type),
        entry.object_id,
        entry.object_repr,
        entry.reason,
        entry.ip_address or "",
        "" if entry.before is None else json.dumps(local_value(entry.before), ensure_ascii=False, sort_keys=True),
        "" if entry.after is None else json.dumps(local_value(entry.after), ensure_ascii=False, sort_keys=True),
    ]


def audit_log_csv(entries: QuerySet, token=None):
    out = CsvFile(export_header(), token)
    for entry in entries.iterator(chunk_size=500):
        out.row(export_row(entry))
    return out.content()


def audit_log_xlsx(entries: QuerySet, params: dict[str, str], token=None):
    book = XlsxBook(token)
    sheet = book.sheet(_("Audit log"), widths=(20, 14, 28, 22, 18, 10, 28, 24, 15, 40, 40))
    if params:
        sheet.note([_("Filters"), "; ".join(f"{k}={v}" for k, v in params.items())])
    sheet.header(export_header())
    for entry in entries.iterator(chunk_size=500):
        sheet.append(export_row(entry))
    return book.content()


def audit_log_filtered(form: AuditLogFilterForm) -> QuerySet:
    return audit_log_list(**form.filters()) if form.is_valid() else AuditLogEntry.objects.none()
