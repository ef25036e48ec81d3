"""Why an occurrence cannot be flown, in words for the operator, from the same rules the solver obeys.

Codes (``REASON_CODES``): ``no_drone`` (no loudspeaker drone in service, or none free or charged in the
window), ``no_pilot`` (licence expired, leave or other duty, daily limits, or busy), ``endurance`` and
``airspace`` (the mission's checks), ``travel`` (free, but nobody can get there in time from their other
sorties), ``visit_rule`` (the market had its visits this week or month).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from campaigns.planning.problem import Occ, Problem
from campaigns.planning.rules import Ledger, flight_for, starts_for

REASON_CODES = ("no_drone", "no_pilot", "endurance", "airspace", "travel", "visit_rule")
REASON_MAX_LENGTH = 300  # Occurrence.reason


def occurrence_reason(problem: Problem, ledger: Ledger, occ: Occ) -> tuple[str, str]:
    """(code, text) of why ``occ`` has no sortie, given everything ``ledger`` holds."""
    code, text = _reason(problem, ledger, occ)
    return code, text[:REASON_MAX_LENGTH]


def _reason(problem: Problem, ledger: Ledger, occ: Occ) -> tuple[str, str]:
    usable = problem.usable_drones()
    window = occ.window
    if not usable:
        return "no_drone", _("no loudspeaker drone in service")
    visit = ledger.visit_problem(occ)
    if visit == "weekly":
        return "visit_rule", _("visit rule: %(place)s is already visited in week %(week)d (once a week)") % {
            "place": occ.name,
            "week": occ.week[1],
        }
    if visit == "per_month":
        return "visit_rule", _("visit rule: %(place)s already has its %(n)d visits in %(month)s") % {
            "place": occ.name,
            "n": problem.visits_per_month or 1,
            "month": f"{occ.month[0]}-{occ.month[1]:02d}",
        }
    plans = [(d, problem.plans[(occ.id, d.id)]) for d in usable]
    ok = [d for d, plan in plans if plan.ok]
    if not ok:
        failed = [plan for _d, plan in plans]
        # The same reason for every drone is the usual case; else the first drone's.
        return failed[0].code, failed[0].reason
    if not problem.pilots:
        return "no_pilot", _("no pilot registered")
    if not any(p.licence_ok(occ.date) for p in problem.pilots):
        return "no_pilot", _("pilot licence expired (every pilot's licence has expired by %(date)s)") % {
            "date": occ.date.isoformat()
        }
    drone_whys: list[str] = []
    pilot_whys: list[str] = []
    for start in starts_for(problem, occ):
        for drone in ok:
            flight = flight_for(problem, occ, drone.id, 0, start)
            if flight is None or flight.end_s > occ.end_s:
                continue
            why = ledger.drone_problem(flight)
            if why:
                drone_whys.append(why)
                continue
            for pilot in problem.pilots:
                manned = flight_for(problem, occ, drone.id, pilot.id, start)
                pilot_whys.append(ledger.pilot_problem(manned) or "free")
    if not pilot_whys:
        if drone_whys and all(w == "travel" for w in drone_whys):
            return "travel", _(
                "travel: no loudspeaker drone can get there in time from its other sorties (%(window)s)"
            ) % {"window": window}
        if drone_whys and all(w in ("battery", "travel") for w in drone_whys):
            return "no_drone", _("no charged battery pack on a free loudspeaker drone %(window)s") % {"window": window}
        return "no_drone", _("no loudspeaker drone free %(window)s") % {"window": window}
    whys = set(pilot_whys)
    if whys <= {"licence"}:
        return "no_pilot", _("pilot licence expired")
    if whys <= {"licence", "leave"}:
        return "no_pilot", _("every pilot with a valid licence is on leave or on another duty %(window)s") % {
            "window": window
        }
    if whys <= {"licence", "leave", "day_count", "day_minutes"}:
        return "no_pilot", _(
            "the pilots free %(window)s have reached their daily limit "
            "(%(count)d sorties or %(minutes)d flying minutes)"
        ) % {
            "window": window,
            "count": problem.limits.max_sorties_per_day,
            "minutes": problem.limits.max_flying_min_per_day,
        }
    if "travel" in whys and "overlap" not in whys and "free" not in whys:
        return "travel", _("travel: no pilot can get there in time from their other sorties (%(window)s)") % {
            "window": window
        }
    return "no_pilot", _("no pilot free %(window)s") % {"window": window}


__all__ = ["REASON_CODES", "occurrence_reason"]
