"""Who may see, write and issue the monthly reports: one rule, used by the menu, the views and the selectors.

- Readers hold ``Capability.ANALYZE_INCIDENTS`` (bureau administrators, patrol brigade schedulers,
  station officers, leadership). They see *issued* versions within their scope (``campus.scope``): the
  county's roles every report, a station officer (the station head included) their own station's report.
- Authors (``Capability.ISSUE_REPORTS``) draft, refresh, edit countermeasures, issue, and set the units'
  targets: the bureau administrator and the patrol brigade scheduler (the brigade watches coverage and
  rosters county-wide).
"""

from __future__ import annotations

from campus.scope import scope_of
from common.roles import Capability, can

READ_CAPABILITY = Capability.ANALYZE_INCIDENTS
AUTHOR_CAPABILITY = Capability.ISSUE_REPORTS


def may_see_reports(user) -> bool:
    return can(user, READ_CAPABILITY)


def may_author_reports(user) -> bool:
    """Draft, refresh, edit, issue; drafts are visible to authors only."""
    return can(user, READ_CAPABILITY) and can(user, AUTHOR_CAPABILITY)


def may_edit_targets(user) -> bool:
    return may_author_reports(user)


def sees_scope(user, station_id: int | None) -> bool:
    """Whether the report of the county (``None``) or of one station is within the user's scope."""
    if not may_see_reports(user):
        return False
    scope = scope_of(user)
    if scope.county:
        return True
    return station_id is not None and station_id in scope.station_ids
