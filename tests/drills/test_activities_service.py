"""``activity_record`` defaults and refusals, liaison visits, and counts per school, officer and station."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from campus.models import Term
from common.errors import NotAllowed
from common.models import AuditLogEntry
from drills import activities
from drills.files import UploadRefused
from drills.models import Activity, Attachment
from tests.drills.factories import ActivityFactory
from tests.drills.test_plans_service import make_world
from tests.factories import OfficerFactory, SchoolFactory, StationFactory


@pytest.fixture
def w(db):
    return make_world()


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def record(w, **kwargs) -> Activity:
    values = {
        "kind": Activity.Kind.ANTI_FRAUD,
        "school": w.school_a,
        "date": days(-1),
        "title": "Anti-fraud talk",
        "audience": 300,
        "actor": w.officer_user,
    }
    values.update(kwargs)
    return activities.activity_record(**values)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_officers_and_station_default_to_the_liaison_and_responsible_station(w):
    activity = record(w)
    assert list(activity.officers.all()) == [w.officer]
    assert activity.station == w.school_a.responsible_station == w.station
    assert activity.created_by == w.officer_user
    assert AuditLogEntry.objects.filter(action="activity.record", object_id=str(activity.pk)).exists()


def test_named_officers_and_station_are_kept(w):
    other_station = StationFactory(lat=36.6, lon=118.6)
    a, b = OfficerFactory(station=other_station), OfficerFactory(station=other_station)
    activity = record(w, officers=[a, b], station=other_station, kind=Activity.Kind.OPEN_DAY, audience=40)
    assert set(activity.officers.all()) == {a, b} and activity.station == other_station


def test_a_liaison_visit_may_have_no_audience(w):
    activity = record(w, kind=Activity.Kind.LIAISON_VISIT, audience=0, title="Checked the gate")
    assert activity.audience == 0
    assert list(activities.liaison_visits(w.school_a)) == [activity]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"date": "tomorrow"}, "date", "is in the future"),
        ({"audience": -5}, "audience", "cannot be negative"),
        ({"audience": 0}, "audience", "more than 0"),
        ({"audience": 100001}, "audience", "at most 100000"),
        ({"title": "   "}, "title", "Give the activity a title."),
        ({"kind": "party"}, "kind", "Unknown kind of activity: party."),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_written(w, changes, field, words):
    if changes.get("date") == "tomorrow":
        changes = {"date": days(1)}
    with pytest.raises(ValidationError) as caught:
        record(w, **changes)
    assert any(words in m for m in caught.value.message_dict[field]), caught.value.message_dict
    assert Activity.objects.count() == 0
    assert not AuditLogEntry.objects.filter(action="activity.record").exists()


def test_a_liaison_visit_to_a_school_without_liaison_names_its_officers(w):
    with pytest.raises(ValidationError) as caught:
        record(w, school=w.school_b, kind=Activity.Kind.LIAISON_VISIT, audience=0)
    assert "School B has no liaison officer" in caught.value.message_dict["officers"][0]
    assert Activity.objects.count() == 0


@pytest.mark.parametrize("who", ["staff", "leader", "pilot"])
def test_roles_without_record_activities_are_refused(w, who):
    with pytest.raises(NotAllowed):
        record(w, actor=getattr(w, who))
    assert Activity.objects.count() == 0


def test_photos_are_stored_and_a_bad_photo_is_named_with_nothing_written(w):
    good = SimpleUploadedFile("talk.jpg", jpeg(), content_type="image/jpeg")
    activity = record(w, photos=[good])
    assert activity.attachments.get().kind == Attachment.Kind.PHOTO
    before = (Activity.objects.count(), Attachment.objects.count())
    bad = SimpleUploadedFile("notes.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(UploadRefused) as caught:
        record(w, photos=[SimpleUploadedFile("ok.jpg", jpeg()), bad])
    assert caught.value.message.startswith("notes.jpg:")
    assert (Activity.objects.count(), Attachment.objects.count()) == before


def test_liaison_visits_are_only_the_current_liaisons(w):
    other = OfficerFactory(station=w.station)
    mine = record(w, kind=Activity.Kind.LIAISON_VISIT, audience=0)
    record(w, kind=Activity.Kind.LIAISON_VISIT, audience=0, officers=[other])
    record(w, kind=Activity.Kind.LEGAL_EDUCATION)
    assert list(activities.liaison_visits(w.school_a)) == [mine]
    assert list(activities.liaison_visits(w.school_b)) == []


def test_counts_per_school_officer_and_station_for_a_term(w):
    term = Term.objects.create(school_year="2026-2027", name="Autumn", start_date=days(-60), end_date=days(30))
    other_station = StationFactory(lat=36.6, lon=118.6)
    school_c = SchoolFactory(lat=36.6, lon=118.6, name="School C")
    second = OfficerFactory(station=w.station, name="Officer Li")
    third = OfficerFactory(station=other_station, name="Officer Zhao")
    record(w, audience=100)  # school A, liaison officer, station
    record(w, audience=50, kind=Activity.Kind.LEGAL_EDUCATION, officers=[w.officer, second])
    record(w, school=w.school_b, audience=30, officers=[second])
    record(w, school=school_c, audience=20, officers=[third], station=other_station)
    ActivityFactory(school=w.school_a, date=days(-90), audience=999)  # before the term
    counts = activities.activity_counts(term=term, user=w.admin)
    schools = {r.key.name: (r.total, r.audience) for r in counts.schools}
    assert schools == {"School A": (2, 150), "School B": (1, 30), "School C": (1, 20)}
    officers = {r.key.name: (r.total, r.audience) for r in counts.officers}
    assert officers == {"Officer Wang": (2, 150), "Officer Li": (2, 80), "Officer Zhao": (1, 20)}
    stations = {r.key: (r.total, r.audience) for r in counts.stations}
    assert stations == {w.station: (3, 180), other_station: (1, 20)}
    assert (counts.total.total, counts.total.audience) == (4, 200)
    school_a = next(r for r in counts.schools if r.key == w.school_a)
    assert school_a.by_kind == {"anti_fraud": 1, "legal_education": 1}
    narrowed = activities.activity_counts(term=term, user=w.admin, station=other_station)
    assert [(r.key, r.total) for r in narrowed.schools] == [(school_c, 1)]
    staff = activities.activity_counts(term=term, user=w.staff)
    assert [(r.key, r.total) for r in staff.schools] == [(w.school_a, 2)]
    assert staff.total.total == 2


def test_filters_refuse_bad_values_by_name(w):
    with pytest.raises(ValidationError) as caught:
        activities.activity_filters(Activity.objects.all(), {"kind": "x", "school": "a", "from": "2026-13-01"})
    assert set(caught.value.message_dict) == {"kind", "school", "from"}
