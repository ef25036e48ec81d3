"""Reminders before drills fall due, for overdue corrective actions and for emergency plans due for review,
on the users' pages, in their notices and by e-mail.

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
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campus.models import LiaisonAssignment, School, SchoolStaff
from drills.compliance import Status, compliance_board
from drills.models import CorrectiveAction, EmergencyPlan, EmergencyPlanVersion, Reminder
from drills.plans.services import REVIEW_DUE_SOON, REVIEW_OVERDUE, review_status
from drills.selectors import liaison_officer, school_staff_users, term_for_date
from notices.services import notice_send

logger = logging.getLogger(__name__)

SUBJECT = "[SchoolSafe] "
# Message ids: the notice keeps them with their parameters and shows them in its reader's language (the
# page's reminder list and the e-mail keep the text as sent).
DRILL_DUE = gettext_noop(
    "%(school)s: %(missing)d %(type)s drill(s) still to hold by %(end)s (%(done)d of %(required)d done)."
)
ACTION_OVERDUE = gettext_noop("%(school)s: corrective action “%(action)s” (owner %(owner)s) was due on %(due)s.")


def email_enabled() -> bool:
    return bool(settings.EMAIL_HOST)


def reminder_send(
    *,
    key: str,
    user,
    message: str,
    now: dt.datetime | None = None,
    kind: str = "drill_reminder",
    title: str = "",
    params: dict | None = None,
) -> Reminder | None:
    """Store the reminder for ``user`` once (None when ``key`` was sent before) and e-mail it if configured.

    The notice (``kind``) shows ``title`` filled with ``params`` in the reader's language when a message id
    is given (``gettext_noop``), else ``message`` as it was written."""
    if Reminder.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                key=key[:200], user=user, message=message[:500], sent_at=now or timezone.now()
            )
    except IntegrityError:  # sent by a concurrent run
        return None
    notice_send(  # the bell
        users=[user], kind=kind, title=title or message[:300], params=params if title else None, dedupe_key=key[:200]
    )
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
    - Emergency plans due for review (``plan_reminders_due``): to the school's safety staff and liaison officer.
    """
    today = today or timezone.localdate()
    created: list[Reminder] = []
    term = term_for_date(today)
    staff_by_school = staff_by_school_users()
    if term is not None:
        board = compliance_board(term=term, today=today, schools=School.objects.filter(active=True))
        liaisons = {
            a.school_id: a.officer
            for a in LiaisonAssignment.objects.filter(ended_at__isnull=True).select_related("officer__user")
        }
        for result in board.schools:
            school = result.school
            for item in result.items:
                if item.status != Status.DUE_SOON:
                    continue
                params = {
                    "school": school.name,
                    "missing": item.missing,
                    "type": item.drill_type.name,
                    "end": item.period.end.isoformat(),
                    "done": item.done,
                    "required": item.required,
                }
                message = _(DRILL_DUE) % params
                users = list(staff_by_school.get(school.pk, []))
                officer = liaisons.get(school.pk)
                if item.police_needed and officer is not None and officer.user is not None:
                    users.append(officer.user)
                for user in users:
                    key = f"drill-due:{school.pk}:{item.drill_type.pk}:{item.period.key}:{user.pk}"
                    reminder = reminder_send(key=key, user=user, message=message, title=DRILL_DUE, params=params)
                    if reminder is not None:
                        created.append(reminder)
    overdue = CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN, due_date__lt=today).select_related(
        "drill__school", "drill__drill_type"
    )
    for action in overdue:
        school = action.drill.school
        params = {
            "school": school.name,
            "action": action.description,
            "owner": action.owner,
            "due": action.due_date.isoformat(),
        }
        message = _(ACTION_OVERDUE) % params
        for user in school_staff_users(school):
            reminder = reminder_send(
                key=f"action-overdue:{action.pk}:{user.pk}",
                user=user,
                message=message,
                title=ACTION_OVERDUE,
                params=params,
            )
            if reminder is not None:
                created.append(reminder)
    created.extend(plan_reminders_due(today=today, staff_by_school=staff_by_school))
    return created


PLAN_REVIEW_DUE = gettext_noop("%(school)s: the emergency plan “%(plan)s” is due for review by %(due)s.")
PLAN_REVIEW_OVERDUE = gettext_noop("%(school)s: the emergency plan “%(plan)s” was due for review on %(due)s.")


def staff_by_school_users() -> dict[int, list]:
    """School id -> the active user accounts of its safety staff."""
    by_school: dict[int, list] = {}
    for staff in SchoolStaff.objects.filter(user__is_active=True).select_related("user").order_by("user_id"):
        by_school.setdefault(staff.school_id, []).append(staff.user)
    return by_school


def plan_reminders_due(*, today: dt.date, staff_by_school: dict[int, list] | None = None) -> list[Reminder]:
    """Remind of the active schools' emergency plans whose current version is due for review within
    ``DRILL_REMINDER_DAYS`` or overdue: the school's safety staff and its liaison officer, once per plan
    and review date (a new version with a new review date starts a new period)."""
    staff_by_school = staff_by_school if staff_by_school is not None else staff_by_school_users()
    liaison_users = {
        a.school_id: a.officer.user
        for a in LiaisonAssignment.objects.filter(ended_at__isnull=True, officer__user__is_active=True).select_related(
            "officer__user"
        )
    }
    plans = (
        EmergencyPlan.objects.filter(school__active=True)
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=EmergencyPlanVersion.objects.order_by("-version").only(
                    "id", "plan_id", "version", "review_due"
                ),
                to_attr="version_list",
            )
        )
        .order_by("school__code", "id")
    )
    created: list[Reminder] = []
    for plan in plans:
        if not plan.version_list:
            continue
        due = plan.version_list[0].review_due
        status = review_status(due, today=today)
        if status not in (REVIEW_DUE_SOON, REVIEW_OVERDUE):
            continue
        title = PLAN_REVIEW_OVERDUE if status == REVIEW_OVERDUE else PLAN_REVIEW_DUE
        params = {"school": plan.school.name, "plan": plan.title, "due": due.isoformat()}
        users = list(staff_by_school.get(plan.school_id, []))
        if liaison_users.get(plan.school_id) is not None:
            users.append(liaison_users[plan.school_id])
        for user in users:
            reminder = reminder_send(
                key=f"plan-review:{plan.pk}:{due.isoformat()}:{user.pk}",
                user=user,
                message=_(title) % params,
                kind="plan_reminder",
                title=title,
                params=params,
            )
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
