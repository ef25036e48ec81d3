"""Roster counts that mean what they say: places before the roster began are not "uncovered".

A place is counted (filled or uncovered) from the roster's *counted-from* day on: the first day its first
generation planned that was not already past (``counted_from_for_generation``, kept in the report across
re-plans). Before that nobody was planned, so an empty place there is history, not a gap. A term without
a roster counts from today: the past of an unplanned term is no one's gap either.

A roster marked published with uncovered places is "published, N places uncovered", never plain green
(``publish_state``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from campus.models import Term
from patrol.models import DutyAssignment, DutyShift, Roster
from patrol.roster.selectors import Coverage, assignments_visible, shifts_visible

COUNTED_FROM_KEY = "counted_from"


def counted_from_for_generation(*, previous: dict, from_date: dt.date, today: dt.date) -> dt.date:
    """The counted-from day to store with a new report: the earliest day any generation planned that was
    not in the past when it ran (``previous``: the last report, whatever its engine)."""
    planned_from = max(from_date, today)
    stored = (previous or {}).get(COUNTED_FROM_KEY)
    if stored:
        try:
            return min(dt.date.fromisoformat(stored), planned_from)
        except ValueError:
            pass
    return planned_from


def roster_counted_from(term: Term, *, today: dt.date | None = None) -> dt.date:
    """The first day whose places count for ``term``: from its report, or for an older report the later of
    its first planned day and its generation day; with no roster, today. Within the term's dates."""
    today = today or timezone.localdate()
    row = (
        Roster.objects.filter(term=term)
        .values("generated_at", f"report__{COUNTED_FROM_KEY}", "report__from_date")
        .first()
    )
    day = today
    if row is not None and row["generated_at"] is not None:
        stored = row[f"report__{COUNTED_FROM_KEY}"] or row["report__from_date"]
        generated = timezone.localdate(row["generated_at"])
        try:
            day = dt.date.fromisoformat(stored) if stored else generated
        except (TypeError, ValueError):
            day = generated
        if not row[f"report__{COUNTED_FROM_KEY}"]:
            day = max(day, generated)
    return min(max(day, term.start_date), term.end_date + dt.timedelta(days=1))


@dataclass
class RosterCoverage:
    """The term's places split at ``counted_from``: ``counted`` (filled and uncovered mean what they say)
    and ``before`` (places before the roster began: neither filled by plan nor a gap)."""

    counted_from: dt.date
    counted: Coverage = field(default_factory=Coverage)
    before: Coverage = field(default_factory=Coverage)

    @property
    def uncovered(self) -> int:
        return self.counted.uncovered

    @property
    def unpublished(self) -> int:
        return self.counted.unpublished + self.before.unpublished


def roster_coverage(term: Term, *, user=None, today: dt.date | None = None) -> RosterCoverage:
    """``term_coverage`` split at the roster's counted-from day (scoped to ``user`` when given)."""
    from patrol.duty.staffing import term_places

    counted_from = roster_counted_from(term, today=today)
    shifts = (shifts_visible(user) if user is not None else DutyShift.objects.all()).filter(term=term)
    assignments = (assignments_visible(user) if user is not None else DutyAssignment.objects.all()).filter(
        shift__term=term
    )
    return RosterCoverage(
        counted_from=counted_from,
        counted=Coverage(
            **term_places(shifts.filter(date__gte=counted_from), assignments.filter(shift__date__gte=counted_from))
        ),
        before=Coverage(
            **term_places(shifts.filter(date__lt=counted_from), assignments.filter(shift__date__lt=counted_from))
        ),
    )


@dataclass(frozen=True)
class PublishState:
    """What a status badge says: ``label`` and ``level`` (ok, warn, bad, or "" for a draft)."""

    key: str  # not_generated, draft, published, published_gaps
    level: str
    uncovered: int


def publish_state(roster: Roster | None, coverage: RosterCoverage) -> PublishState:
    """Published and nothing uncovered is ok (green); published with gaps is a warning that says how many."""
    if roster is None:
        return PublishState("not_generated", "", coverage.uncovered)
    if roster.status != Roster.Status.PUBLISHED:
        return PublishState("draft", "", coverage.uncovered)
    if coverage.uncovered:
        return PublishState("published_gaps", "warn", coverage.uncovered)
    return PublishState("published", "ok", 0)
