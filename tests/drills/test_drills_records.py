from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from common.errors import NotAllowed
from drills.models import Attachment, CorrectiveAction, Drill, DrillType, Reminder
from drills.services import ActionInput, drill_record, drills_plan

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 20)


def _plain() -> DrillType:
    return DrillType.objects.get_or_create(code="plain", defaults={"name": "Plain drill"})[0]


def _record(setup, **kwargs):
    defaults = {"actor": setup["staff"], "school": setup["school"], "drill_type": _plain(), "date": TODAY,
                "today": TODAY}  # fmt: skip
    defaults.update(kwargs)
    return drill_record(**defaults)


def _nothing_written():
    assert not Drill.objects.exists()
    assert not CorrectiveAction.objects.exists()
    assert not Attachment.objects.exists()


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_future_date_is_refused(setup):
    with pytest.raises(ValidationError) as exc:
        _record(setup, date=TODAY + dt.timedelta(days=1))
    assert "is in the future" in str(exc.value.message_dict["date"])
    _nothing_written()


@pytest.mark.parametrize("seconds", [0, -5])
def test_evacuation_time_zero_or_negative_is_refused(setup, fire, seconds):
    with pytest.raises(ValidationError) as exc:
        _record(setup, drill_type=fire, evacuation_s=seconds)
    assert "more than 0 seconds" in str(exc.value.message_dict["evacuation_s"])
    _nothing_written()


def test_evacuation_time_may_be_empty_for_a_type_that_does_not_measure_it(setup, violence):
    drill = _record(setup, drill_type=violence, evacuation_s=None)
    assert drill.status == Drill.Status.DONE and drill.evacuation_s is None


def test_evacuation_type_needs_its_time_and_keeps_the_target(setup, fire):
    with pytest.raises(ValidationError):
        _record(setup, drill_type=fire, evacuation_s=None)
    drill = _record(setup, drill_type=fire, evacuation_s=200)
    assert drill.evacuation_target_s == 180


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (ActionInput("Fix the door", "", dt.date(2025, 12, 1)), "Corrective action 2: give an owner."),
        (ActionInput("Fix the door", "Head", None), "Corrective action 2: give a due date."),
    ],
)
def test_corrective_action_without_owner_or_due_date_is_refused(setup, action, message):
    good = ActionInput("Louder bell", "Logistics", dt.date(2025, 12, 1))
    with pytest.raises(ValidationError) as exc:
        _record(setup, actions=[good, action])
    assert message in exc.value.message_dict["actions"]
    _nothing_written()


def test_another_schools_drill_is_refused(setup):
    plain = _plain()
    theirs = Drill.objects.create(school=setup["other"], drill_type=plain, planned_date=TODAY)
    with pytest.raises(NotAllowed):
        _record(setup, school=setup["other"], drill=theirs, drill_type=plain)
    with pytest.raises(NotAllowed):
        _record(setup, school=setup["school"], drill=theirs, drill_type=plain)
    theirs.refresh_from_db()
    assert theirs.status == Drill.Status.PLANNED


def test_bad_document_is_refused_by_name_and_nothing_written(setup):
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(Exception) as exc:
        _record(setup, documents=[fake], actions=[ActionInput("x", "y", TODAY)])
    assert "plan.pdf" in str(exc.value)
    _nothing_written()


def test_photo_is_reencoded_without_metadata_and_served_with_checks(client, setup):
    raw = _jpeg_with_exif()
    assert b"SecretCam" in raw
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n")
    drill = _record(setup, photos=[SimpleUploadedFile("p.png", raw)], documents=[pdf])
    photo = drill.attachments.get(kind="photo")
    assert b"SecretCam" not in bytes(photo.content) and photo.content_type == "image/jpeg"
    client.force_login(setup["staff"])
    response = client.get(reverse("drills:drill-attachment", args=[photo.pk]))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    doc = drill.attachments.get(kind="document")
    response = client.get(reverse("drills:drill-attachment", args=[doc.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_record_page_with_several_actions(client, setup, fire):
    client.force_login(setup["staff"])
    held = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    response = client.post(
        reverse("drills:drill-new", args=[setup["school"].pk]),
        {
            "drill_type": fire.pk, "date": held, "evacuation_s": "150", "scenario": "<script>x()</script>",
            "actions-TOTAL_FORMS": "3", "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Open the door", "actions-0-owner": "Wang", "actions-0-due_date": due,
            "actions-1-description": "Louder bell", "actions-1-owner": "Li", "actions-1-due_date": due,
        },
    )  # fmt: skip
    assert response.status_code == 302
    drill = Drill.objects.get()
    assert drill.corrective_actions.count() == 2
    body = client.get(reverse("drills:drill-detail", args=[drill.pk])).content.decode()
    assert "30 s under the target" in body
    assert "<script>x()</script>" not in body and "&lt;script&gt;" in body


def test_record_page_future_date_shows_message(client, setup):
    client.force_login(setup["staff"])
    plain = _plain()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("drills:drill-new", args=[setup["school"].pk]),
        {"drill_type": plain.pk, "date": tomorrow, "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert "is in the future" in response.content.decode()
    _nothing_written()


def test_staff_cannot_record_for_another_school_page(client, setup):
    client.force_login(setup["staff"])
    plain = _plain()
    response = client.post(
        reverse("drills:drill-new", args=[setup["other"].pk]),
        {"drill_type": plain.pk, "date": "2025-11-01", "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 404
    _nothing_written()


def test_corrective_action_done_with_note(client, setup):
    drill = _record(setup, actions=[ActionInput("Fix", "Wang", TODAY)])
    action = drill.corrective_actions.get()
    client.force_login(setup["staff"])
    client.post(reverse("drills:drill-action-done", args=[action.pk]), {"note": "Door unlocked"})
    action.refresh_from_db()
    assert action.status == "done" and action.done_note == "Door unlocked" and action.done_at


def test_plan_notifies_the_liaison(setup, violence, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = "smtp.example.org"
    day = dt.date(2025, 9, 10)
    with django_capture_on_commit_callbacks(execute=True):
        drills = drills_plan(school=setup["school"], drill_type=violence, dates=[day], actor=setup["staff"],
                             today=dt.date(2025, 9, 1))  # fmt: skip
    drill = Drill.objects.get(pk=drills[0].pk)
    assert drill.police_required and drill.liaison_notified_at is not None
    reminder = Reminder.objects.get(user=setup["liaison_user"])
    assert "2025-09-10" in reminder.message
    assert [m.to for m in mailoutbox] == [["liaison@example.org"]]


def test_plan_refuses_holidays_and_past_dates(setup, fire):
    with pytest.raises(ValidationError) as exc:
        drills_plan(school=setup["school"], drill_type=fire, dates=[dt.date(2025, 10, 2)], actor=setup["staff"],
                    today=dt.date(2025, 9, 1))  # fmt: skip
    assert "not a school day" in str(exc.value)
    with pytest.raises(ValidationError):
        drills_plan(school=setup["school"], drill_type=fire, dates=[dt.date(2025, 8, 1)], actor=setup["staff"],
                    today=dt.date(2025, 9, 1))  # fmt: skip
    assert not Drill.objects.exists()


def test_api_record_future_date_is_400(client, setup):
    client.force_login(setup["staff"])
    plain = _plain()
    response = client.post(
        reverse("drills_api:drill-list"),
        {"school": setup["school"].pk, "drill_type": plain.pk,
         "date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "future" in response.json()["detail"]
    _nothing_written()
