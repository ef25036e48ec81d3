"""Sample incident reports for the sample county (``manage.py load_sample_county`` first).

``load_sample_incidents()`` adds about 120 fictitious reports over the last three months, once: when sample
incidents exist it changes nothing. The mix is deterministic for a given ``now`` (seeded ``random``):
categories weighted towards gate traffic and suspicious persons, times clustered at arrival and dismissal,
most reports closed after a follow-up, the latest ones still open, a few unsatisfied follow-ups with
rectification items, and escalations where acknowledgement was late (the same rule as
``incidents.escalation``). Each report has its timeline (reported, routed, every status step,
escalation, follow-up, rectification). The reporters are the sample school staff users (``staff_<code>``);
the liaison officer and station come from the registry. Rows are validated and bulk-inserted, with one audit
entry, so loading takes well under a second; every row is ``is_sample`` and every description says "sample".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campus.models import LiaisonAssignment, School, SchoolStaff
from campus.sample.generator import STAFF_USERNAME_PREFIX
from campus.sample.names import SAMPLE_MARK
from common.audit import audit_record
from common.errors import DomainError
from common.roles import SYSTEM, Role
from common.sample_users import SAMPLE_USERS
from incidents.models import (
    FollowUp,
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentStatus,
    Rectification,
    Severity,
)

SEED = 20261126
DEFAULT_COUNT = 120
DAYS = 91  # about three months back from now
REFERENCE_PREFIX = "SAMPLE"
OPEN_LATEST = 6

Escalation = Incident.Escalation
Kind = IncidentEvent.Kind
Sat = FollowUp.Satisfaction

CATEGORY_WEIGHTS = {
    IncidentCategory.TRAFFIC: 22,
    IncidentCategory.SUSPICIOUS: 18,
    IncidentCategory.FIGHT: 15,
    IncidentCategory.INJURY: 12,
    IncidentCategory.INTRUDER: 8,
    IncidentCategory.THEFT: 8,
    IncidentCategory.FRAUD: 8,
    IncidentCategory.FIRE: 2,
    IncidentCategory.OTHER: 7,
}
SEVERITY_WEIGHTS = {  # (low, medium, high, urgent) per category
    IncidentCategory.TRAFFIC: (35, 45, 15, 5),
    IncidentCategory.SUSPICIOUS: (25, 50, 20, 5),
    IncidentCategory.FIGHT: (20, 50, 25, 5),
    IncidentCategory.INJURY: (30, 40, 20, 10),
    IncidentCategory.INTRUDER: (5, 35, 40, 20),
    IncidentCategory.THEFT: (50, 40, 10, 0),
    IncidentCategory.FRAUD: (50, 40, 10, 0),
    IncidentCategory.FIRE: (0, 20, 40, 40),
    IncidentCategory.OTHER: (60, 35, 5, 0),
}
# Time of day windows (start hour, end hour, weight): arrival, noon, dismissal peaks; quieter daytime and evening.
HOUR_WINDOWS = ((7, 8.5, 28), (11.5, 13, 12), (16, 18, 34), (8.5, 16, 16), (18, 22, 7), (22, 30, 3))
DESCRIPTIONS = {
    IncidentCategory.TRAFFIC: (
        "放学时校门口一辆电动车逆行，险些撞到学生。",
        "早高峰家长车辆在校门口违停，堵塞通道。",
        "一辆货车在校门前掉头，学生过马路受阻。",
    ),
    IncidentCategory.SUSPICIOUS: (
        "一名陌生男子在校门口徘徊并拍摄学生。",
        "有人在围墙外多次向校内张望，询问学生姓名。",
        "可疑车辆连续两天在放学时段停在学校附近。",
    ),
    IncidentCategory.FIGHT: (
        "两名学生在操场发生推搡，一人轻微擦伤。",
        "有学生反映被高年级学生多次索要财物。",
        "放学后校外几名青年与学生发生口角。",
    ),
    IncidentCategory.INJURY: (
        "学生在校门口台阶摔倒，膝盖受伤。",
        "体育课上学生扭伤脚踝，已送医。",
        "学生被校外自行车剐蹭，手臂擦伤。",
    ),
    IncidentCategory.INTRUDER: (
        "一名无关人员翻越围墙进入校园。",
        "有人冒充家长试图进入教学楼。",
    ),
    IncidentCategory.THEFT: (
        "车棚内一辆学生自行车被盗。",
        "教师办公室丢失一部手机。",
    ),
    IncidentCategory.FRAUD: (
        "有家长接到冒充班主任收取资料费的电话。",
        "学生收到“游戏充值返利”诈骗短信。",
    ),
    IncidentCategory.FIRE: (
        "食堂后厨油锅起火，已用灭火器扑灭。",
        "配电箱冒烟，已断电。",
    ),
    IncidentCategory.OTHER: (
        "校门口路灯损坏，夜间照明不足。",
        "校外流浪犬进入校园。",
    ),
}
COMMENTS = ("已电话联系学校了解情况。", "已调取校门口监控。", "已通知交警中队协助。", "民警正在赶往现场。")
UNSATISFIED_COMMENTS = ("民警到场较慢。", "处理结果没有反馈给学校。", "希望加强放学时段巡逻。")


class SampleIncidentsError(DomainError):
    code = "sample_data"


@dataclass
class SampleIncidentsSummary:
    created: int = 0
    existing: int = 0
    events: int = 0
    follow_ups: int = 0
    rectifications: int = 0
    open: int = 0

    def line(self) -> str:
        if not self.created:
            return f"Sample incidents already loaded ({self.existing}); nothing changed."
        return (
            f"Sample incidents loaded: {self.created} reports ({self.open} still open), {self.events} timeline "
            f"events, {self.follow_ups} follow-ups, {self.rectifications} rectification items."
        )


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _minutes(rng: random.Random, median: float, spread: float = 0.7) -> dt.timedelta:
    """A log-normal delay around ``median`` minutes: most close to it, a long tail of slow ones."""
    return dt.timedelta(minutes=max(0.5, median * math.exp(rng.gauss(0, spread))))


def _occurred_at(rng: random.Random, start: dt.date, now: dt.datetime) -> dt.datetime:
    """A local time in the period, mostly on school days, clustered around arrival and dismissal."""
    tz = timezone.get_current_timezone()
    while True:
        day = start + dt.timedelta(days=rng.randrange(DAYS))
        if day.weekday() >= 5 and rng.random() < 0.8:
            continue  # weekends are quiet at schools
        lo, hi, _w = rng.choices(HOUR_WINDOWS, weights=[w[2] for w in HOUR_WINDOWS])[0]
        hours = rng.uniform(lo, hi)
        when = dt.datetime.combine(day, dt.time.min, tzinfo=tz) + dt.timedelta(hours=hours)
        if when < now - dt.timedelta(minutes=30):
            return when


def sample_incidents_exist() -> bool:
    return Incident.objects.filter(is_sample=True).exists()


@transaction.atomic
def load_sample_incidents(*, now: dt.datetime | None = None, count: int = DEFAULT_COUNT) -> SampleIncidentsSummary:
    """Add the sample incidents unless some are already there (then nothing changes)."""
    existing = Incident.objects.filter(is_sample=True).count()
    if existing:
        return SampleIncidentsSummary(existing=existing)
    now = now or timezone.now()
    User = get_user_model()
    staff = {
        s.user.username: s
        for s in SchoolStaff.objects.filter(
            school__is_sample=True, user__username__startswith=STAFF_USERNAME_PREFIX
        ).select_related("user", "school")
    }
    schools = [
        school
        for school in School.objects.filter(is_sample=True, active=True)
        .select_related("responsible_station__head")
        .prefetch_related("gates")
        .order_by("code")
        if f"{STAFF_USERNAME_PREFIX}{school.code}" in staff
    ]
    if not schools:
        raise SampleIncidentsError(
            "No sample schools with their staff users: load the sample county first (manage.py load_sample_county)."
        )
    liaisons = {
        a.school_id: a.officer
        for a in LiaisonAssignment.objects.filter(school__in=schools, ended_at__isnull=True).select_related(
            "officer__user"
        )
    }
    caller = User.objects.filter(username=SAMPLE_USERS[Role.BRIGADE_SCHEDULER]).first()
    rng = random.Random(SEED)
    start = timezone.localtime(now).date() - dt.timedelta(days=DAYS)
    school_weights = [s.pupils * (1.6 if s.area == School.Area.URBAN else 1.0) + 200 for s in schools]

    plans = []
    for _n in range(count):
        school = rng.choices(schools, weights=school_weights)[0]
        category = _pick(rng, CATEGORY_WEIGHTS)
        severity = rng.choices(list(Severity.values), weights=SEVERITY_WEIGHTS[category])[0]
        plans.append((_occurred_at(rng, start, now), school, category, severity))
    plans.sort(key=lambda p: p[0])
    # The latest reports are still in hand, and a few older ones were left open (overdue on every board).
    still_open = set(range(count - OPEN_LATEST + 1, count + 1)) | set(
        rng.sample(range(1, max(count - OPEN_LATEST, 1)), min(3, max(count - OPEN_LATEST - 1, 0)))
    )

    incidents: list[Incident] = []
    timelines: list[list[dict]] = []
    follow_ups: list[dict | None] = []
    for n, (occurred, school, category, severity) in enumerate(plans, start=1):
        member = staff[f"{STAFF_USERNAME_PREFIX}{school.code}"]
        reporter = member.user
        officer = liaisons.get(school.pk)
        station = school.responsible_station
        handler = officer.user if officer and officer.user_id else None
        handler_name = officer.name if officer else (station.name if station else SAMPLE_USERS[Role.BRIGADE_SCHEDULER])
        created = occurred + _minutes(rng, 6, 0.6)
        if created >= now:
            created = now - dt.timedelta(minutes=5)
        ack_limit = dt.timedelta(minutes=settings.INCIDENT_ACK_MINUTES[severity])
        # About one in eight is acknowledged late; the rest well inside the limit.
        ack_delay = ack_limit * (rng.uniform(1.1, 2.6) if rng.random() < 0.12 else rng.uniform(0.1, 0.8))
        urgent = severity in (Severity.URGENT, Severity.HIGH)
        steps = [
            (IncidentStatus.ACKNOWLEDGED, created + ack_delay),
        ]
        steps.append((IncidentStatus.ON_SCENE, steps[-1][1] + _minutes(rng, 12 if urgent else 35)))
        steps.append((IncidentStatus.RESOLVED, steps[-1][1] + _minutes(rng, 50 if urgent else 150, 0.9)))
        if n in still_open:
            steps = steps[: rng.choice((0, 1, 2))]
        status = IncidentStatus.REPORTED
        reached: list[tuple[str, dt.datetime]] = []
        for to_status, at in steps:
            if at >= now:
                break
            reached.append((to_status, at))
            status = to_status
        times = dict(reached)
        gate = None
        lat = lon = None
        where = rng.random()
        gates = list(school.gates.all())
        if where < 0.55 and gates:
            gate = gates[0] if rng.random() < 0.7 else rng.choice(gates)
            note = f"{gate.name}"
        elif where < 0.8:
            lat = round(school.lat + rng.uniform(-0.0012, 0.0012), 6)
            lon = round(school.lon + rng.uniform(-0.0015, 0.0015), 6)
            note = rng.choice(("操场", "教学楼前", "车棚", "食堂", "围墙外"))
        else:
            note = ""
        escalation, escalated_at, escalations = Escalation.NONE, None, []
        ack_at = times.get(IncidentStatus.ACKNOWLEDGED)
        waited_until = ack_at or now
        for level, factor in ((Escalation.STATION_HEAD, 1), (Escalation.BRIGADE, 2)):
            at = created + ack_limit * factor
            if waited_until >= at:
                escalation, escalated_at = level, at
                escalations.append((level, at))
        key = f"sample-incident-{n:04d}"
        incident = Incident(
            reference=f"{REFERENCE_PREFIX}-{timezone.localtime(created):%Y%m%d}-{n:03d}",
            school=school,
            category=category,
            severity=severity,
            gate=gate,
            lat=lat,
            lon=lon,
            location_note=note,
            occurred_at=occurred,
            description=f"{SAMPLE_MARK}{rng.choice(DESCRIPTIONS[category])}",
            reporter=reporter,
            reporter_name=reporter.get_full_name() or reporter.username,
            reporter_phone=member.phone,
            idempotency_key=key,
            body_hash=hashlib.sha256(key.encode()).hexdigest(),
            status=status,
            liaison_officer=officer,
            station=station,
            created_at=created,
            acknowledged_at=ack_at,
            on_scene_at=times.get(IncidentStatus.ON_SCENE),
            resolved_at=times.get(IncidentStatus.RESOLVED),
            escalation=escalation,
            escalated_at=escalated_at,
            is_sample=True,
        )
        events = [
            {"kind": Kind.REPORTED, "to_status": IncidentStatus.REPORTED, "actor": reporter,
             "actor_name": incident.reporter_name, "at": created, "text": ""},
            {"kind": Kind.ROUTED, "actor": None, "actor_name": "system", "at": created,
             "text": f"{SAMPLE_MARK}→ {handler_name} · {station.name if station else '-'}"},
        ]  # fmt: skip
        for level, at in escalations:
            target = (
                station.head.name
                if level == Escalation.STATION_HEAD and station and station.head
                else SAMPLE_USERS[Role.BRIGADE_SCHEDULER]
            )
            events.append({"kind": Kind.ESCALATED, "actor": None, "actor_name": "system", "at": at,
                           "text": f"{SAMPLE_MARK}→ {target}"})  # fmt: skip
        previous = IncidentStatus.REPORTED
        for to_status, at in reached:
            events.append({"kind": Kind.STATUS, "from_status": previous, "to_status": to_status, "actor": handler,
                           "actor_name": handler_name, "at": at, "text": ""})  # fmt: skip
            previous = to_status
            if to_status == IncidentStatus.ON_SCENE and rng.random() < 0.3:
                events.append({"kind": Kind.COMMENT, "actor": handler, "actor_name": handler_name,
                               "at": at + dt.timedelta(minutes=rng.randint(3, 20)),
                               "text": SAMPLE_MARK + rng.choice(COMMENTS)})  # fmt: skip
        events = [e for e in events if e["at"] < now]
        follow = None
        resolved_at = incident.resolved_at
        if resolved_at is not None:
            due = resolved_at + dt.timedelta(hours=settings.INCIDENT_FOLLOW_UP_HOURS)
            done_at = resolved_at + dt.timedelta(hours=rng.uniform(2, 40))
            follow = {"due_at": due}
            # A few follow-ups are still waiting for the call (some past due).
            if done_at < now and rng.random() > 0.06:
                satisfaction = rng.choices([Sat.SATISFIED, Sat.BASICALLY, Sat.UNSATISFIED], weights=[74, 18, 8])[0]
                by_call = rng.random() < 0.4
                follow.update(
                    status=FollowUp.Status.DONE,
                    satisfaction=satisfaction,
                    channel=FollowUp.Channel.CALL if by_call else FollowUp.Channel.REPORTER,
                    recorded_by=caller if by_call else reporter,
                    done_at=done_at,
                    comment=SAMPLE_MARK + rng.choice(UNSATISFIED_COMMENTS) if satisfaction == Sat.UNSATISFIED else "",
                )
                recorder = caller if by_call else reporter
                recorder_name = (recorder.get_full_name() or recorder.username) if recorder else "-"
                events.append({"kind": Kind.FOLLOW_UP, "actor": recorder, "actor_name": recorder_name,
                               "at": done_at, "text": f"{SAMPLE_MARK}{Sat(satisfaction).label}"})  # fmt: skip
                closed_at = done_at + dt.timedelta(minutes=rng.randint(10, 600))
                if closed_at < now:
                    incident.status = IncidentStatus.CLOSED
                    incident.closed_at = closed_at
                    events.append({"kind": Kind.STATUS, "from_status": IncidentStatus.RESOLVED,
                                   "to_status": IncidentStatus.CLOSED, "actor": caller,
                                   "actor_name": SAMPLE_USERS[Role.BRIGADE_SCHEDULER], "at": closed_at,
                                   "text": ""})  # fmt: skip
                if satisfaction == Sat.UNSATISFIED:
                    cleared_at = done_at + dt.timedelta(days=rng.uniform(1, 6) if rng.random() > 0.3 else 400)
                    follow["rectification"] = {
                        "station": station,
                        "problem": follow["comment"],
                        "due_date": timezone.localtime(done_at).date()
                        + dt.timedelta(days=settings.INCIDENT_RECTIFY_DAYS),
                        "created_at": done_at,
                        **(
                            {
                                "status": Rectification.Status.CLEARED,
                                "cleared_at": cleared_at,
                                "cleared_by": caller,
                                "action_taken": SAMPLE_MARK + "已约谈责任民警并加强放学时段巡逻。",
                            }
                            if cleared_at < now
                            else {}
                        ),
                    }
                    events.append({"kind": Kind.RECTIFICATION, "actor": None, "actor_name": "system",
                                   "at": done_at, "text": f"{SAMPLE_MARK}{follow['comment']}"})  # fmt: skip
                    if cleared_at < now:
                        events.append({"kind": Kind.RECTIFICATION, "actor": caller,
                                       "actor_name": SAMPLE_USERS[Role.BRIGADE_SCHEDULER], "at": cleared_at,
                                       "text": SAMPLE_MARK + "已整改。"})  # fmt: skip
        incident.full_clean(
            exclude=["school", "gate", "reporter", "liaison_officer", "station"],
            validate_unique=False,
            validate_constraints=False,
        )
        incidents.append(incident)
        timelines.append(events)
        follow_ups.append(follow)

    Incident.objects.bulk_create(incidents)
    event_rows = [
        IncidentEvent(incident=incident, **event)
        for incident, events in zip(incidents, timelines, strict=True)
        for event in sorted(events, key=lambda e: e["at"])
    ]
    IncidentEvent.objects.bulk_create(event_rows)
    follow_rows, rect_rows = [], []
    for incident, follow in zip(incidents, follow_ups, strict=True):
        if follow is None:
            continue
        rect = follow.pop("rectification", None)
        follow_rows.append(FollowUp(incident=incident, **follow))
        if rect is not None:
            rect_rows.append(Rectification(incident=incident, **rect))
    FollowUp.objects.bulk_create(follow_rows)
    Rectification.objects.bulk_create(rect_rows)
    summary = SampleIncidentsSummary(
        created=len(incidents),
        events=len(event_rows),
        follow_ups=len(follow_rows),
        rectifications=len(rect_rows),
        open=sum(1 for i in incidents if i.status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)),
    )
    audit_record(
        actor=SYSTEM,
        action="sample.incidents.load",
        object_type="incidents.incident",
        object_repr="样例警情",
        after={"incidents": summary.created, "events": summary.events, "follow_ups": summary.follow_ups,
               "rectifications": summary.rectifications},
        reason="虚构的样例数据",
    )  # fmt: skip
    return summary
