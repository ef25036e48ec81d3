"""Writing the audit log, and reading the object types its old entries were written with.

Call ``audit_record`` inside the service's transaction: if the change rolls
back, so does its audit entry, and a committed change always has one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import AuditLogEntry
from common.roles import SystemActor

# Object types (``app_label.model``) that entries were written with before a model moved to
# another app, mapped to the type's label now. The log is append-only, so old entries keep
# the old label; whatever reads it by type goes through ``object_type_current`` and
# ``object_type_aliases``. Labels only: ``common`` imports no app.
LEGACY_OBJECT_TYPES: dict[str, str] = {
    # Incident reports moved from campus/incidents/ to the incidents app (issue 12).
    "campus.incident": "incidents.incident",
    "campus.incidentevent": "incidents.incidentevent",
    "campus.incidentphoto": "incidents.incidentphoto",
    "campus.followup": "incidents.followup",
    "campus.rectification": "incidents.rectification",
    # Drills, emergency plans and police-school activities moved from campus/drills/ to the drills app.
    "campus.drilltype": "drills.drilltype",
    "campus.drillrule": "drills.drillrule",
    "campus.drill": "drills.drill",
    "campus.correctiveaction": "drills.correctiveaction",
    "campus.emergencyplan": "drills.emergencyplan",
    "campus.emergencyplanversion": "drills.emergencyplanversion",
    "campus.activity": "drills.activity",
    "campus.attachment": "drills.attachment",
    "campus.reminder": "drills.reminder",
    # The school calendar moved from patrol to campus (campus/calendar/).
    "patrol.term": "campus.term",
    "patrol.calendaroverride": "campus.calendaroverride",
    "patrol.schoolclosure": "campus.schoolclosure",
    # Import batches moved from campus to the imports app.
    "campus.importbatch": "imports.importbatch",
}


def object_type_current(object_type: str) -> str:
    """The label an entry's ``object_type`` has now (itself unless the model has moved)."""
    return LEGACY_OBJECT_TYPES.get(object_type, object_type)


def object_type_aliases(object_type: str) -> list[str]:
    """Every label stored for the same type as ``object_type`` (old or new), current first."""
    current = object_type_current(object_type)
    return [current, *sorted(old for old, new in LEGACY_OBJECT_TYPES.items() if new == current)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of the instance's concrete field values (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname if field.is_relation else field.name] = _jsonable(getattr(instance, field.attname))
    return data


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditLogEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    user = actor if getattr(actor, "is_authenticated", False) and not isinstance(actor, SystemActor) else None
    return AuditLogEntry.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else "system")[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=str(object_repr)[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason,
        ip_address=ip_address,
    )


def save_audited(instance: models.Model, *, actor, action: str, reason: str = "") -> models.Model:
    """``full_clean``, save, and record ``<action>.create`` or ``<action>.update`` with before/after.

    A unique constraint broken at save time (a race the validation could not see)
    becomes a ``Conflict`` naming it. Call inside the service's transaction.
    """
    from django.db import IntegrityError, transaction

    from common.errors import Conflict

    old = type(instance).objects.filter(pk=instance.pk).first() if instance.pk else None
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise Conflict(f"This would duplicate another record: {exc}") from None
    audit_record(
        actor=actor,
        action=f"{action}.{'update' if old else 'create'}",
        obj=instance,
        before=snapshot(old) if old else None,
        after=snapshot(instance),
        reason=reason,
    )
    return instance


# --- reading the log: readable action names -------------------------------------------------------------
# Action codes are ``<kind>.<verb>`` (``duty.checkin``, ``school.update``, ``export.roster``). The page and the
# exports show a translated label: the whole code's own label when it has one, else the kind's label and
# the verb's label. Codes as strings only, like ``LEGACY_OBJECT_TYPES``: ``common`` imports no app.

AUDIT_KINDS: dict[str, Any] = {
    "activity": _("Police-school activity"),
    "airspace": _("Airspace zone"),
    "api_token": _("API token"),
    "calendar": _("School calendar"),
    "campaign": _("Publicity campaign"),
    "campaigns": _("Publicity campaign"),
    "clip": _("Loudspeaker clip"),
    "corrective_action": _("Corrective action"),
    "drill": _("Drill"),
    "drill_rule": _("Drill rule"),
    "drone": _("Drone"),
    "duty": _("Gate duty"),
    "duty_shifts": _("Duty shifts"),
    "emergency_plan": _("Emergency plan"),
    "export": _("Export"),
    "flight": _("Flight"),
    "import": _("Import"),
    "incident": _("Incident"),
    "liaison": _("Liaison officer"),
    "login": _("Sign-in"),
    "market": _("Market"),
    "mission": _("Mission"),
    "officer": _("Officer"),
    "pairing": _("Department pairing"),
    "patrol": _("Gate duty roster"),
    "patrol_sample": _("Sample gate duty data"),
    "playlist": _("Playlist"),
    "report": _("Report"),
    "sample": _("Sample data"),
    "school": _("School"),
    "sortie": _("Sortie"),
    "station": _("Police station"),
    "term": _("Term"),
    "user": _("User account"),
    "zone": _("Zone"),
}

_VERBS: dict[str, Any] = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "assign": _("assigned"),
    "end": _("ended"),
    "apply": _("applied"),
    "activate": _("activated"),
    "deactivate": _("deactivated"),
    "approve": _("approved"),
    "cancel": _("cancelled"),
    "record": _("recorded"),
    "refused": _("refused"),
    "publish": _("published"),
    "generate": _("generated"),
    "revoke": _("revoked"),
    "status": _("status changed"),
    "escalate": _("escalated"),
    "transfer": _("transferred"),
    "start": _("started"),
    "abort": _("aborted"),
    "load": _("sample data loaded"),
    "sample_load": _("sample data loaded"),
    "build": _("built"),
    "schedule": _("scheduled"),
    "submit": _("submitted"),
    "measure": _("measured"),
    "return": _("returned"),
    "roster": _("roster"),
    "mission_file": _("mission file"),
    "occurrences_build": _("visits built"),
}

_ACTIONS: dict[str, Any] = {
    "duty.checkin": _("Gate duty check-in"),
    "duty.checkin.create": _("Gate duty check-in"),
    "duty.checkout": _("Gate duty check-out"),
    "import.apply": _("Import applied"),
    "login.lockout": _("Sign-in locked after failed attempts"),
    "login.unlock": _("Sign-in unlocked"),
    "school.responsibility": _("School: responsible station recomputed"),
    "user.roles": _("User account: roles changed"),
    "user.password_set": _("User account: password set"),
    "incident.report": _("Incident reported"),
}


def action_label(action: str) -> str:
    """A readable, translated name for an action code (the code itself when nothing is known of it)."""
    if action in _ACTIONS:
        return str(_ACTIONS[action])
    kind, _dot, rest = action.partition(".")
    if kind not in AUDIT_KINDS:
        return action
    verb = rest.rsplit(".", 1)[-1]
    if verb in _VERBS:
        detail = str(_VERBS[verb])
    else:
        detail = rest.replace("_", " ").replace(".", " ")
    return f"{AUDIT_KINDS[kind]}: {detail}" if detail else str(AUDIT_KINDS[kind])
