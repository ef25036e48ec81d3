"""The school page's section on emergency plans and police-school activities.

Registered with ``common.sections`` in ``DrillsConfig.ready()``: campus renders it without knowing drills.
"""

from __future__ import annotations

from common.roles import Capability, can
from drills import activities
from drills.plans import services as plans

RECENT_ACTIVITIES = 5
RECENT_VISITS = 5


def school_safety(*, user, school) -> dict | None:
    """What the school page shows about plans and activities, or None when the user may not see it.

    Plans summary (current version per scenario, review date, scenarios missing), the current liaison
    officer's visits, and the latest activities. School staff see only their own school.
    """
    if not can(user, Capability.VIEW_DRILLS):
        return None
    if not plans.drill_schools_visible(user).filter(pk=school.pk).exists():
        return None
    board = plans.plan_board(user=user, school=school)
    entry = board.schools[0] if board.schools else plans.SchoolPlans(school=school)
    return {
        "plans": entry,
        "visits": list(activities.liaison_visits(school)[:RECENT_VISITS]),
        "liaison": activities.liaison_officer(school),
        "recent": list(
            activities.activities_visible(user).filter(school=school).order_by("-date", "-id")[:RECENT_ACTIVITIES]
        ),
        "can_record_plans": plans.recordable_schools(user).filter(pk=school.pk).exists(),
        "can_record_activities": can(user, Capability.RECORD_ACTIVITIES),
    }
