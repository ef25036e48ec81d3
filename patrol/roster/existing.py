"""Which of a roster's existing assignments still hold when it is generated again (re-planning).

Pinned assignments (hand edits) are checked first, then the unpinned ones, each against qualification,
leave, the shift's requirement, overlap and travel with what is already kept, and the daily and weekly
limits. Pinned ones that no longer hold are released with a reason (``RELEASE_TEXT``) for the report.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from patrol.roster.greedy import Ledger
from patrol.roster.problem import Problem


def existing_check(
    problem: Problem,
) -> tuple[dict[tuple[int, str], list[int]], dict[tuple[int, str], list[int]], list[dict]]:
    """Which existing assignments still hold: ``(pinned kept, unpinned still valid, pinned released)``.

    Pinned ones are checked first (so a hand edit wins over a generated duty), each against
    qualification, leave, the requirement, overlap and travel with what is already kept, and the limits.
    """
    fixed: dict[tuple[int, str], list[int]] = defaultdict(list)
    keep: dict[tuple[int, str], list[int]] = defaultdict(list)
    released: list[dict] = []
    ledger = Ledger(problem)
    ordered = sorted(
        problem.existing,
        key=lambda e: (
            not e.pinned,
            problem.shift_by_id[e.shift_id].start_s if e.shift_id in problem.shift_by_id else 0,
        ),
    )
    for item in ordered:
        shift = problem.shift_by_id.get(item.shift_id)
        person = problem.staff_by_id.get(item.staff_id)
        why: str | None
        if shift is None:
            continue
        if person is None:
            why = "staff_inactive"
        elif shift.requirements.get(item.role, 0) <= len(fixed[(shift.id, item.role)]) + len(
            keep[(shift.id, item.role)]
        ):
            why = "not_required"
        elif not problem.qualified(person, shift, item.role):
            why = "not_qualified"
        else:
            why = ledger.blocked(person.id, shift)
        if why is None:
            ledger.add(item.staff_id, shift)
            (fixed if item.pinned else keep)[(shift.id, item.role)].append(item.staff_id)
        elif item.pinned:
            released.append(
                {
                    "assignment_id": item.id,
                    "shift_id": shift.id,
                    "staff_id": item.staff_id,
                    "staff": person.name if person else "",
                    "role": item.role,
                    "school": shift.school_name,
                    "gate": shift.gate_name,
                    "post": shift.post_name,
                    "date": shift.date.isoformat(),
                    "window": shift.window,
                    "reason": why,
                    "reason_text": RELEASE_TEXT().get(why, why),
                }
            )
    return dict(fixed), dict(keep), released


def RELEASE_TEXT() -> dict[str, str]:  # noqa: N802 - a table, translated when called
    return {
        "staff_inactive": _("the person is no longer active"),
        "not_required": _("the shift no longer needs this role (or already has enough pinned people)"),
        "not_qualified": _("the person is not qualified for this post any more"),
        "leave": _("the person is on leave or another duty"),
        "overlap": _("the person has another pinned duty at the same time"),
        "travel": _("the person cannot reach the post in time from another pinned duty"),
        "day_limit": _("the person's daily limit of duties is reached"),
        "week_limit": _("the person's weekly limit of duties is reached"),
    }
