"""Published duties that a later change broke, flagged at once, and the re-plan of just those.

A change that takes a person off their published duties (leave over them, a transfer to another
station, deactivation) or takes the duty window away (a school closure, a changed bell time, a post
closed or no longer staffed for the window) flags each published duty still to come with a
``DutyBreak``, in the same transaction as the change, and tells the people concerned
(``patrol.notify``). Past and unpublished duties are not flagged: the former are history, the latter
nobody has seen yet and the next generation re-plans them anyway.

``duty_breaks_replan`` re-plans only the pool-weeks (``piece_key``) that hold open breaks with the
incremental re-plan, after releasing the duties whose window is gone (and rebuilding those schools'
shifts), then clears the breaks whose place is covered again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from campus.calendar.days import calendar_days
from campus.changes import ChangeNote
from campus.models import Officer, School, Station, Term
from campus.scope import scope_of
from common.audit import audit_record
from common.dates import monday_of
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can
from patrol.models import BellSchedule, DutyAssignment, DutyBreak, DutyRole, DutyShift, DutyStaff, Leave
from patrol.notify import duty_change_notify
from patrol.roster.pools import piece_key, pool_key
from patrol.schedule.windows import offsets_by_school, schedule_for_weekday, windows_for_bells

Reason = DutyBreak.Reason
# Breaks whose duty window itself is gone: the re-plan releases their duties and rebuilds the shifts.
WINDOW_GONE = (Reason.CLOSURE, Reason.BELLS, Reason.POST)
REPLAN_ACTION = "patrol.roster.replan_breaks"
MAX_TIME_LIMIT_S = 600.0  # as ``patrol.roster.generate.MAX_TIME_LIMIT_S``: the generation checks it
REMOVE_ACTION = "patrol.assignment.remove"  # as ``patrol.roster.selectors.REMOVE_ACTION``: counted the same

# What the person is told, per reason (message ids, translated when read).
NOTICE_TITLES = {
    Reason.TRANSFER: gettext_noop("%(count)s of your published duties (%(first)s to %(last)s) are at your old station"),
    Reason.INACTIVE: gettext_noop("%(count)s of your published duties (%(first)s to %(last)s) are cancelled"),
    Reason.LEAVE: gettext_noop("%(count)s of your published duties (%(first)s to %(last)s) fall in your leave"),
    Reason.CLOSURE: gettext_noop("%(count)s of your published duties (%(first)s to %(last)s): the school is closed"),
    Reason.BELLS: gettext_noop("%(count)s of your published duties (%(first)s to %(last)s): the bell time changed"),
    Reason.POST: gettext_noop("%(count)s of your published duties (%(first)s to %(last)s): the post changed"),
}
RELEASED_TITLE = gettext_noop("%(count)s of your duties (%(first)s to %(last)s) were taken off the roster")
ADDED_TITLE = gettext_noop("You have %(count)s new duties (%(first)s to %(last)s), not yet published")


@dataclass
class BreakSummary:
    """What one change broke: how many published duties, over which days, in which terms."""

    count: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    term_ids: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        if len(self.term_ids) == 1:
            return reverse("patrol:roster-breaks", kwargs={"term_id": next(iter(self.term_ids))})
        return reverse("patrol:roster-home")

    def text(self, done: str) -> str:
        """``done`` ("leave added") with how many published duties now need cover, and the link (safe HTML)."""
        if not self.count:
            return done
        line = ngettext(
            "%(done)s; %(count)d published duty on %(first)s..%(last)s now needs cover",
            "%(done)s; %(count)d published duties on %(first)s..%(last)s now need cover",
            self.count,
        ) % {"done": done, "count": self.count, "first": f"{self.first:%m-%d}", "last": f"{self.last:%m-%d}"}
        return format_html('{} (<a href="{}">{}</a>).', line, self.url, _("re-plan just these"))

    def note(self, done: str) -> list[ChangeNote]:
        return [ChangeNote(text=self.text(done), count=self.count, url=self.url)] if self.count else []

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "url": self.url if self.count else "",
        }


# --- flagging ------------------------------------------------------------------------------------


def breakable(now: dt.datetime | None = None) -> QuerySet[DutyAssignment]:
    """Published duties still to come: what a change can break."""
    return DutyAssignment.objects.filter(published=True, shift__start__gt=now or timezone.now())


def _flag(assignments: Iterable[DutyAssignment], *, reasons: dict[int, tuple[str, str]], actor) -> BreakSummary:
    """Open a break for each of ``assignments`` (``reasons``: assignment id -> (reason, detail)) that has
    none open yet; tell their people; one audit entry. Inside the caller's transaction."""
    items = list(assignments)
    # Two changes over the same duty at once (a leave and a closure): the second waits here, then finds
    # the first one's break open and adds none (``duty_break_one_open_per_duty``).
    list(DutyAssignment.objects.select_for_update().filter(pk__in=[a.pk for a in items]).values_list("pk"))
    already = set(
        DutyBreak.objects.filter(assignment__in=[a.pk for a in items], cleared_at__isnull=True).values_list(
            "assignment_id", flat=True
        )
    )
    items = [a for a in items if a.pk not in already]
    if not items:
        return BreakSummary()
    now = timezone.now()
    DutyBreak.objects.bulk_create(
        DutyBreak(
            shift_id=a.shift_id,
            assignment=a,
            staff_id=a.staff_id,
            role=a.role,
            reason=reasons[a.pk][0],
            detail=reasons[a.pk][1][:200],
            broken_at=now,
        )
        for a in items
    )
    dates = [a.shift.date for a in items]
    summary = BreakSummary(
        count=len(items), first=min(dates), last=max(dates), term_ids={a.shift.term_id for a in items}
    )
    audit_record(
        actor=actor,
        action="patrol.duty.broken",
        object_type="patrol.dutybreak",
        object_repr=_("%(count)d published duties broken") % {"count": len(items)},
        after={
            "assignments": [a.pk for a in items],
            "reasons": sorted({reasons[a.pk][0] for a in items}),
            **summary.as_dict(),
        },
    )
    by_person: dict[tuple[int, str], list[DutyAssignment]] = defaultdict(list)
    for a in items:
        by_person[(a.staff_id, reasons[a.pk][0])].append(a)
    for (_staff_id, reason), duties in by_person.items():
        _notify(duties, title=NOTICE_TITLES[reason])
    return summary


def _notify(duties: list[DutyAssignment], *, title: str, key: str = "") -> int:
    """Tell the person holding ``duties`` (one person's) with ``title``; nothing when they have no login."""
    user = duties[0].staff.user if duties[0].staff.user_id else None
    if user is None:
        return 0
    dates = sorted(a.shift.date for a in duties)
    return duty_change_notify(
        users=[user],
        title=title,
        params={"count": len(duties), "first": dates[0].isoformat(), "last": dates[-1].isoformat()},
        url=reverse("patrol:roster-mine"),
        starts=[a.shift.start for a in duties],
        key=key,
    )


def _with_shift(qs: QuerySet[DutyAssignment]) -> QuerySet[DutyAssignment]:
    return qs.select_related("shift", "staff__user").order_by("shift__start", "pk")


def duty_breaks_for_leave(*, leave: Leave, actor) -> BreakSummary:
    """The published duties still to come of ``leave``'s person that overlap it."""
    qs = _with_shift(
        breakable().filter(staff_id=leave.staff_id, shift__start__lt=leave.end, shift__end__gt=leave.start)
    )
    items = list(qs)
    detail = leave.get_kind_display() + (f": {leave.reason}" if leave.reason else "")
    return _flag(items, reasons={a.pk: (Reason.LEAVE, detail) for a in items}, actor=actor)


def duty_breaks_for_staff(*, staff: DutyStaff, actor) -> BreakSummary:
    """After ``staff`` changed (saved): their published duties still to come that they can no longer
    stand, because they are inactive or (police) now belong to another station."""
    qs = breakable().filter(staff=staff)
    if not staff.active:
        items = list(_with_shift(qs))
        return _flag(items, reasons={a.pk: (Reason.INACTIVE, "") for a in items}, actor=actor)
    if staff.role in (DutyRole.POLICE, DutyRole.AUXILIARY):
        moved = qs.exclude(shift__post__gate__school__responsible_station_id=staff.station_id)
        detail = str(staff.station or "")
        reason = Reason.TRANSFER
    else:
        moved = qs.exclude(shift__post__gate__school_id=staff.school_id)
        detail = str(staff.school or "")
        reason = Reason.TRANSFER
    items = list(_with_shift(moved))
    return _flag(items, reasons={a.pk: (reason, detail) for a in items}, actor=actor)


def _staff_of_officer(officer: Officer) -> DutyStaff | None:
    return DutyStaff.objects.select_for_update().filter(officer=officer).first()


def duty_breaks_officer_moved(*, officer: Officer, old_station: Station | None, actor) -> list[ChangeNote]:
    """``campus.changes`` hook: the officer's duty record follows them to the new station (the pool they
    are planned in), and their published duties at the old station's schools are flagged."""
    staff = _staff_of_officer(officer)
    if staff is None:
        return []
    done = _("%(officer)s's duty record moved with them") % {"officer": officer}
    if officer.station_id is None:
        # Out of every station (to a department): none of their station duties holds.
        items = list(_with_shift(breakable().filter(staff=staff)))
        summary = _flag(items, reasons={a.pk: (Reason.TRANSFER, str(officer)) for a in items}, actor=actor)
        return summary.note(_("%(officer)s no longer belongs to a station") % {"officer": officer})
    if staff.station_id == officer.station_id:
        return duty_breaks_for_staff(staff=staff, actor=actor).note(done)
    before = staff.station_id
    staff.station_id = officer.station_id
    staff.save(update_fields=["station"])
    audit_record(
        actor=actor,
        action="duty_staff.update",
        obj=staff,
        before={"station": before},
        after={"station": staff.station_id},
        reason=_("the officer was transferred"),
    )
    return duty_breaks_for_staff(staff=staff, actor=actor).note(done)


def duty_breaks_officer_deactivated(*, officer: Officer, actor) -> list[ChangeNote]:
    """``campus.changes`` hook: an inactive officer stands no posts; their published duties are flagged."""
    staff = _staff_of_officer(officer)
    if staff is None:
        return []
    if staff.active:
        staff.active = False
        staff.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="duty_staff.update",
            obj=staff,
            before={"active": True},
            after={"active": False},
            reason=_("the officer was deactivated"),
        )
    summary = duty_breaks_for_staff(staff=staff, actor=actor)
    return summary.note(_("%(officer)s no longer stands duty") % {"officer": officer})


def shift_problems(shifts: Iterable[DutyShift]) -> dict[int, tuple[str, str]]:
    """Of ``shifts`` (with ``post`` and ``post__gate``), those whose duty window no longer exists, with why:
    the post is closed or not staffed for the window, the day is no duty day (a closure), or the bells
    put the window elsewhere. The rules of the shift build (``patrol.schedule.shifts``)."""
    shifts = list(shifts)
    if not shifts:
        return {}
    school_ids = {s.post.gate.school_id for s in shifts}
    schools = list(School.objects.filter(pk__in=school_ids))
    offsets = offsets_by_school(schools)
    schedules: dict[int, list[BellSchedule]] = defaultdict(list)
    for schedule in BellSchedule.objects.filter(school__in=schools).prefetch_related("bells"):
        schedules[schedule.school_id].append(schedule)
    first, last = min(s.date for s in shifts), max(s.date for s in shifts)
    days = {
        school.pk: {d.date: d for d in calendar_days(start=first, end=last, school=school).days} for school in schools
    }
    found: dict[int, tuple[str, str]] = {}
    windows: dict[tuple[int, dt.date], set[tuple[str, dt.datetime]]] = {}
    for shift in shifts:
        post, school_id = shift.post, shift.post.gate.school_id
        if not post.active or (post.window_kinds and shift.kind not in post.window_kinds):
            found[shift.pk] = (Reason.POST, str(post))
            continue
        status = days[school_id].get(shift.date)
        if status is None or not status.has_duty:
            found[shift.pk] = (Reason.CLOSURE, status.note if status else "")
            continue
        key = (school_id, shift.date)
        if key not in windows:
            schedule = schedule_for_weekday(schedules[school_id], shift.date.weekday())
            if schedule is None and status.is_school_day and shift.date.weekday() >= 5:
                schedule = schedule_for_weekday(schedules[school_id], 0)  # a make-up day follows Monday's bells
            bells = schedule.bells.all() if schedule else []
            windows[key] = {
                (w.kind, w.start) for w in windows_for_bells(bells=bells, offsets=offsets[school_id], day=shift.date)
            }
        if (shift.kind, shift.start) not in windows[key]:
            found[shift.pk] = (Reason.BELLS, f"{timezone.localtime(shift.start):%H:%M}")
    return found


def duty_breaks_for_schools(*, school_ids: Iterable[int], actor, post_ids: Iterable[int] | None = None) -> BreakSummary:
    """After a closure, a bell change or a post change: the published duties still to come at these
    schools (or on these posts) whose window is gone (``shift_problems``)."""
    qs = breakable().filter(shift__post__gate__school_id__in=set(school_ids))
    if post_ids is not None:
        qs = qs.filter(shift__post_id__in=list(post_ids))
    items = list(_with_shift(qs).select_related("shift__post__gate"))
    problems = shift_problems({a.shift_id: a.shift for a in items}.values())
    broken = [a for a in items if a.shift_id in problems]
    return _flag(broken, reasons={a.pk: problems[a.shift_id] for a in broken}, actor=actor)


# --- reading -------------------------------------------------------------------------------------


def breaks_open(*, user=None, term: Term | None = None, now: dt.datetime | None = None) -> QuerySet[DutyBreak]:
    """Open breaks of duties still to come, in ``user``'s scope (their schools) when given."""
    qs = DutyBreak.objects.filter(cleared_at__isnull=True, shift__start__gt=now or timezone.now())
    if term is not None:
        qs = qs.filter(shift__term=term)
    if user is not None:
        qs = scope_of(user).filter_schools(qs, school="shift__post__gate__school")
    return qs.select_related("shift__post__gate__school", "staff", "assignment")


# --- re-plan just these --------------------------------------------------------------------------


@dataclass
class ReplanResult:
    pieces: int = 0
    released: int = 0
    cleared: int = 0
    still_open: int = 0
    added: int = 0

    def line(self) -> str:
        return _(
            "Re-planned %(pieces)d pool-weeks: %(released)d published duties released, %(added)d duties added, "
            "%(cleared)d broken duties covered again, %(open)d still need cover."
        ) % {
            "pieces": self.pieces,
            "released": self.released,
            "added": self.added,
            "cleared": self.cleared,
            "open": self.still_open,
        }


def _piece_of(shift: DutyShift, role: str) -> str:
    school = shift.post.gate.school
    return piece_key(pool_key(role, school.pk, school.responsible_station_id), monday_of(shift.date))


def _filled(shift_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for shift_id, role, n in (
        DutyAssignment.objects.filter(shift_id__in=list(shift_ids)).values("shift_id", "role").annotate(n=Count("pk"))
        .values_list("shift_id", "role", "n")
    ):  # fmt: skip
        counts[(shift_id, role)] = n
    return counts


def check_duty_breaks_replan(*, term: Term, actor) -> list[DutyBreak]:
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("Only the patrol brigade may re-plan the roster."))
    found = list(breaks_open(term=term).select_for_update(of=("self",)))
    if not found:
        raise DomainError(
            _("The roster of %(term)s has no broken published duties to re-plan.") % {"term": term}, code="no_breaks"
        )
    return found


@transaction.atomic
def duty_breaks_replan(*, term: Term, actor, time_limit_s: float | None = None) -> ReplanResult:
    """Re-plan only the pool-weeks holding open breaks of ``term``; MANAGE_DUTY; atomic; audited.

    Duties whose window is gone are released first and their schools' shifts rebuilt; the incremental
    re-plan then runs on those pieces only (``roster_generate(pieces=...)``), keeping every other duty;
    a break clears when its duty was kept (it holds again) or its place is filled again. The people who
    lost or got duties are told.
    """
    from patrol.models import Roster
    from patrol.roster.generate import roster_generate  # the roster builds on the duty app, not the reverse
    from patrol.schedule.services import duty_shifts_build

    # One re-plan of a term at a time: the second waits here, then finds what the first left.
    Roster.objects.select_for_update().filter(term=term).first()
    breaks = check_duty_breaks_replan(term=term, actor=actor)
    result = ReplanResult()
    pieces = {_piece_of(b.shift, b.role) for b in breaks}
    gone = [b for b in breaks if b.reason in WINDOW_GONE and b.assignment_id is not None]
    released: list[DutyAssignment] = list(
        _with_shift(DutyAssignment.objects.filter(pk__in=[b.assignment_id for b in gone]))
    )
    for assignment in released:
        audit_record(
            actor=actor,
            action=REMOVE_ACTION,
            object_type="patrol.dutyassignment",
            object_id=assignment.pk,
            object_repr=str(assignment),
            before={"term": term.pk, "shift": assignment.shift_id, "staff": assignment.staff_id, "published": True},
            reason=_("the duty window is gone"),
        )
    DutyAssignment.objects.filter(pk__in=[a.pk for a in released]).delete()
    if gone:
        schools = School.objects.filter(pk__in={b.shift.post.gate.school_id for b in gone})
        duty_shifts_build(term=term, actor=actor, schools=list(schools))
    before_ids = set(DutyAssignment.objects.filter(shift__term=term).values_list("pk", flat=True))
    # The published duties the re-plan may take away: those of the weeks it plans.
    weeks = {dt.date.fromisoformat(key.split("@")[1]) for key in pieces}
    in_weeks = Q()
    for monday in weeks:
        in_weeks |= Q(shift__date__range=(monday, monday + dt.timedelta(days=6)))
    published_before = {
        a.pk: a for a in _with_shift(DutyAssignment.objects.filter(in_weeks, shift__term=term, published=True))
    }
    roster = roster_generate(term=term, actor=actor, replan=True, pieces=pieces, time_limit_s=time_limit_s)
    changes = (roster.report or {}).get("changes", {})
    result.pieces = len(pieces)
    result.released = len(released) + int(changes.get("removed_published") or 0)
    after_ids = set(DutyAssignment.objects.filter(shift__term=term).values_list("pk", flat=True))
    result.added = len(after_ids - before_ids)

    now = timezone.now()
    still = list(
        DutyBreak.objects.filter(pk__in=[b.pk for b in breaks], cleared_at__isnull=True).select_related("shift")
    )
    filled = _filled({b.shift_id for b in still})
    to_clear = []
    for item in still:
        need = int((item.shift.requirements or {}).get(item.role, 0) or 0)
        if item.assignment_id is not None or filled[(item.shift_id, item.role)] >= need:
            to_clear.append(item.pk)
    result.cleared = DutyBreak.objects.filter(pk__in=to_clear).update(cleared_at=now)
    result.still_open = len(still) - result.cleared

    # Tell the people: those whose published duties went, those who got new ones.
    lost = [a for pk, a in published_before.items() if pk not in after_ids] + released
    by_staff: dict[int, list[DutyAssignment]] = defaultdict(list)
    for a in lost:
        by_staff[a.staff_id].append(a)
    for duties in by_staff.values():
        _notify(duties, title=RELEASED_TITLE)
    new = _with_shift(DutyAssignment.objects.filter(pk__in=after_ids - before_ids))
    by_staff = defaultdict(list)
    for a in new:
        by_staff[a.staff_id].append(a)
    for duties in by_staff.values():
        _notify(duties, title=ADDED_TITLE)
    audit_record(
        actor=actor,
        action=REPLAN_ACTION,
        obj=term,
        after={
            "pieces": sorted(pieces)[:200],
            "released": result.released,
            "added": result.added,
            "cleared": result.cleared,
            "still_open": result.still_open,
        },
    )
    return result
