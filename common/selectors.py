from __future__ import annotations

from django.db.models import QuerySet

from common.models import AuditLogEntry


def audit_log_list(*, action: str = "", object_type: str = "", object_id: str = "", actor: str = "") -> QuerySet:
    qs = AuditLogEntry.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    return qs
