"""Places and gaps of duty shifts counted by the database, from each shift's staffing (``requirements``)
and the people assigned to it.

Below the board (``patrol.duty.selectors``), the statistics and the roster's term coverage
(``patrol.roster.selectors.term_coverage``): it reads only the models, so either may import it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, Func, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from patrol.models import DutyAssignment, DutyRole, DutyShift


class _JsonInt(Func):
    """``field[key]`` of a JSON object column as an integer, NULL when absent.

    For staffing (``requirements``), whose values are whole numbers (``clean_requirements``): on SQLite a
    plain ``JSON_EXTRACT`` is a third of ``KT``'s cost, which checks for JSON types never stored here.
    """

    output_field = IntegerField()

    def __init__(self, field: str, key: str) -> None:
        super().__init__(F(field))
        self.key = key

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({sql}, %s)", (*params, f'$."{self.key}"')

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: jsonb
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql} ->> %s)::integer)", (*params, self.key)


def shifts_with_staffing(shifts: QuerySet[DutyShift]) -> QuerySet[DutyShift]:
    """``shifts`` one row each (grouped over one join to their assignments), annotated per role with
    ``needed_<role>`` (places the staffing asks for) and ``filled_<role>`` (people assigned)."""
    return shifts.order_by().annotate(
        **{f"needed_{role}": Coalesce(_JsonInt("requirements", role), Value(0)) for role in DutyRole.values},
        **{f"filled_{role}": Count("assignments", filter=Q(assignments__role=role)) for role in DutyRole.values},
    )


def staffing_places() -> tuple[Any, Any]:
    """(places, uncovered places) of a row of ``shifts_with_staffing``, as expressions.

    Uncovered is ``missing_roles`` in SQL, the roster's rule (``tests/patrol/test_dashboard_counts.py``
    holds the two together): per role the places not filled, except that police beyond the police places
    fill auxiliary ones.
    """
    needed = {role: F(f"needed_{role}") for role in DutyRole.values}
    filled = {role: F(f"filled_{role}") for role in DutyRole.values}
    spare_police = Greatest(filled[DutyRole.POLICE] - needed[DutyRole.POLICE], Value(0))
    uncovered = Greatest(needed[DutyRole.AUXILIARY] - filled[DutyRole.AUXILIARY] - spare_police, Value(0))
    places = needed[DutyRole.AUXILIARY]
    for role in DutyRole.values:
        if role != DutyRole.AUXILIARY:
            uncovered = uncovered + Greatest(needed[role] - filled[role], Value(0))
            places = places + needed[role]
    return places, uncovered


def places_count(shifts: QuerySet[DutyShift]) -> tuple[int, int]:
    """(places, uncovered places) over ``shifts`` in one query: the database sums ``staffing_places`` over
    the rows of ``shifts_with_staffing`` (as a subquery, so each shift's staffing is read once)."""
    places, uncovered = staffing_places()
    totals = shifts_with_staffing(shifts.select_related(None)).aggregate(places=Sum(places), uncovered=Sum(uncovered))
    return totals["places"] or 0, totals["uncovered"] or 0


def term_places(shifts: QuerySet[DutyShift], assignments: QuerySet[DutyAssignment]) -> dict[str, int]:
    """Over ``shifts``: ``shifts``; ``slots`` (places the staffing asks for); ``filled`` (per shift and
    role, the people assigned up to the places of that role); ``assignments`` and ``unpublished`` ones.
    ``assignments``: the assignments of ``shifts`` (the same filters through ``shift__``: a join is cheaper
    than ``shift__in`` a subquery of 84,400 ids).

    The roster's coverage count (``term_coverage``): unlike ``staffing_places``, a police officer beyond
    the police places is not counted in an auxiliary one. Two queries, neither grouping the shifts (a
    term of the county twice as large has 84,400): the places summed over the shifts; the people grouped
    by shift and role, where ``filled`` is everyone assigned less those beyond their role's places.
    """
    needed = sum((Coalesce(_JsonInt("requirements", role), Value(0)) for role in DutyRole.values), Value(0))
    places = shifts.select_related(None).order_by().aggregate(shifts=Count("pk"), slots=Sum(needed))
    role_places = Case(
        *(When(role=role, then=_JsonInt("shift__requirements", role)) for role in DutyRole.values), default=None
    )
    groups = (
        assignments.select_related(None)
        .order_by()
        .values("shift_id", "role")
        .annotate(
            n=Count("pk"),
            draft=Count("pk", filter=Q(published=False)),
            # the same for every row of a group: an aggregate, so the grouping is by shift and role alone
            places=Coalesce(Max(role_places), Value(0), output_field=IntegerField()),
        )
    )
    people = groups.aggregate(
        assignments=Sum("n"), unpublished=Sum("draft"), beyond=Sum(Greatest(F("n") - F("places"), Value(0)))
    )
    totals = {key: value or 0 for key, value in (places | people).items()}
    return {
        "shifts": totals["shifts"],
        "slots": totals["slots"],
        "filled": totals["assignments"] - totals["beyond"],
        "assignments": totals["assignments"],
        "unpublished": totals["unpublished"],
    }
