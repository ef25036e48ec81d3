"""Writes for the drone fleet: drones, pilots, batteries, and the operator control lock."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record, save_audited
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can
from drones.models import Battery, ControlLock, Drone, Pilot


def _require(actor, capability: Capability, message: str) -> None:
    if not can(actor, capability):
        raise NotAllowed(message)


@transaction.atomic
def drone_save(*, drone: Drone, actor, reason: str = "") -> Drone:
    _require(actor, Capability.MANAGE_FLEET, _("You may not change the drone fleet."))
    return save_audited(drone, actor=actor, action="drone", reason=reason)


@transaction.atomic
def pilot_save(*, pilot: Pilot, actor, reason: str = "") -> Pilot:
    _require(actor, Capability.MANAGE_FLEET, _("You may not change the drone fleet."))
    return save_audited(pilot, actor=actor, action="pilot", reason=reason)


@transaction.atomic
def battery_save(*, battery: Battery, actor, reason: str = "") -> Battery:
    _require(actor, Capability.MANAGE_FLEET, _("You may not change the drone fleet."))
    return save_audited(battery, actor=actor, action="battery", reason=reason)


class LockError(DomainError):
    code = "control_lock"
    http_status = 409


def lock_holder(drone: Drone):
    """The user holding a live control lock on ``drone``, or None."""
    lock = ControlLock.objects.filter(drone=drone).select_related("holder").first()
    if lock is None or lock.expired():
        return None
    return lock.holder


@transaction.atomic
def control_lock_acquire(*, drone: Drone, actor, take_over: bool = False) -> ControlLock:
    """Take (or renew) the control lock on a drone. One operator commands a drone at a time.

    Another operator's live lock is refused unless ``take_over`` is set, which a
    drone operator may do (e.g. the holder left their post); it is audited.
    """
    _require(actor, Capability.COMMAND_DRONES, _("You may not command drones."))
    if drone.status != Drone.Status.AVAILABLE:
        raise LockError(
            _("%(drone)s is %(status)s and cannot be flown.") % {"drone": drone, "status": drone.get_status_display()}
        )
    now = timezone.now()
    if ControlLock.renew(drone_id=drone.pk, holder_id=actor.pk, now=now):  # the page's renewal: one UPDATE
        return ControlLock.objects.select_related("holder").get(drone=drone)
    lock = ControlLock.objects.select_for_update().filter(drone=drone).first()
    if lock is not None and lock.holder_id != actor.pk and not lock.expired(now):
        if not take_over:
            raise LockError(
                _("%(user)s is commanding %(drone)s (since %(time)s). Watch, or take over control.")
                % {
                    "user": lock.holder.get_full_name() or lock.holder.get_username(),
                    "drone": drone,
                    "time": timezone.localtime(lock.acquired_at).strftime("%H:%M"),
                },
                code="locked_by_other",
                details=[{"holder": lock.holder.get_username()}],
            )
        audit_record(
            actor=actor,
            action="drone.lock.take_over",
            obj=drone,
            before={"holder": lock.holder.get_username()},
            after={"holder": actor.get_username()},
        )
    if lock is None:
        lock = ControlLock(drone=drone, holder=actor, acquired_at=now, renewed_at=now)
        audit_record(actor=actor, action="drone.lock.acquire", obj=drone)
    elif lock.holder_id != actor.pk or lock.expired(now):
        lock.holder, lock.acquired_at, lock.renewed_at = actor, now, now
        audit_record(actor=actor, action="drone.lock.acquire", obj=drone)
    else:
        lock.renewed_at = now
    lock.save()
    return lock


@transaction.atomic
def control_lock_release(*, drone: Drone, actor) -> None:
    lock = ControlLock.objects.select_for_update().filter(drone=drone).first()
    if lock is None:
        return
    if lock.holder_id != actor.pk and not lock.expired():
        raise LockError(
            _("Only %(user)s can release the control of %(drone)s.")
            % {"user": lock.holder.get_username(), "drone": drone},
            code="locked_by_other",
        )
    lock.delete()
    audit_record(actor=actor, action="drone.lock.release", obj=drone)


def control_lock_seconds() -> int:
    return settings.DRONE_CONTROL_LOCK_S
