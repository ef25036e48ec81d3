"""Sample emergency plans and police-school activities for the sample county (``load_sample_county`` first).

``load_plans_sample()`` gives most sample schools plans for the common scenarios (school-bus plans where a
school runs a bus) with one to three versions each: a few reviews overdue, a few due soon, and some
scenarios left without a plan so the county list has something to flag. It adds about 150 activities over
the current school year (never after today) at sample schools, held by each school's liaison officer and
responsible station. Every row is ``is_sample`` and every title and note carries "（样例）". Deterministic
for a given ``today`` (seeded ``random``); validated and bulk-inserted, with one audit entry per part.
Idempotent: a part that already has sample rows is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from campus.models import LiaisonAssignment, School
from campus.sample.names import SAMPLE_MARK
from common.audit import audit_record
from common.errors import DomainError
from common.roles import SYSTEM
from drills.models import Activity, DrillType, EmergencyPlan, EmergencyPlanVersion
from drills.plans.services import default_review_due

SEED = 20261127
ACTIVITY_COUNT = 150
PLAN_SHARE = 0.85  # schools with plans
MISSING_SHARE = 0.3  # of those, schools missing one or two scenarios
MIN_WINDOW_DAYS = 90

# (code, name, evacuation measured): the built-in drill types (migration 0006), created again only if an
# administrator deleted them.
SCENARIOS = (
    ("campus_violence", "校园暴力事件", False),
    ("extreme_incident", "个人极端事件", False),
    ("earthquake", "地震", True),
    ("fire", "消防/火灾", True),
    ("school_bus", "校车事故", False),
    ("evacuation", "疏散", True),
)
COMMON = ("campus_violence", "extreme_incident", "earthquake", "fire", "evacuation")

PLAN_TEXT = (
    "{mark}一、适用范围：本预案适用于{school}发生{scenario}时的应急处置。\n"
    "二、组织机构：成立应急处置领导小组，校长任组长，分管安全副校长任副组长。\n"
    "三、处置流程：发现情况立即报告，拨打110并通知挂包联系民警；组织学生按疏散路线撤离到安全区域；"
    "清点人数，救治伤员，保护现场。\n"
    "四、保障措施：每学期至少演练一次，演练后总结问题并整改。"
)
CHANGE_NOTES = (
    "根据演练发现的问题修订疏散路线",
    "更新应急处置领导小组成员",
    "补充与派出所的联动流程",
    "按上级文件要求年度修订",
)
APPROVERS = ("校长办公会", "学校安全工作领导小组", "校长")

KIND_WEIGHTS = {
    Activity.Kind.LIAISON_VISIT: 40,
    Activity.Kind.ANTI_FRAUD: 25,
    Activity.Kind.LEGAL_EDUCATION: 20,
    Activity.Kind.OPEN_DAY: 8,
    Activity.Kind.OTHER: 7,
}
TITLES = {
    Activity.Kind.LIAISON_VISIT: ("挂包民警走访学校", "检查校园安防设施", "与学校安全管理人员座谈"),
    Activity.Kind.ANTI_FRAUD: ("反诈宣传进校园", "防范电信网络诈骗主题班会", "反诈知识讲座"),
    Activity.Kind.LEGAL_EDUCATION: ("法制教育进校园", "预防校园欺凌法治课", "青少年法治教育讲座"),
    Activity.Kind.OPEN_DAY: ("邀请师生进警营", "警营开放日"),
    Activity.Kind.OTHER: ("交通安全宣传", "防溺水安全教育"),
}


class SamplePlansError(DomainError):
    code = "sample_plans"


@dataclass
class PlansSampleSummary:
    plans: int = 0
    versions: int = 0
    activities: int = 0
    plans_existed: int = 0
    activities_existed: int = 0

    @property
    def created(self) -> int:
        return self.plans + self.versions + self.activities

    def line(self) -> str:
        if not self.created:
            return (
                f"Sample plans and activities already loaded ({self.plans_existed} plans, "
                f"{self.activities_existed} activities); nothing changed."
            )
        return (
            f"Sample plans and activities loaded: {self.plans} plans with {self.versions} versions, "
            f"{self.activities} activities."
        )


def _scenarios() -> dict[str, DrillType]:
    types = {t.code: t for t in DrillType.objects.filter(code__in=[c for c, _n, _e in SCENARIOS])}
    missing = [
        DrillType(code=code, name=name, builtin=True, evacuation=evacuation)
        for code, name, evacuation in SCENARIOS
        if code not in types
    ]
    for row in missing:
        row.full_clean()
    DrillType.objects.bulk_create(missing)
    return {t.code: t for t in DrillType.objects.filter(code__in=[c for c, _n, _e in SCENARIOS])}


def _version_dates(rng: random.Random, today: dt.date, count: int) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(approved_on, effective_date, review_due) oldest first; the latest decides the review status."""
    roll = rng.random()
    if roll < 0.15:  # review overdue: approved 13 to 20 months ago, no newer version
        latest = today - dt.timedelta(days=rng.randint(380, 600))
    elif roll < 0.25:  # review due within the reminder window
        latest = today - dt.timedelta(days=rng.randint(355, 362))
    else:
        latest = today - dt.timedelta(days=rng.randint(20, 300))
    approved = [latest - dt.timedelta(days=365 * i + rng.randint(0, 30)) for i in range(count)][::-1]
    approved[-1] = latest
    rows = []
    for day in approved:
        effective = min(day + dt.timedelta(days=rng.randint(0, 10)), today)
        rows.append((day, effective, default_review_due(day)))
    return rows


def _load_plans(schools: list[School], today: dt.date, rng: random.Random, summary: PlansSampleSummary) -> None:
    scenarios = _scenarios()
    taken = set(EmergencyPlan.objects.filter(school__in=schools).values_list("school_id", "scenario_id"))
    plans: list[EmergencyPlan] = []
    dates: dict[int, list] = {}
    for school in schools:
        if rng.random() > PLAN_SHARE:
            continue
        codes = list(COMMON) + (["school_bus"] if school.school_bus else [])
        if rng.random() < MISSING_SHARE:
            for code in rng.sample(codes, rng.randint(1, 2)):
                codes.remove(code)
        for code in codes:
            scenario = scenarios[code]
            if (school.pk, scenario.pk) in taken:
                continue
            plan = EmergencyPlan(
                school=school, scenario=scenario, title=f"{scenario.name}应急预案{SAMPLE_MARK}", is_sample=True
            )
            plan.full_clean(validate_constraints=False)
            plans.append(plan)
            dates[id(plan)] = _version_dates(rng, today, rng.choice((1, 1, 2, 2, 3)))
    EmergencyPlan.objects.bulk_create(plans)
    versions: list[EmergencyPlanVersion] = []
    for plan in plans:
        for number, (approved_on, effective, review_due) in enumerate(dates[id(plan)], start=1):
            row = EmergencyPlanVersion(
                plan=plan,
                version=number,
                effective_date=effective,
                approved_on=approved_on,
                review_due=review_due,
                approved_by=f"{rng.choice(APPROVERS)}{SAMPLE_MARK}",
                text=PLAN_TEXT.format(mark=SAMPLE_MARK, school=plan.school.name, scenario=plan.scenario.name),
                change_note=SAMPLE_MARK + ("首次制定" if number == 1 else rng.choice(CHANGE_NOTES)),
            )
            row.full_clean(exclude=["uploaded_by"], validate_constraints=False)
            versions.append(row)
    EmergencyPlanVersion.objects.bulk_create(versions)
    summary.plans, summary.versions = len(plans), len(versions)
    audit_record(
        actor=SYSTEM,
        action="emergency_plan.sample_load",
        object_type="drills.emergencyplan",
        object_repr=f"样例应急预案 {len(plans)} 份",
        after={"plans": len(plans), "versions": len(versions)},
    )


def _window(today: dt.date) -> list[dt.date]:
    """Weekdays from the start of the school year (1 September), at least ``MIN_WINDOW_DAYS`` back, to today."""
    year_start = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    start = min(year_start, today - dt.timedelta(days=MIN_WINDOW_DAYS))
    days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
    # Summer holidays (mid-July to August) hold no school activities.
    return [d for d in days if d.weekday() < 5 and not (d.month == 8 or (d.month == 7 and d.day > 10))]


def _load_activities(schools: list[School], today: dt.date, rng: random.Random, summary: PlansSampleSummary) -> None:
    liaisons = {
        a.school_id: a.officer
        for a in LiaisonAssignment.objects.filter(school__in=schools, ended_at__isnull=True).select_related("officer")
    }
    hosts = [s for s in schools if s.pk in liaisons]
    if not hosts:
        return
    days = _window(today)
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    rows: list[tuple[Activity, int]] = []
    for _i in range(ACTIVITY_COUNT):
        school = rng.choice(hosts)
        kind = rng.choices(kinds, weights)[0]
        if kind == Activity.Kind.LIAISON_VISIT:
            audience = 0
        elif kind == Activity.Kind.OPEN_DAY:
            audience = rng.randint(20, 60)
        else:
            audience = rng.randint(40, max(41, min(school.pupils, 800)))
        activity = Activity(
            kind=kind,
            school=school,
            station=school.responsible_station,
            date=rng.choice(days),
            title=f"{rng.choice(TITLES[kind])}{SAMPLE_MARK}",
            audience=audience,
            notes=f"{SAMPLE_MARK}{school.name}：{TITLES[kind][0]}。",
            is_sample=True,
        )
        activity.full_clean(exclude=["created_by"])
        rows.append((activity, liaisons[school.pk].pk))
    Activity.objects.bulk_create([a for a, _o in rows])
    through = Activity.officers.through
    through.objects.bulk_create([through(activity_id=a.pk, officer_id=officer_id) for a, officer_id in rows])
    summary.activities = len(rows)
    audit_record(
        actor=SYSTEM,
        action="activity.sample_load",
        object_type="drills.activity",
        object_repr=f"样例警校互动 {len(rows)} 次",
        after={"activities": len(rows)},
    )


@transaction.atomic
def load_plans_sample(*, today: dt.date | None = None) -> PlansSampleSummary:
    """Add the sample plans and activities that are missing. Raises ``SamplePlansError`` without the county."""
    today = today or timezone.localdate()
    schools = list(School.objects.filter(is_sample=True, active=True).select_related("responsible_station"))
    if not schools:
        raise SamplePlansError("No sample schools: run `manage.py load_sample_county` first.")
    summary = PlansSampleSummary(
        plans_existed=EmergencyPlan.objects.filter(is_sample=True).count(),
        activities_existed=Activity.objects.filter(is_sample=True).count(),
    )
    rng = random.Random(f"{SEED}-{today.isoformat()}")
    if not summary.plans_existed:
        _load_plans(schools, today, rng, summary)
    if not summary.activities_existed:
        _load_activities(schools, today, rng, summary)
    return summary
