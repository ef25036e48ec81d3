"""Generating a term's roster: load the problem, solve it, write the difference, keep the report.

``roster_generate`` is what the page, the API and other parts call; ``roster_generate_greedy`` is the
benchmark's baseline and writes the same way.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Term
from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can
from patrol.models import DutyAssignment, DutyShift, Roster
from patrol.roster.counts import COUNTED_FROM_KEY, counted_from_for_generation
from patrol.roster.greedy import greedy_solve
from patrol.roster.incremental import (
    INCREMENTAL_MAX_SHARE,
    STATE_KEY,
    pieces_to_replan,
    problem_for_pieces,
    report_merge,
    state_build,
    state_of,
    term_scan,
)
from patrol.roster.piece import Assignment
from patrol.roster.problem import Problem, problem_load, roster_violations
from patrol.roster.solver import roster_solve

MAX_TIME_LIMIT_S = 600.0
# What checking and writing take per place to fill, measured on the 2-core reference machine under load
# (74,000 places: about 3 s); kept out of the search's time so the whole generation stays in its limit.
RESERVE_S_PER_PLACE = 40e-6


class GenerateError(DomainError):
    code = "roster_generate_invalid"


def check_roster_generate(
    *, term: Term, actor, time_limit_s: float | None, replan: bool, from_date: dt.date | None
) -> tuple[float, dt.date]:
    """Validate the request; return the time limit and the first day to plan."""
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("You may not generate duty rosters."))
    limit = float(settings.PATROL_SOLVER_TIME_LIMIT_S if time_limit_s is None else time_limit_s)
    if not 0 < limit <= MAX_TIME_LIMIT_S:
        raise GenerateError(
            _("Time limit: %(value)s s is out of range; give between 1 and %(max)d seconds.")
            % {"value": time_limit_s, "max": int(MAX_TIME_LIMIT_S)},
            code="time_limit_invalid",
        )
    if from_date is None:
        from_date = max(term.start_date, timezone.localdate()) if replan else term.start_date
    if not term.start_date <= from_date <= term.end_date:
        raise GenerateError(
            _("From date: %(date)s is outside the term %(term)s (%(start)s to %(end)s).")
            % {"date": from_date, "term": term, "start": term.start_date, "end": term.end_date},
            code="from_date_outside_term",
        )
    if not DutyShift.objects.filter(term=term, date__gte=from_date).exists():
        raise GenerateError(
            _("Term %(term)s has no duty shifts from %(date)s on; create the shifts (calendar, bells, posts) first.")
            % {"term": term, "date": from_date},
            code="no_shifts",
        )
    return limit, from_date


class SolutionInvalid(DomainError):
    code = "roster_solution_invalid"


def check_roster_solution(*, problem: Problem, chosen: list[Assignment]) -> None:
    """Refuse to write a roster that breaks a hard constraint (a solver bug must never reach the board)."""
    problems = roster_violations(problem, chosen)
    if problems:
        raise SolutionInvalid(
            _("The generated roster breaks a hard rule, nothing was written: %(first)s (%(count)d found).")
            % {"first": problems[0], "count": len(problems)},
            details=problems,
        )


WRITE_BATCH = 2000


def _assignments_insert(rows: list[Assignment]) -> None:
    """Insert generated assignments, ``WRITE_BATCH`` rows a statement, inside the caller's transaction.

    The rows are plain tuples (not model instances): a term is tens of thousands of rows, and
    ``bulk_create`` spent most of the write building and preparing an instance per row. Every value is
    adapted for the database by its model field once, as ``bulk_create`` would.
    """
    if not rows:
        return
    meta = DutyAssignment._meta
    fields = [
        meta.get_field(name) for name in ("shift", "staff", "role", "source", "pinned", "published", "created_at")
    ]
    constant = [
        f.get_db_prep_save(value, connection)
        for f, value in zip(fields[3:], (DutyAssignment.Source.SOLVER.value, False, False, timezone.now()), strict=True)
    ]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    with connection.cursor() as cursor:
        for n in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(
                sql, [(shift_id, staff_id, role, *constant) for shift_id, staff_id, role in rows[n : n + WRITE_BATCH]]
            )


@transaction.atomic
def _write(*, term: Term, actor, problem: Problem, chosen: list[Assignment], report: dict, action: str) -> Roster:
    """Replace the planned range's assignments by ``chosen``: unchanged rows stay, others go or come."""
    write_started = time.perf_counter()
    wanted = set(chosen)
    existing = {(e.shift_id, e.staff_id, e.role): e for e in problem.existing}
    stale = [e.id for key, e in existing.items() if key not in wanted]
    # Published duties the re-plan takes away: their people saw them, so the roster page counts them
    # as removed since the last publish (``selectors.removals_since_publish``).
    report["changes"]["removed_published"] = sum(1 for key, e in existing.items() if key not in wanted and e.published)
    # A row for the same shift and person in another role is replaced, not duplicated.
    for n in range(0, len(stale), WRITE_BATCH):
        DutyAssignment.objects.filter(id__in=stale[n : n + WRITE_BATCH]).delete()
    _assignments_insert([key for key in chosen if key not in existing])
    roster, _created = Roster.objects.select_for_update().get_or_create(term=term)
    if "timing" in report:
        report["timing"]["write_s"] = round(time.perf_counter() - write_started, 3)
        report["timing"]["total_s"] = round(sum(report["timing"].values()), 3)
    before = {"report_status": roster.report.get("status") if roster.report else None}
    roster.report = report
    roster.generated_at = timezone.now()
    roster.full_clean()
    roster.save(update_fields=["report", "generated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=roster,
        before=before,
        after={
            "from_date": report["from_date"],
            "replan": report["replan"],
            "status": report["status"],
            "coverage": report["coverage"]["share"],
            "removed": report["changes"]["removed"],
            "removed_published": report["changes"]["removed_published"],
            "added": report["changes"]["added"],
            "released": [r["assignment_id"] for r in report["released"]],
        },
    )
    return roster


def _generate(
    *,
    term: Term,
    actor,
    time_limit_s: float | None,
    replan: bool,
    from_date: dt.date | None,
    solve: Callable[[Problem, float], tuple[list[Assignment], dict]],
    action: str,
    full: bool = False,
    pieces: set[str] | None = None,
) -> Roster:
    started = time.perf_counter()
    limit, start = check_roster_generate(
        term=term, actor=actor, time_limit_s=time_limit_s, replan=replan, from_date=from_date
    )
    previous = Roster.objects.filter(term=term).values_list("report", flat=True).first() or {}
    stored = state_of(previous)
    # Every generation fingerprints the term's pieces (stored with the report); a re-plan then plans only
    # the pieces whose fingerprint changed, unless asked for all (``full``) or most of the term changed.
    scan = term_scan(term=term, from_date=start)
    replanned = pieces_to_replan(scan, stored) if replan and not full else None
    if pieces is not None and replanned is not None:
        # Asked for these pool-weeks only (``patrol.duty.breaks``): the others stay as they are, changed
        # or not. Without a stored state there is nothing to keep them by: everything is re-planned.
        replanned = {key for key in pieces if key in scan.fingerprints}
    elif replanned is not None:
        planned = sum(len(scan.shifts_of_piece[key]) for key in replanned)
        if planned > INCREMENTAL_MAX_SHARE * len(scan.shifts):
            replanned = None
    if replanned is None:
        problem = problem_load(term=term, from_date=start)
    else:
        problem = problem_for_pieces(term=term, scan=scan, pieces=replanned)
    loaded = time.perf_counter()
    # The limit bounds the user's wait, not the search alone: the search gets what the load left, less
    # a reserve for the check and the write (at least a second: a small term needs little more).
    places = sum(sum(shift.requirements.values()) for shift in problem.shifts)
    search_s = max(limit - (loaded - started) - places * RESERVE_S_PER_PLACE, min(1.0, limit))
    chosen, report = solve(problem, search_s)
    report["time_limit_s"] = limit
    report["search_limit_s"] = round(search_s, 3)
    state = state_build(scan=scan, problem=problem, chosen=chosen, previous=stored, replanned=replanned)
    if replanned is not None:
        report = report_merge(
            scan=scan, problem=problem, chosen=chosen, report=report, previous=previous, state=state,
            replanned=replanned,
        )  # fmt: skip
    report[STATE_KEY] = state
    # Places before this day were never planned (or already past): they are not counted as uncovered.
    report[COUNTED_FROM_KEY] = counted_from_for_generation(
        previous=previous, from_date=start, today=timezone.localdate()
    ).isoformat()
    solved = time.perf_counter()
    check_roster_solution(problem=problem, chosen=chosen)
    # The user's wait, phase by phase (the engine's own solve_time_s leaves out the load, the report,
    # the check and the write); write_s is measured up to the roster row's save.
    report["timing"] = {
        "load_s": round(loaded - started, 3),
        "solve_s": round(solved - loaded, 3),
        "validate_s": round(time.perf_counter() - solved, 3),
    }
    return _write(term=term, actor=actor, problem=problem, chosen=chosen, report=report, action=action)


def roster_generate(
    *,
    term: Term,
    actor,
    time_limit_s: float | None = None,
    replan: bool = False,
    from_date: dt.date | None = None,
    full: bool = False,
    pieces: set[str] | None = None,
) -> Roster:
    """Generate (or re-plan) ``term``'s roster from ``from_date`` with CP-SAT. MANAGE_DUTY; audited; atomic.

    Assignments before ``from_date`` are untouched (they count for fairness); pinned ones from it on are
    kept unless now infeasible (then released and listed in the report); the rest are replaced. With
    ``replan`` the solver keeps as many previous assignments as it can, and re-plans only the pieces (a
    pool's week) whose inputs changed since the last generation (``patrol.roster.incremental``); with
    ``full`` too, it re-plans them all. ``from_date`` defaults to the term's first day, or for a re-plan
    to today (if within the term). With ``replan`` and ``pieces`` (``piece_key``s), only those pieces are
    re-planned (``patrol.duty.breaks``: the pool-weeks of broken duties).
    """
    return _generate(
        term=term,
        actor=actor,
        time_limit_s=time_limit_s,
        replan=replan,
        from_date=from_date,
        solve=lambda problem, limit: roster_solve(problem, time_limit_s=limit, replan=replan),
        action="patrol.roster.generate",
        full=full,
        pieces=pieces,
    )


def roster_generate_greedy(
    *,
    term: Term,
    actor,
    time_limit_s: float | None = None,
    replan: bool = False,
    from_date: dt.date | None = None,
    full: bool = False,
) -> Roster:
    """The greedy baseline, written like ``roster_generate`` (for the benchmark)."""
    return _generate(
        term=term,
        actor=actor,
        time_limit_s=time_limit_s,
        replan=replan,
        from_date=from_date,
        solve=lambda problem, _limit: greedy_solve(problem, replan=replan),
        action="patrol.roster.generate_greedy",
        full=full,
    )
