"""Sample 护学岗 data on top of the sample county (``manage.py load_sample_county``).

``load_sample_patrol()`` adds, only where missing (so running it again changes nothing): the 2026-2027
autumn and spring terms, a Monday-to-Friday bell schedule per sample school by level, a post with the
default staffing on every gate, duty staff (every active sample officer, school guards and volunteers
with fictitious names), and builds the autumn term's shifts. Rows go in with ``bulk_create`` after the
same validation the services apply, with one audit entry per kind of row, so loading takes seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from campus.models import Gate, Officer, School, Station, Term
from campus.sample.names import GIVEN_CHARS, SURNAMES
from common.audit import audit_record
from common.dates import monday_of
from common.errors import DomainError
from common.roles import SYSTEM
from patrol.models import BellSchedule, BellTime, DutyRole, DutyShift, DutyStaff, Post
from patrol.schedule.services.bells import check_bell_schedule
from patrol.schedule.services.calendar import term_create
from patrol.schedule.services.posts import clean_requirements, post_default_requirements
from patrol.schedule.shifts import ShiftBuildReport, duty_shifts_build

SCHOOL_YEAR = "2026-2027"
# The terms' names are data, in the county's language: Autumn term, Spring term.
AUTUMN = ("秋季学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22))
SPRING = ("春季学期", dt.date(2027, 2, 22), dt.date(2027, 7, 2))
LARGE_PUPILS = 1200
PEAK_WINDOWS = ("arrival", "dismissal")
# A person is planned for at most this many of their weekly maximum, leaving room for leave and swaps.
PLANNED_PER_WEEK = 9
WEEKDAYS = [0, 1, 2, 3, 4]

Bells = list[dict]


class SamplePatrolError(DomainError):
    code = "sample_data"


def sample_bells(school: School) -> Bells:
    """The sample bell times of a school by level (staggered dismissal for large primary schools)."""
    level = school.level
    if level in (School.Level.PRIMARY, School.Level.NINE_YEAR):
        bells = [
            {"kind": "arrival", "time": "07:50"},
            {"kind": "noon_dismissal", "time": "11:40"},
            {"kind": "noon_arrival", "time": "13:50"},
        ]
        if school.pupils >= LARGE_PUPILS:
            return bells + [
                {"kind": "dismissal", "time": "16:30", "grades": "1-3"},
                {"kind": "dismissal", "time": "17:10", "grades": "4-6"},
            ]
        return bells + [{"kind": "dismissal", "time": "16:30"}]
    times = {
        School.Level.KINDERGARTEN: ("08:00", "16:30"),
        School.Level.JUNIOR: ("07:30", "17:30"),
        School.Level.SENIOR: ("07:10", "17:50"),
        School.Level.VOCATIONAL: ("08:00", "17:00"),
    }.get(level, ("08:00", "16:00"))  # special education and anything else
    return [{"kind": "arrival", "time": times[0]}, {"kind": "dismissal", "time": times[1]}]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2))))


@dataclass
class PatrolSampleSummary:
    terms_created: int = 0
    bell_schedules: int = 0
    posts: int = 0
    staff: dict[str, int] = field(default_factory=dict)
    shifts: ShiftBuildReport | None = None

    def line(self) -> str:
        staff = ", ".join(f"{role} {n}" for role, n in sorted(self.staff.items())) or "0"
        shifts = self.shifts.line() if self.shifts else ""
        return (
            f"Sample patrol data: {self.terms_created} terms, {self.bell_schedules} bell schedules, "
            f"{self.posts} posts, staff added: {staff}. Autumn term: {shifts}"
        )


def _term(name: str, start: dt.date, end: dt.date, summary: PatrolSampleSummary) -> Term:
    term = Term.objects.filter(school_year=SCHOOL_YEAR, name=name).first()
    if term is None:
        term = term_create(school_year=SCHOOL_YEAR, name=name, start_date=start, end_date=end, actor=SYSTEM,
                           is_sample=True)  # fmt: skip
        summary.terms_created += 1
    return term


@transaction.atomic
def _sample_reserves(term: Term, rng: random.Random) -> list[DutyStaff]:
    """Sample people each pool needs beyond the registry's officers and the first guards and volunteers.

    The sample registry has five or six officers per station, too few to stand every peak of every
    school; real stations add auxiliary officers and officers from other units to 护学岗, and schools
    hire guards for each gate. Sized on the term's busiest week so that nobody is planned for more than
    ``PLANNED_PER_WEEK`` duties, and no window needs more people at once than the pool has.
    """
    weekly: dict[tuple[str, int, str], dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    at_once: dict[tuple[str, int, str], dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    shifts = DutyShift.objects.filter(term=term).select_related("post__gate__school")
    for shift in shifts.iterator(chunk_size=5000):
        school = shift.post.gate.school
        monday = monday_of(shift.date)
        for role, count in shift.requirements.items():
            if role in (DutyRole.POLICE, DutyRole.AUXILIARY):
                if not school.responsible_station_id:
                    continue
                pool = ("station", school.responsible_station_id, role)
            else:
                pool = ("school", school.pk, role)
            weekly[pool][monday] += count
            at_once[pool][(shift.start, shift.end)] += count
    have: dict[tuple[str, int, str], int] = defaultdict(int)
    for station_id, school_id, role in DutyStaff.objects.values_list("station_id", "school_id", "role"):
        have[("station", station_id, role) if station_id else ("school", school_id, role)] += 1
    stations = {s.pk: s for s in Station.objects.all()}
    schools = {s.pk: s for s in School.objects.filter(pk__in={k[1] for k in weekly if k[0] == "school"})}
    reserves = []
    for pool, weeks in sorted(weekly.items()):
        kind, owner_id, role = pool
        wanted = max(-(-max(weeks.values()) // PLANNED_PER_WEEK), max(at_once[pool].values()))
        owner = stations[owner_id] if kind == "station" else schools[owner_id]
        for _n in range(wanted - have[pool]):
            reserves.append(
                DutyStaff(
                    role=role,
                    name=_person_name(rng) + "（样例）",
                    phone=f"1990001{rng.randrange(10000):04d}",
                    station=owner if kind == "station" else None,
                    school=owner if kind == "school" else None,
                    base_lat=owner.lat,
                    base_lon=owner.lon,
                    is_sample=True,
                )
            )
    return reserves


def load_sample_patrol() -> PatrolSampleSummary:
    """Add the sample 护学岗 data that is missing and build the autumn term's shifts. Idempotent."""
    schools = list(School.objects.filter(is_sample=True, active=True).order_by("code"))
    if not schools:
        raise SamplePatrolError("The sample county is not loaded: run `manage.py load_sample_county` first.")
    summary = PatrolSampleSummary()
    autumn = _term(*AUTUMN, summary)
    _term(*SPRING, summary)

    # Bell schedules: validated like bell_schedule_save, written in bulk.
    with_bells = set(BellSchedule.objects.filter(school__in=schools).values_list("school_id", flat=True))
    new_schedules, new_bells = [], []
    for school in schools:
        if school.pk in with_bells:
            continue
        name = "周一至周五"  # Monday to Friday
        _days, bells = check_bell_schedule(school=school, name=name, weekdays=WEEKDAYS, bells=sample_bells(school))
        new_schedules.append(BellSchedule(school=school, name=name, weekdays=WEEKDAYS))
        new_bells.append(bells)
    BellSchedule.objects.bulk_create(new_schedules)
    for schedule, bells in zip(new_schedules, new_bells, strict=True):
        for bell in bells:
            bell.schedule = schedule
    BellTime.objects.bulk_create([bell for bells in new_bells for bell in bells])
    summary.bell_schedules = len(new_schedules)

    # Posts on every gate that has none, with the default staffing split in two, as stations usually
    # staff it: the school's guards and volunteers at every window, police and auxiliary officers at
    # the arrival and dismissal peaks (noon is the school's own guarding, 重点时段警戒守护). Police
    # stand only at the large schools' main gates; elsewhere an auxiliary officer takes their place.
    gates = list(Gate.objects.filter(school__in=schools).select_related("school").order_by("school__code", "id"))
    gates_with_posts = set(Post.objects.filter(gate__in=gates).values_list("gate_id", flat=True))
    new_posts = []
    for gate in gates:
        if gate.pk in gates_with_posts:
            continue
        default = clean_requirements(post_default_requirements(gate))
        officers_needed = {r: n for r, n in default.items() if r in (DutyRole.POLICE, DutyRole.AUXILIARY)}
        if officers_needed and gate.school.pupils < LARGE_PUPILS:
            officers_needed = {DutyRole.AUXILIARY: max(officers_needed.values())}
        school_side = {r: n for r, n in default.items() if r not in (DutyRole.POLICE, DutyRole.AUXILIARY)}
        if school_side:
            new_posts.append(Post(gate=gate, name=f"{gate.name}岗", requirements=school_side, is_sample=True))
        if officers_needed:
            new_posts.append(
                Post(gate=gate, name=f"{gate.name}警务岗", requirements=officers_needed,
                     window_kinds=list(PEAK_WINDOWS), is_sample=True)
            )  # fmt: skip
    Post.objects.bulk_create(new_posts)
    summary.posts = len(new_posts)

    # Staff: every active sample officer of a station; guards and volunteers per school.
    staff: list[DutyStaff] = []
    officers = Officer.objects.filter(
        is_sample=True, active=True, station__isnull=False, duty_staff__isnull=True
    ).select_related("station")
    for officer in officers:
        staff.append(
            DutyStaff(
                role=DutyRole.POLICE if officer.kind == Officer.Kind.POLICE else DutyRole.AUXILIARY,
                name=officer.name,
                phone=officer.phone,
                officer=officer,
                station=officer.station,
                user=officer.user,
                base_lat=officer.station.lat,
                base_lon=officer.station.lon,
                is_sample=True,
            )
        )
    # Per window a school needs as many guards (volunteers) as its posts together ask for.
    need: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for post in Post.objects.filter(gate__school__in=schools, active=True).select_related("gate"):
        for role, count in post.requirements.items():
            need[post.gate.school_id][role] += count
    have: dict[tuple[int, str], int] = defaultdict(int)
    for school_id, role in DutyStaff.objects.filter(school__in=schools).values_list("school_id", "role"):
        have[(school_id, role)] += 1
    rng = random.Random(20260901)
    for school in schools:
        wanted = {DutyRole.GUARD: max(2, need[school.pk][DutyRole.GUARD])}
        if school.level in (School.Level.PRIMARY, School.Level.KINDERGARTEN):
            volunteers = 2 if school.pupils >= LARGE_PUPILS else 1
            wanted[DutyRole.VOLUNTEER] = max(volunteers, need[school.pk][DutyRole.VOLUNTEER])
        for role, count in wanted.items():
            for _n in range(count - have[(school.pk, role)]):
                staff.append(
                    DutyStaff(
                        role=role,
                        name=_person_name(rng) + "（样例）",
                        phone=f"1990000{rng.randrange(10000):04d}",
                        school=school,
                        base_lat=school.lat,
                        base_lon=school.lon,
                        is_sample=True,
                    )
                )
    for person in staff:
        person.full_clean(exclude=["calendar_token", "officer", "user", "station", "school"])
    DutyStaff.objects.bulk_create(staff)
    for person in staff:
        summary.staff[person.role] = summary.staff.get(person.role, 0) + 1

    audit_record(
        actor=SYSTEM,
        action="patrol_sample.load",
        object_type="patrol.sample",
        object_repr="护学岗样例数据",
        after={"bell_schedules": summary.bell_schedules, "posts": summary.posts, "staff": summary.staff},
    )
    summary.shifts = duty_shifts_build(term=autumn, actor=SYSTEM, schools=schools)
    reserves = _sample_reserves(autumn, rng)
    for person in reserves:
        person.full_clean(exclude=["calendar_token", "officer", "user", "station", "school"])
    DutyStaff.objects.bulk_create(reserves)
    for person in reserves:
        summary.staff[person.role] = summary.staff.get(person.role, 0) + 1
    return summary
