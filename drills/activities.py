"""Police-school activities (警校互动): recording them, and counts per school, officer and station per term.

An activity is held at a school by officers of a station: legal education (法制教育进校园), anti-fraud
publicity (反诈宣传进校园), an open day at the station (邀请师生进警营), the liaison officer's visit, or
something else. Officers default to the school's liaison officer and the station to the school's
responsible station. Terms are county-wide date ranges (``campus.models.Term``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Officer, School, Station, Term
from campus.scope import scope_of
from common.audit import audit_record, snapshot
from common.roles import Capability, can
from drills.models import Activity, Attachment
from drills.plans.services import check_school_scope
from drills.selectors import drill_schools_visible, liaison_officer, term_for_date

Kind = Activity.Kind
AUDIENCE_MAX = 100000
TITLE_MAX = 200
NOTES_MAX = 4000


# --- reads ---------------------------------------------------------------------------------------


def activities_visible(user) -> QuerySet[Activity]:
    """Activities the user may see (VIEW_DRILLS, the registry scope): every school's for police roles,
    their own school's for school staff."""
    qs = Activity.objects.select_related("school", "station", "created_by").prefetch_related("officers", "attachments")
    if not can(user, Capability.VIEW_DRILLS):
        return qs.none()
    return scope_of(user).filter_schools(qs, school="school")


def liaison_visits(school: School) -> QuerySet[Activity]:
    """The current liaison officer's visits to the school (kind ``liaison_visit`` with that officer)."""
    officer = liaison_officer(school)
    if officer is None:
        return Activity.objects.none()
    return (
        Activity.objects.filter(school=school, kind=Kind.LIAISON_VISIT, officers=officer)
        .select_related("station")
        .prefetch_related("officers")
        .order_by("-date", "-id")
    )


def default_term(today: dt.date | None = None) -> Term | None:
    """The term containing today, else the latest term that has started, else the first one."""
    today = today or timezone.localdate()
    return (
        term_for_date(today)
        or Term.objects.filter(start_date__lte=today).order_by("-start_date").first()
        or Term.objects.order_by("start_date").first()
    )


@dataclass
class CountRow:
    key: object  # a School, Officer or Station (None: no station)
    total: int = 0
    audience: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def kind_counts(self) -> list[int]:
        return [self.by_kind.get(k, 0) for k in Kind.values]


@dataclass
class ActivityCounts:
    term: Term
    schools: list[CountRow] = field(default_factory=list)
    officers: list[CountRow] = field(default_factory=list)
    stations: list[CountRow] = field(default_factory=list)
    total: CountRow = field(default_factory=lambda: CountRow(None))

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return list(Kind.choices)


def _add(row: CountRow, activity: Activity) -> None:
    row.total += 1
    row.audience += activity.audience
    row.by_kind[activity.kind] = row.by_kind.get(activity.kind, 0) + 1


def activity_counts(*, term: Term, user, station: Station | None = None) -> ActivityCounts:
    """Activities held within ``term`` that the user may see, counted per school, per officer, per station.

    An activity with several officers counts once for each of them; one without a station counts under
    "no station". Every visible active school appears (with zeros), so those without activities show.
    """
    qs = activities_visible(user).filter(date__gte=term.start_date, date__lte=term.end_date)
    schools_qs = drill_schools_visible(user).filter(active=True).select_related("responsible_station")
    if station is not None:
        qs = qs.filter(station=station)
        schools_qs = schools_qs.filter(responsible_station=station)
    result = ActivityCounts(term=term)
    schools: dict[int, CountRow] = {s.pk: CountRow(s) for s in schools_qs.order_by("code")}
    officers: dict[int, CountRow] = {}
    stations: dict[int | None, CountRow] = {}
    for activity in qs.order_by("date", "id"):
        _add(result.total, activity)
        row = schools.get(activity.school_id)
        if row is None:
            row = schools[activity.school_id] = CountRow(activity.school)
        _add(row, activity)
        stations_row = stations.get(activity.station_id)
        if stations_row is None:
            stations_row = stations[activity.station_id] = CountRow(activity.station)
        _add(stations_row, activity)
        for officer in activity.officers.all():
            officer_row = officers.get(officer.pk)
            if officer_row is None:
                officer_row = officers[officer.pk] = CountRow(officer)
            _add(officer_row, activity)
    result.schools = sorted(schools.values(), key=lambda r: (-r.total, r.key.code))
    result.officers = sorted(officers.values(), key=lambda r: (-r.total, r.key.badge_no))
    result.stations = sorted(stations.values(), key=lambda r: (-r.total, r.key.code if r.key else "~"))
    return result


def activity_filters(qs: QuerySet[Activity], params) -> QuerySet[Activity]:
    """List filters: kind, school, station, officer (ids), term (id), from/to (dates). Bad values are refused."""
    errors: dict[str, list[str]] = {}
    kind = params.get("kind") or ""
    if kind:
        if kind not in Kind.values:
            errors["kind"] = [_("Unknown kind of activity: %(kind)s.") % {"kind": kind[:40]}]
        else:
            qs = qs.filter(kind=kind)
    for name in ("school", "station", "officer"):
        value = str(params.get(name) or "")
        if value:
            if not value.isdigit():
                errors[name] = [_("Give the id of the %(name)s.") % {"name": name}]
            elif name == "officer":
                qs = qs.filter(officers__id=int(value)).distinct()
            else:
                qs = qs.filter(**{f"{name}_id": int(value)})
    value = str(params.get("term") or "")
    if value:
        term = Term.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if term is None:
            errors["term"] = [_("Unknown term: %(term)s.") % {"term": value[:40]}]
        else:
            qs = qs.filter(date__gte=term.start_date, date__lte=term.end_date)
    for name, lookup in (("from", "date__gte"), ("to", "date__lte")):
        value = str(params.get(name) or "")
        if value:
            try:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(value)})
            except ValueError:
                errors[name] = [_("Give a date as YYYY-MM-DD, not “%(value)s”.") % {"value": value[:40]}]
    if errors:
        raise ValidationError(errors)
    return qs


# --- the service ---------------------------------------------------------------------------------


def check_activity(*, kind: str, date: dt.date, title: str, audience: int, notes: str, today: dt.date) -> None:
    """Raise ``ValidationError`` (field -> messages) for every problem at once."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if kind not in Kind.values:
        add("kind", _("Unknown kind of activity: %(kind)s.") % {"kind": str(kind)[:40]})
    if date is None:
        add("date", _("Give the date of the activity."))
    elif date > today:
        add(
            "date",
            _("The date %(date)s is in the future; record an activity once it has taken place.")
            % {"date": date.isoformat()},
        )
    if not title.strip():
        add("title", _("Give the activity a title."))
    elif len(title) > TITLE_MAX:
        add("title", _("The title may have at most %(n)d characters.") % {"n": TITLE_MAX})
    if audience is None or audience < 0:
        add("audience", _("The audience size cannot be negative."))
    elif audience > AUDIENCE_MAX:
        add("audience", _("The audience size may be at most %(n)d.") % {"n": AUDIENCE_MAX})
    elif audience == 0 and kind != Kind.LIAISON_VISIT:
        add("audience", _("Give the number of pupils, teachers or parents who took part (more than 0)."))
    if len(notes) > NOTES_MAX:
        add("notes", _("The notes may have at most %(n)d characters.") % {"n": NOTES_MAX})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_record(
    *,
    kind: str,
    school: School,
    date: dt.date,
    title: str,
    audience: int = 0,
    officers: Iterable[Officer] | None = None,
    station: Station | None = None,
    notes: str = "",
    photos: Sequence = (),
    actor,
    is_sample: bool = False,
) -> Activity:
    """Record an activity held at ``school``. Officers default to the school's liaison officer, the station
    to the school's responsible station; ``photos`` are uploaded files (re-encoded by ``drills.files``).

    Raises ``NotAllowed`` (no RECORD_ACTIVITIES) or ``ValidationError`` / a ``DomainError`` naming a refused
    photo; nothing is written on any error.
    """
    check_school_scope(
        actor=actor, school=school, capability=Capability.RECORD_ACTIVITIES, what=_("record police-school activities")
    )
    title = (title or "").strip()
    notes = notes or ""
    check_activity(kind=kind, date=date, title=title, audience=audience, notes=notes, today=timezone.localdate())
    officer_list = list(officers) if officers is not None else []
    if not officer_list:
        liaison = liaison_officer(school)
        officer_list = [liaison] if liaison else []
    if kind == Kind.LIAISON_VISIT and not officer_list:
        raise ValidationError(
            {"officers": [_("%(school)s has no liaison officer; name the officers who visited.") % {"school": school}]}
        )
    station = station or school.responsible_station
    attachments = _photo_attachments(photos, actor)
    activity = Activity(
        kind=kind,
        school=school,
        station=station,
        date=date,
        title=title,
        audience=audience,
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
        is_sample=is_sample,
    )
    activity.full_clean(exclude=["created_by"])  # empty when the system acts
    activity.save()
    activity.officers.set(officer_list)
    for attachment in attachments:
        attachment.activity = activity
        attachment.full_clean(exclude=["uploaded_by"])
        attachment.save()
    audit_record(
        actor=actor,
        action="activity.record",
        obj=activity,
        after={**snapshot(activity), "officers": [o.pk for o in officer_list], "photos": len(attachments)},
    )
    return activity


def _photo_attachments(photos: Sequence, actor) -> list[Attachment]:
    if not photos:
        return []
    from drills.files import attachment_from_upload

    return [attachment_from_upload(upload=p, kind=Attachment.Kind.PHOTO, actor=actor) for p in photos]
