"""Sample drills for the sample county (``manage.py load_sample_county`` and the patrol sample terms first).

``load_sample_drills()`` adds, once, drills held so far this school year at the sample schools: about two
thirds of the schools hold everything their rules ask for (police-required drills with their liaison officer),
the others are behind (some drill types missing), plus corrective actions of which some are overdue. Every row
is ``is_sample``. Dates are weekdays in each period up to today; bulk inserts keep it well under a second.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from campus.models import LiaisonAssignment, School, Term
from common.audit import audit_record
from common.roles import SYSTEM
from drills.compliance import term_periods
from drills.models import CorrectiveAction, Drill
from drills.rules import rules_active, rules_for_school
from drills.selectors import term_default, term_for_date

SEED = 20261201
BEHIND_EVERY = 3  # every third sample school is behind
SCENARIOS = {
    "evacuation": "样例：教学楼一楼起火，全体师生按疏散路线撤离到操场。",
    "fire": "样例：食堂后厨起火，义务消防队处置，学生疏散。",
    "earthquake": "样例：地震预警，学生就地避险后疏散。",
    "campus_violence": "样例：持刀人员闯入校门，保安使用钢叉控制，民警到场处置。",
    "extreme_incident": "样例：个人极端事件处置，民警到场。",
    "school_bus": "样例：校车追尾，司机与照管员组织学生下车避险。",
}
PROBLEMS = ["样例：东侧楼梯门上锁，疏散受阻。", "样例：广播音量不足，后排教室未听到。", "样例：部分学生未按路线撤离。"]
ACTIONS = [
    ("样例：在校时间东侧楼梯门保持开启", "后勤主任"),
    ("样例：更换教学楼广播喇叭", "总务处"),
    ("样例：班主任重新讲解疏散路线", "德育处"),
]


@dataclass
class SampleDrillsSummary:
    drills: int = 0
    actions: int = 0
    schools: int = 0
    behind: int = 0

    def line(self) -> str:
        return (
            f"Sample drills: {self.drills} drills at {self.schools} schools ({self.behind} behind), "
            f"{self.actions} corrective actions."
        )


def _weekday_in(start: dt.date, end: dt.date, rng: random.Random) -> dt.date | None:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    return rng.choice(days) if days else None


@transaction.atomic
def load_sample_drills(*, today: dt.date | None = None) -> SampleDrillsSummary:
    """Add the sample drills once; when sample drills exist, change nothing and return zeros."""
    summary = SampleDrillsSummary()
    if Drill.objects.filter(is_sample=True).exists():
        return summary
    today = today or timezone.localdate()
    current = term_for_date(today) or term_default(today)
    if current is None:
        return summary
    terms = [t for t in Term.objects.filter(school_year=current.school_year) if t.start_date <= today]
    rules = rules_active()
    liaisons = {
        a.school_id: a.officer_id for a in LiaisonAssignment.objects.filter(ended_at__isnull=True).only("officer_id")
    }
    rng = random.Random(SEED)
    drills: list[Drill] = []
    police_officer: list[int | None] = []
    schools = list(School.objects.filter(is_sample=True, active=True).order_by("code"))
    for index, school in enumerate(schools):
        behind = index % BEHIND_EVERY == BEHIND_EVERY - 1
        summary.schools += 1
        summary.behind += behind
        school_rules = rules_for_school(school, rules=rules)
        seen_year: set[tuple[int, str]] = set()
        for term in terms:
            periods = term_periods(term)
            for rule in school_rules:
                if behind and rule.drill_type_id % 2 == index % 2:
                    continue  # a school that is behind skips about half of its drill types
                for period in periods[rule.period]:
                    if period.start > today:
                        continue
                    if (rule.pk, period.key) in seen_year:
                        continue  # a yearly rule's period is shared by the terms of the year
                    seen_year.add((rule.pk, period.key))
                    end = min(period.end, today - dt.timedelta(days=1))
                    for _n in range(rule.count):
                        day = _weekday_in(period.start, end, rng)
                        if day is None:
                            continue
                        dtype = rule.drill_type
                        evacuation = rng.randint(120, 240) if dtype.evacuation else None
                        drills.append(
                            Drill(
                                school=school,
                                drill_type=dtype,
                                status=Drill.Status.DONE,
                                date=day,
                                planned_date=day,
                                police_required=rule.police_required,
                                scenario=SCENARIOS.get(dtype.code, "样例演练。"),
                                participants=max(school.pupils, 50),
                                evacuation_s=evacuation,
                                evacuation_target_s=dtype.target_evacuation_s if dtype.evacuation else None,
                                problems=rng.choice(PROBLEMS) if rng.random() < 0.3 else "",
                                recorded_at=timezone.now(),
                                is_sample=True,
                            )
                        )
                        police_officer.append(liaisons.get(school.pk) if rule.police_required else None)
    for drill in drills:
        drill.full_clean(exclude=["school", "drill_type", "created_by"])
    Drill.objects.bulk_create(drills)
    through = Drill.officers.through
    through.objects.bulk_create(
        [through(drill_id=d.pk, officer_id=o) for d, o in zip(drills, police_officer, strict=True) if o is not None]
    )
    actions = []
    for drill in drills:
        if not drill.problems:
            continue
        description, owner = rng.choice(ACTIONS)
        due = drill.date + dt.timedelta(days=rng.choice((14, 30, 60)))
        done = due < today and rng.random() < 0.5
        actions.append(
            CorrectiveAction(
                drill=drill,
                description=description,
                owner=owner,
                due_date=due,
                status=CorrectiveAction.Status.DONE if done else CorrectiveAction.Status.OPEN,
                done_at=timezone.now() if done else None,
                done_note="样例：已整改" if done else "",
            )
        )
    CorrectiveAction.objects.bulk_create(actions)
    summary.drills, summary.actions = len(drills), len(actions)
    audit_record(actor=SYSTEM, action="drill.sample_load", object_type="drills.drill", after=summary.__dict__)
    return summary
