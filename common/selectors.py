from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from common.audit import object_type_aliases
from common.models import AuditLogEntry


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_log_list(
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    kind: str = "",
    object_text: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet:
    """Audit entries, newest first, filtered. ``action``: a code prefix; ``kind``: the code's first part
    (``duty`` matches ``duty.checkin`` but not ``duty_staff.update``); ``actor``: part of the user name;
    ``object_text``: part of the object's name; ``date_from``/``date_to``: local dates (``TIME_ZONE``),
    both inclusive."""
    qs = AuditLogEntry.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if kind:
        qs = qs.filter(action__startswith=f"{kind}.")
    if object_type:  # the type's old labels too: entries written before its model moved keep them
        qs = qs.filter(object_type__in=object_type_aliases(object_type))
    if object_id:
        qs = qs.filter(object_id=object_id)
    if object_text:
        qs = qs.filter(object_repr__icontains=object_text)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if date_from is not None:
        qs = qs.filter(at__gte=_local_midnight(date_from))
    if date_to is not None:
        qs = qs.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    return qs
