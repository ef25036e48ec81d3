"""The preflight item campaigns adds to a flight started from a sortie: its flight application.

Registered in ``CampaignsConfig.ready()`` with ``drones.missions.preflight.preflight_check_register``
(drones never imports campaigns). A flight linked to a sortie passes only when the sortie's application
is approved; the item names the reference, or why not (not submitted, waiting, refused and why). The
approved reference is copied onto the flight (``Flight.approval_ref``), which the approval item and the
flight log read. A flight of no sortie gets no item.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from campaigns.models import FlightApplication, Sortie
from campaigns.sheets.services import application_problem
from common.audit import audit_record
from drones.missions.preflight import CheckItem
from drones.models import Flight

CHECK_KEY = "campaigns:application"


def sortie_application_check(flight: Flight) -> CheckItem | None:
    sortie = Sortie.objects.filter(flight_id=flight.pk).select_related("occurrence").first()
    if sortie is None:
        return None
    application = FlightApplication.objects.filter(sortie=sortie).first()
    label = _("Flight application of the sortie approved")
    problem = application_problem(application)
    if problem:
        return CheckItem(CHECK_KEY, label, False, problem)
    reference = application.reference
    if flight.approval_ref != reference:
        Flight.objects.filter(pk=flight.pk).update(approval_ref=reference)
        flight.approval_ref = reference
        audit_record(
            actor=None,
            action="flight.approval",
            obj=flight,
            after={"approval_ref": reference, "from": "campaigns.flightapplication", "application": application.pk},
        )
    return CheckItem(CHECK_KEY, label, True, _("approved, reference %(ref)s") % {"ref": reference})
