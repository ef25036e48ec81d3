"""Building a term's duty shifts: one ``DutyShift`` per active post, school day and duty window.

The build is idempotent: identical rows stay untouched, changed staffing or window ends are updated in
place, and rows no longer valid (a closure, a changed bell, a deactivated post) are deleted only when
nobody is assigned to them; otherwise they are reported as conflicts for the scheduler to resolve.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from campus.calendar.days import apply_closures, calendar_days
from campus.models import School, SchoolClosure, Term
from common.audit import audit_record
from common.errors import Conflict, NotAllowed
from common.roles import Capability, can
from patrol.models import BellSchedule, DutyAssignment, DutyShift, Post
from patrol.schedule.windows import offsets_by_school, schedule_for_weekday, windows_for_bells


@dataclass
class ShiftBuildReport:
    term_id: int
    schools: int = 0
    posts: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schools_without_bells: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return _(
            "%(created)d shifts created, %(updated)d updated, %(unchanged)d unchanged, %(deleted)d deleted, "
            "%(conflicts)d conflicts."
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "conflicts": len(self.conflicts),
        }


Key = tuple[int, dt.date, str, dt.datetime]


@transaction.atomic
def duty_shifts_build(*, term: Term, actor, schools: Iterable[School] | None = None) -> ShiftBuildReport:
    """Create, update and delete the term's shifts so they match the calendar, bells, rules and posts.

    ``schools``: limit the build (and the clean-up) to these schools; all schools by default.
    """
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("You may not change the duty schedule."))
    term = Term.objects.select_for_update().get(pk=term.pk)
    scope = School.objects.all() if schools is None else School.objects.filter(pk__in=[s.pk for s in schools])
    school_list = list(scope.filter(active=True))
    report = ShiftBuildReport(term_id=term.pk, schools=len(school_list))

    county = calendar_days(start=term.start_date, end=term.end_date)
    report.warnings = county.warnings
    closures: dict[int, list[SchoolClosure]] = defaultdict(list)
    for closure in SchoolClosure.objects.filter(
        school__in=school_list, start_date__lte=term.end_date, end_date__gte=term.start_date
    ):
        closures[closure.school_id].append(closure)
    schedules: dict[int, list[BellSchedule]] = defaultdict(list)
    for schedule in BellSchedule.objects.filter(school__in=school_list).prefetch_related("bells"):
        schedules[schedule.school_id].append(schedule)
    offsets = offsets_by_school(school_list)
    posts: dict[int, list[Post]] = defaultdict(list)
    for post in Post.objects.filter(gate__school__in=school_list, active=True).select_related("gate"):
        posts[post.gate.school_id].append(post)
    report.posts = sum(len(p) for p in posts.values())

    wanted: dict[Key, tuple[dt.datetime, dict]] = {}
    for school in school_list:
        if not posts[school.pk]:
            continue
        if not schedules[school.pk]:
            report.schools_without_bells.append(str(school))
            continue
        for status in apply_closures(county.days, closures[school.pk]):
            if not status.has_duty:
                continue
            schedule = schedule_for_weekday(schedules[school.pk], status.date.weekday())
            if schedule is None and status.is_school_day and status.date.weekday() >= 5:
                # A make-up Saturday or Sunday (调休) follows the Monday bells.
                schedule = schedule_for_weekday(schedules[school.pk], 0)
            if schedule is None:
                continue
            windows = windows_for_bells(bells=schedule.bells.all(), offsets=offsets[school.pk], day=status.date)
            for post in posts[school.pk]:
                for window in windows:
                    if post.window_kinds and window.kind not in post.window_kinds:
                        continue
                    wanted[(post.pk, status.date, window.kind, window.start)] = (window.end, dict(post.requirements))

    existing = DutyShift.objects.filter(term=term, post__gate__school__in=scope).values_list(
        "id", "post_id", "date", "kind", "start", "end", "requirements"
    )
    assigned = dict(
        DutyAssignment.objects.filter(shift__term=term)
        .values("shift_id")
        .annotate(n=Count("id"))
        .values_list("shift_id", "n")
    )
    to_update: list[DutyShift] = []
    to_delete: list[int] = []
    conflicting: list[int] = []
    for shift_id, post_id, day, kind, start, end, requirements in existing:
        target = wanted.pop((post_id, day, kind, start), None)
        if target is None:
            (conflicting if assigned.get(shift_id) else to_delete).append(shift_id)
        elif (end, requirements) == target:
            report.unchanged += 1
        else:
            to_update.append(DutyShift(pk=shift_id, end=target[0], requirements=target[1]))
    for shift in DutyShift.objects.filter(pk__in=conflicting).select_related("post__gate__school"):
        report.conflicts.append(
            {
                "shift": shift.pk,
                "school": str(shift.post.gate.school),
                "post": str(shift.post.name),
                "date": shift.date.isoformat(),
                "kind": shift.kind,
                "assignments": assigned[shift.pk],
                "message": _(
                    "%(post)s on %(date)s (%(kind)s) is no longer a duty window but has %(n)d assignments; "
                    "move or remove them, then build again."
                )
                % {
                    "post": shift.post,
                    "date": shift.date.isoformat(),
                    "kind": shift.get_kind_display(),
                    "n": assigned[shift.pk],
                },
            }
        )
    if to_delete:
        DutyShift.objects.filter(pk__in=to_delete).delete()
    report.deleted = len(to_delete)
    if to_update:
        DutyShift.objects.bulk_update(to_update, ["end", "requirements"], batch_size=500)
    report.updated = len(to_update)
    # A window already held by another term's shift (overlapping terms of different school years) stays there.
    taken = DutyShift.objects.exclude(term=term).filter(
        post_id__in={key[0] for key in wanted}, date__range=(term.start_date, term.end_date)
    )
    for shift in taken.select_related("term", "post"):
        if wanted.pop((shift.post_id, shift.date, shift.kind, shift.start), None) is not None:
            report.conflicts.append(
                {
                    "shift": shift.pk,
                    "school": "",
                    "post": str(shift.post.name),
                    "date": shift.date.isoformat(),
                    "kind": shift.kind,
                    "assignments": 0,
                    "message": _("%(post)s on %(date)s (%(kind)s) already belongs to the term %(term)s.")
                    % {
                        "post": shift.post,
                        "date": shift.date.isoformat(),
                        "kind": shift.get_kind_display(),
                        "term": shift.term,
                    },
                }
            )
    new = [
        DutyShift(term=term, post_id=post_id, date=day, kind=kind, start=start, end=end, requirements=requirements)
        for (post_id, day, kind, start), (end, requirements) in wanted.items()
    ]
    try:
        with transaction.atomic():
            DutyShift.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        raise Conflict(
            _("Some shifts already exist in another term with the same dates; check overlapping terms."),
            code="shift_in_other_term",
        ) from None
    report.created = len(new)
    audit_record(
        actor=actor,
        action="duty_shifts.build",
        obj=term,
        after={k: v for k, v in report.as_dict().items() if k != "conflicts"} | {"conflicts": len(report.conflicts)},
    )
    return report
