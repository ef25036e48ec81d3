from __future__ import annotations

from django.db.models import QuerySet

from common.audit import object_type_aliases
from common.models import AuditLogEntry


def audit_log_list(*, action: str = "", object_type: str = "", object_id: str = "", actor: str = "") -> QuerySet:
    qs = AuditLogEntry.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:  # the type's old labels too: entries written before its model moved keep them
        qs = qs.filter(object_type__in=object_type_aliases(object_type))
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    return qs
