"""Reminders before drills fall due and for overdue corrective actions, on the users' pages and by e-mail.

Each reminder has a unique key, so running ``drill_reminders_due`` again (``manage.py send_drill_reminders``
from cron, daily) creates and mails nothing twice. E-mail goes out only when ``EMAIL_HOST`` is set and the
user has an address; the page notice is kept either way.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import LiaisonAssignment, School, SchoolStaff
from drills.compliance import Status, compliance_board
from drills.models import CorrectiveAction, Reminder
from drills.selectors import liaison_officer, school_staff_users, term_for_date
from notices.services import notice_send

logger = logging.getLogger(__name__)

SUBJECT = "[SchoolSafe] "


def email_enabled() -> bool:
    return bool(settings.EMAIL_HOST)


def reminder_send(*, key: str, user, message: str, now: dt.datetime | None = None) -> Reminder | None:
    """Store the reminder for ``user`` once (None when ``key`` was sent before) and e-mail it if configured."""
    if Reminder.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                key=key[:200], user=user, message=message[:500], sent_at=now or timezone.now()
            )
    except IntegrityError:  # sent by a concurrent run
        return None
    notice_send(users=[user], kind="drill_reminder", title=message[:300], dedupe_key=key[:200])  # the bell
    if email_enabled() and user is not None and user.email:
        # After commit: a rolled-back plan must not have mailed anybody.
        transaction.on_commit(lambda: _email(reminder.pk, user.email, message))
    return reminder


def _email(reminder_id: int, address: str, message: str) -> None:
    try:
        send_mail(SUBJECT + message[:80], message, settings.DEFAULT_FROM_EMAIL, [address])
    except OSError:
        logger.exception("could not e-mail reminder %s", reminder_id)
        return
    Reminder.objects.filter(pk=reminder_id).update(emailed=True)


def drill_reminders_due(*, today: dt.date | None = None) -> list[Reminder]:
    """Create (and e-mail) the reminders due on ``today``; returns those created now.

    - Drills due soon: a rule's period ends within ``DRILL_REMINDER_DAYS`` and is not met. To the school's
      safety staff, and to the liaison officer's user when police must take part.
    - Corrective actions open after their due date: to the school's safety staff.
    """
    today = today or timezone.localdate()
    created: list[Reminder] = []
    term = term_for_date(today)
    if term is not None:
        board = compliance_board(term=term, today=today, schools=School.objects.filter(active=True))
        staff_by_school: dict[int, list] = {}
        for staff in SchoolStaff.objects.filter(user__is_active=True).select_related("user"):
            staff_by_school.setdefault(staff.school_id, []).append(staff.user)
        liaisons = {
            a.school_id: a.officer
            for a in LiaisonAssignment.objects.filter(ended_at__isnull=True).select_related("officer__user")
        }
        for result in board.schools:
            school = result.school
            for item in result.items:
                if item.status != Status.DUE_SOON:
                    continue
                message = _(
                    "%(school)s: %(missing)d %(type)s drill(s) still to hold by %(end)s "
                    "(%(done)d of %(required)d done)."
                ) % {
                    "school": school.name,
                    "missing": item.missing,
                    "type": item.drill_type.name,
                    "end": item.period.end.isoformat(),
                    "done": item.done,
                    "required": item.required,
                }
                users = list(staff_by_school.get(school.pk, []))
                officer = liaisons.get(school.pk)
                if item.police_needed and officer is not None and officer.user is not None:
                    users.append(officer.user)
                for user in users:
                    key = f"drill-due:{school.pk}:{item.drill_type.pk}:{item.period.key}:{user.pk}"
                    reminder = reminder_send(key=key, user=user, message=message)
                    if reminder is not None:
                        created.append(reminder)
    overdue = CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN, due_date__lt=today).select_related(
        "drill__school", "drill__drill_type"
    )
    for action in overdue:
        school = action.drill.school
        message = _("%(school)s: corrective action “%(action)s” (owner %(owner)s) was due on %(due)s.") % {
            "school": school.name,
            "action": action.description,
            "owner": action.owner,
            "due": action.due_date.isoformat(),
        }
        for user in school_staff_users(school):
            reminder = reminder_send(key=f"action-overdue:{action.pk}:{user.pk}", user=user, message=message)
            if reminder is not None:
                created.append(reminder)
    return created


def liaison_notify_planned(*, drills: list, actor=None) -> list[Reminder]:
    """Tell the school's liaison officer about planned drills with police (page notice, e-mail if set)."""
    sent: list[Reminder] = []
    for drill in drills:
        if not drill.police_required:
            continue
        officer = liaison_officer(drill.school)
        if officer is None or officer.user is None:
            continue
        message = _("%(school)s plans a %(type)s drill with police on %(date)s; please take part.") % {
            "school": drill.school.name,
            "type": drill.drill_type.name,
            "date": drill.planned_date.isoformat(),
        }
        reminder = reminder_send(key=f"drill-planned:{drill.pk}:{officer.user.pk}", user=officer.user, message=message)
        if reminder is not None:
            sent.append(reminder)
            type(drill).objects.filter(pk=drill.pk).update(liaison_notified_at=reminder.sent_at)
            drill.liaison_notified_at = reminder.sent_at
    return sent
