"""Scheduling a campaign's sorties: load the problem, solve it, check the answer, write the difference.

``campaign_schedule`` plans the campaign's open, scheduled and unschedulable occurrences in a range
(default: its period); ``campaign_replan`` plans them again from today (a drone out of service, a pilot
on leave, a day cancelled), keeping as many sorties as it can. Both: ``check_campaign_schedule`` first,
then ``schedule_problem_load`` (``problem``), ``schedule_solve`` (``solver``: CP-SAT per week with the
greedy fill as hint and fallback), ``check_schedule_solution`` (every hard rule, ``rules``), and one
transaction that writes the sorties and their missions, marks the others unschedulable with the reason
(``reasons``) and records the audit entry. Sorties of flown occurrences are never touched.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.content.selectors import playlist_ready
from campaigns.models import Campaign, FlightApplication, Occurrence, Sortie
from campaigns.planning.problem import CHINA_TZ, Flight, Problem, schedule_problem_load
from campaigns.planning.reasons import REASON_CODES, occurrence_reason
from campaigns.planning.rules import Ledger, schedule_violations
from campaigns.planning.solver import schedule_solve
from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can
from drones.models import Drone, Mission, Pilot

PLANNED = (Occurrence.Status.OPEN, Occurrence.Status.SCHEDULED, Occurrence.Status.UNSCHEDULABLE)


class ScheduleError(DomainError):
    code = "campaign_schedule_invalid"


class ScheduleSolutionInvalid(DomainError):
    code = "campaign_schedule_solution_invalid"
    http_status = 500


@dataclass
class ScheduleResult:
    """What a scheduling run did: counts, expected reach, changes, and how the solver went."""

    occurrences: int = 0
    scheduled: int = 0
    unschedulable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASON_CODES, 0))
    expected_reach: int = 0
    changed: int = 0  # sorties created, moved, reassigned or removed
    kept: int = 0  # existing sorties left as they were
    removed: int = 0
    solver_status: str = ""
    engine: str = "cp-sat"
    load_s: float = 0.0
    solve_s: float = 0.0
    write_s: float = 0.0
    first: dt.date | None = None
    last: dt.date | None = None
    replan: bool = False
    pieces: list[dict] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.load_s + self.solve_s + self.write_s

    def as_dict(self, *, pieces: bool = False) -> dict:
        data = {
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "replan": self.replan,
            "occurrences": self.occurrences,
            "scheduled": self.scheduled,
            "unschedulable": dict(self.unschedulable),
            "expected_reach": self.expected_reach,
            "changed": self.changed,
            "kept": self.kept,
            "removed": self.removed,
            "solver": {
                "status": self.solver_status,
                "engine": self.engine,
                "load_s": round(self.load_s, 3),
                "solve_s": round(self.solve_s, 3),
                "write_s": round(self.write_s, 3),
                "total_s": round(self.total_s, 3),
            },
        }
        if pieces:
            data["pieces"] = self.pieces
        return data


# --- checks -------------------------------------------------------------------------------------------


def _drone_problems() -> list[str]:
    problems = []
    for drone in Drone.objects.order_by("name"):
        if not drone.has_loudspeaker:
            problems.append(_("%(drone)s has no loudspeaker") % {"drone": drone})
        elif drone.status != Drone.Status.AVAILABLE:
            problems.append(_("%(drone)s is %(status)s") % {"drone": drone, "status": drone.get_status_display()})
    return problems


def check_campaign_schedule(
    *, campaign: Campaign, actor, first: dt.date | None = None, last: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """Validate a scheduling request; return the range of days to plan. Raises with what and where."""
    if not can(actor, Capability.PLAN_CAMPAIGNS):
        raise NotAllowed(_("You may not schedule campaigns."))
    if campaign.status == Campaign.Status.CLOSED:
        raise ScheduleError(
            _("Campaign “%(campaign)s” is closed; it cannot be scheduled.") % {"campaign": campaign}, code="closed"
        )
    first = first or campaign.start_date
    last = last or campaign.end_date
    for name, day in (("first", first), ("last", last)):
        if not campaign.start_date <= day <= campaign.end_date:
            raise ScheduleError(
                _("%(field)s: %(date)s is outside the campaign's period %(start)s – %(end)s.")
                % {
                    "field": _("First day") if name == "first" else _("Last day"),
                    "date": day.isoformat(),
                    "start": campaign.start_date.isoformat(),
                    "end": campaign.end_date.isoformat(),
                },
                code="outside_period",
                details=[{"field": name}],
            )
    if first > last:
        raise ScheduleError(
            _("The first day %(first)s is after the last day %(last)s.")
            % {"first": first.isoformat(), "last": last.isoformat()},
            code="empty_range",
            details=[{"field": "first"}],
        )
    if not Occurrence.objects.filter(campaign=campaign, date__gte=first, date__lte=last, status__in=PLANNED).exists():
        raise ScheduleError(
            _(
                "Campaign “%(campaign)s” has no occurrence to plan between %(first)s and %(last)s: "
                "build its occurrences first (or every one is flown or cancelled)."
            )
            % {"campaign": campaign, "first": first.isoformat(), "last": last.isoformat()},
            code="no_occurrences",
        )
    if not campaign.playlist.items.exists():
        raise ScheduleError(
            _("Playlist “%(playlist)s” has no clips, so there is nothing to broadcast.")
            % {"playlist": campaign.playlist},
            code="empty_playlist",
            details=[{"field": "playlist"}],
        )
    ready, problems = playlist_ready(campaign.playlist)
    if not ready:  # a clip changed since the campaign was planned goes back to the publicity office first
        raise ScheduleError(
            _("Playlist “%(playlist)s” may not be broadcast yet: %(problems)s")
            % {"playlist": campaign.playlist, "problems": " ".join(problems)},
            code="playlist_not_approved",
            details=[{"field": "playlist", "message": problem} for problem in problems],
        )
    if not any(d.has_loudspeaker and d.status == Drone.Status.AVAILABLE for d in Drone.objects.all()):
        problems = _drone_problems()
        raise ScheduleError(
            _("No drone with a loudspeaker is in service, so no sortie can be flown: %(problems)s.")
            % {"problems": "; ".join(problems) or _("there are no drones")},
            code="no_drone",
            details=[{"drone": p} for p in problems],
        )
    pilots = list(Pilot.objects.select_related("user"))
    if not any(p.licence_expiry >= first for p in pilots):
        expired = [
            _("%(pilot)s's licence expired on %(date)s") % {"pilot": p, "date": p.licence_expiry.isoformat()}
            for p in pilots
        ]
        raise ScheduleError(
            _("No pilot holds a valid licence from %(first)s on, so no sortie can be flown: %(problems)s.")
            % {"first": first.isoformat(), "problems": "; ".join(expired) or _("there are no pilots")},
            code="no_pilot",
            details=[{"pilot": p} for p in expired],
        )
    return first, last


def check_schedule_solution(*, problem: Problem, chosen: list[Flight]) -> None:
    """Refuse to write a schedule that breaks a hard rule (a solver bug must never reach a pilot)."""
    problems = schedule_violations(problem, chosen)
    if problems:
        raise ScheduleSolutionInvalid(
            _("The schedule breaks a hard rule, nothing was written: %(first)s (%(count)d found).")
            % {"first": problems[0], "count": len(problems)},
            details=problems,
        )


# --- writing ------------------------------------------------------------------------------------------


def _aware(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, CHINA_TZ)


def _mission(problem: Problem, campaign: Campaign, occurrence: Occurrence, flight: Flight, actor) -> Mission:
    """The sortie's mission, stored READY with the checks' result, as ``mission_save`` leaves a passing one."""
    plan = problem.plans[(flight.occ_id, flight.drone_id)]
    checked = problem.missions[plan.mission_key]
    place = occurrence.market or occurrence.school
    params = {**checked.fields["params"], "battery_packs": flight.packs, "campaign": campaign.id}
    fields = {k: v for k, v in checked.fields.items() if k != "params"}
    return Mission(
        name=f"{campaign.name} · {place} · {occurrence.date.isoformat()}"[:120],
        kind=checked.kind,
        drone_id=flight.drone_id,
        market_id=occurrence.market_id,
        school_id=occurrence.school_id,
        params=params,
        planned_start=_aware(flight.start_s),
        status=Mission.Status.READY,
        validation=checked.validation,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )


def _same(sortie: Sortie, flight: Flight) -> bool:
    return (
        sortie.status == Sortie.Status.SCHEDULED
        and sortie.drone_id == flight.drone_id
        and sortie.pilot_id == flight.pilot_id
        and int(sortie.start.timestamp()) == flight.start_s
        and int(sortie.end.timestamp()) == flight.end_s
        and sortie.battery_packs == flight.packs
        and (sortie.launch_lat, sortie.launch_lon) == flight.launch
    )


@transaction.atomic
def _write(
    *,
    campaign: Campaign,
    actor,
    problem: Problem,
    chosen: list[Flight],
    ledger: Ledger,
    result: ScheduleResult,
    action: str,
    reason: str,
) -> ScheduleResult:
    by_occ = {f.occ_id: f for f in chosen}
    occurrences = {
        o.id: o
        for o in Occurrence.objects.select_for_update(of=("self",))
        .filter(id__in=list(problem.occ_by_id))
        .select_related("market", "school")
    }
    sorties = {s.occurrence_id: s for s in Sortie.objects.filter(occurrence_id__in=list(occurrences))}
    if any(s.status == Sortie.Status.FLOWN for s in sorties.values()):
        raise ScheduleError(_("A sortie was flown meanwhile; schedule again."), code="changed")
    missions: list[Mission] = []
    to_create: list[Sortie] = []
    to_update: list[Sortie] = []
    retire_missions: list[int] = []
    remove: list[int] = []
    for occ_id, occurrence in occurrences.items():
        flight = by_occ.get(occ_id)
        sortie = sorties.get(occ_id)
        if flight is None:
            code, text = occurrence_reason(problem, ledger, problem.occ_by_id[occ_id])
            result.unschedulable[code] = result.unschedulable.get(code, 0) + 1
            occurrence.status, occurrence.reason = Occurrence.Status.UNSCHEDULABLE, text
            if sortie is not None:
                remove.append(sortie.id)
                if sortie.status == Sortie.Status.SCHEDULED:
                    result.removed += 1
                    result.changed += 1
                if sortie.mission_id:
                    retire_missions.append(sortie.mission_id)
            continue
        result.scheduled += 1
        occurrence.status, occurrence.reason = Occurrence.Status.SCHEDULED, ""
        if sortie is not None and _same(sortie, flight):
            result.kept += 1
            continue
        result.changed += 1
        mission = _mission(problem, campaign, occurrence, flight, actor)
        missions.append(mission)
        values = {
            "drone_id": flight.drone_id,
            "pilot_id": flight.pilot_id,
            "launch_lat": flight.launch[0],
            "launch_lon": flight.launch[1],
            "start": _aware(flight.start_s),
            "end": _aware(flight.end_s),
            "battery_packs": flight.packs,
            "status": Sortie.Status.SCHEDULED,
            "cancel_reason": "",
        }
        if sortie is None:
            to_create.append((Sortie(occurrence_id=occ_id, **values), mission))
        else:
            if sortie.mission_id:
                retire_missions.append(sortie.mission_id)
            for name, value in values.items():
                setattr(sortie, name, value)
            to_update.append((sortie, mission))
    Mission.objects.bulk_create(missions, batch_size=500)
    Sortie.objects.filter(id__in=remove).delete()
    for sortie, mission in to_create:
        sortie.mission = mission
    for sortie, mission in to_update:
        sortie.mission = mission
    Sortie.objects.bulk_create([s for s, _m in to_create], batch_size=500)
    Sortie.objects.bulk_update(
        [s for s, _m in to_update],
        [
            "drone",
            "pilot",
            "launch_lat",
            "launch_lon",
            "start",
            "end",
            "battery_packs",
            "status",
            "cancel_reason",
            "mission",
        ],
        batch_size=500,
    )
    Mission.objects.filter(id__in=retire_missions).update(status=Mission.Status.ARCHIVED)
    # A flight application names the drone, the pilot, the area and the times: one filed for a sortie that
    # was planned again no longer holds, so it goes back to draft (and the preflight refuses until filed).
    FlightApplication.objects.filter(sortie__in=[s for s, _m in to_update]).exclude(
        status=FlightApplication.Status.DRAFT
    ).update(
        status=FlightApplication.Status.DRAFT,
        reference="",
        submitted_at=None,
        decided_at=None,
        note=_("The sortie was planned again: file its application again."),
    )
    Occurrence.objects.bulk_update(list(occurrences.values()), ["status", "reason"], batch_size=500)
    if campaign.status == Campaign.Status.DRAFT:
        campaign.status = Campaign.Status.SCHEDULED
        campaign.save(update_fields=["status"])
    from campaigns.planning.selectors import campaign_expected_reach

    result.expected_reach = int(campaign_expected_reach(campaign)["expected"])
    audit_record(actor=actor, action=action, obj=campaign, after=result.as_dict(), reason=reason)
    return result


def _refused(*, campaign: Campaign, actor, action: str, error: DomainError, reason: str = "") -> None:
    """The audit entry of a refused attempt, outside any transaction a rollback could undo."""
    audit_record(
        actor=actor,
        action=f"{action}.refused",
        obj=campaign,
        after={"ok": False, "code": error.code, "message": error.message},
        reason=reason,
    )


def _run(
    *, campaign: Campaign, actor, first: dt.date, last: dt.date, replan: bool, action: str, reason: str, engine: str
) -> ScheduleResult:
    result = ScheduleResult(first=first, last=last, replan=replan, engine=engine)
    started = time.perf_counter()
    problem = schedule_problem_load(campaign=campaign, first=first, last=last)
    result.load_s = time.perf_counter() - started
    result.occurrences = len(problem.occs)
    chosen, ledger, report = schedule_solve(
        problem, time_limit_s=float(settings.CAMPAIGN_SOLVER_TIME_S), replan=replan, engine=engine
    )
    result.solve_s = report.time_s
    result.solver_status = report.status
    result.pieces = report.pieces
    check_schedule_solution(problem=problem, chosen=chosen)
    started = time.perf_counter()
    _write(
        campaign=campaign,
        actor=actor,
        problem=problem,
        chosen=chosen,
        ledger=ledger,
        result=result,
        action=action,
        reason=reason,
    )
    result.write_s = time.perf_counter() - started
    return result


def campaign_schedule(
    *, campaign: Campaign, actor, first: dt.date | None = None, last: dt.date | None = None, engine: str = "cp-sat"
) -> ScheduleResult:
    """Assign the campaign's open, scheduled and unschedulable occurrences between ``first`` and ``last``
    (default: its period) to sorties. PLAN_CAMPAIGNS; atomic; audited.

    Occurrences that get no sortie are marked unschedulable with the reason; flown ones are never
    touched. ``engine="greedy"`` uses the greedy baseline alone (the benchmark compares them).
    """
    try:
        first, last = check_campaign_schedule(campaign=campaign, actor=actor, first=first, last=last)
        return _run(
            campaign=campaign,
            actor=actor,
            first=first,
            last=last,
            replan=False,
            action="campaign.schedule",
            reason="",
            engine=engine,
        )
    except DomainError as error:
        _refused(campaign=campaign, actor=actor, action="campaign.schedule", error=error)
        raise


def campaign_replan(
    *,
    campaign: Campaign,
    actor,
    reason: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
    engine: str = "cp-sat",
) -> ScheduleResult:
    """Plan again from ``first`` (default today, or the campaign's first day if later) to ``last``, keeping
    as many existing sorties as the rules still allow (each changed one costs in the objective).
    ``reason`` (why: a drone out of service, a pilot on leave, rain) goes to the audit log."""
    reason = (reason or "").strip()[:500]
    try:
        if not reason:
            raise ScheduleError(_("Say why the campaign is planned again."), code="reason_required")
        if first is None:
            first = max(campaign.start_date, timezone.localdate())
            if first > campaign.end_date:
                raise ScheduleError(
                    _("Campaign “%(campaign)s” ended on %(end)s; there is nothing left to plan again.")
                    % {"campaign": campaign, "end": campaign.end_date.isoformat()},
                    code="campaign_over",
                )
        first, last = check_campaign_schedule(campaign=campaign, actor=actor, first=first, last=last)
        return _run(
            campaign=campaign,
            actor=actor,
            first=first,
            last=last,
            replan=True,
            action="campaign.replan",
            reason=reason,
            engine=engine,
        )
    except DomainError as error:
        _refused(campaign=campaign, actor=actor, action="campaign.replan", error=error, reason=reason)
        raise


__all__ = [
    "ScheduleError",
    "ScheduleResult",
    "ScheduleSolutionInvalid",
    "campaign_replan",
    "campaign_schedule",
    "check_campaign_schedule",
    "check_schedule_solution",
]
