"""One filter set per incident list, shared by the list's page and its API.

Each list declares its query parameters once, with the rule for each: the handling inbox
(``InboxFilterSet``: status or ``open``, severity, station, school, overdue, escalated; a value it does not
know filters nothing) and the incident reports (``ReportFilterSet``: comma-separated statuses, school,
category, severity, reported from/to as local dates, mine; a bad value is a 400 naming the parameter in
the API, and filters nothing on a page). The page and the API of a list build the same filter set from
their query dict, and the API's OpenAPI parameters come from the same declaration. django-filter is not a
dependency: these classes have its shape (``FilterSet(params, queryset).qs``) and nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError as ApiValidationError

from incidents.models import Incident, IncidentCategory, IncidentStatus, Severity
from incidents.selectors import OPEN_STATUSES, overdue_q

TRUE_VALUES = ("1", "true", "on")


@dataclass(frozen=True)
class Parameter:
    """One query parameter of a list: its name, its OpenAPI type and description."""

    name: str
    type: Any = str
    description: str = ""


class BadFilter(Exception):
    """A ``filter_*`` method refuses its value (a signal inside the filter set; it never leaves it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FilterSet:
    """Applies ``filter_<name>(qs, value)`` for each declared parameter (in ``order`` if given) to ``queryset``.

    A ``filter_*`` method raises ``BadFilter`` for a value it refuses: with ``strict`` (the API) that is a
    DRF ``ValidationError`` ``{name: [message]}`` (a 400), without it (a page) the parameter filters nothing.
    """

    parameters: ClassVar[tuple[Parameter, ...]] = ()
    order: ClassVar[tuple[str, ...]] = ()  # the order filters apply in (so which bad value is reported first)

    def __init__(self, params, queryset: QuerySet, *, strict: bool = False, only: tuple[str, ...] | None = None):
        self.params = params
        self.queryset = queryset
        self.strict = strict
        self.only = only

    def value(self, name: str) -> str:
        return str(self.params.get(name, "") or "")

    @property
    def values(self) -> dict[str, str]:
        """The parameters as sent (empty when absent), for a page's filter form."""
        return {p.name: self.params.get(p.name, "") for p in self.parameters}

    @property
    def qs(self) -> QuerySet:
        qs = self.queryset
        for name in self.order or [p.name for p in self.parameters]:
            if self.only is not None and name not in self.only:
                continue
            try:
                qs = getattr(self, f"filter_{name}")(qs, self.value(name))
            except BadFilter as exc:
                if self.strict:
                    raise ApiValidationError({name: [exc.message]}) from None
        return qs

    @classmethod
    def openapi_parameters(cls) -> list[OpenApiParameter]:
        return [OpenApiParameter(p.name, p.type, description=p.description) for p in cls.parameters]


class InboxFilterSet(FilterSet):
    """The handling inbox (page and API). Overdue is judged at ``now`` (default: the current time)."""

    parameters = (
        Parameter("status", str, "A status, or 'open'."),
        Parameter("severity", str),
        Parameter("station", int),
        Parameter("school", int),
        Parameter("overdue", bool),
        Parameter("escalated", bool),
    )

    def __init__(self, params, queryset: QuerySet[Incident], *, now: dt.datetime | None = None, **options):
        super().__init__(params, queryset, **options)
        self.now = now

    def filter_status(self, qs, value: str):
        if value == "open":
            return qs.filter(status__in=OPEN_STATUSES)
        if value in IncidentStatus.values:
            return qs.filter(status=value)
        return qs

    def filter_severity(self, qs, value: str):
        return qs.filter(severity=value) if value in Severity.values else qs

    def filter_station(self, qs, value: str):
        return qs.filter(station_id=int(value)) if value.isdigit() else qs

    def filter_school(self, qs, value: str):
        return qs.filter(school_id=int(value)) if value.isdigit() else qs

    def filter_overdue(self, qs, value: str):
        if value not in TRUE_VALUES:
            return qs
        ack, resolve = overdue_q(self.now or timezone.now())
        return qs.filter(ack | resolve)

    def filter_escalated(self, qs, value: str):
        return qs.filter(escalation__gt=Incident.Escalation.NONE) if value in TRUE_VALUES else qs


def _date(value: str) -> dt.date:
    day = parse_date(value)
    if day is None:
        raise BadFilter(_("Give a date as YYYY-MM-DD."))
    return day


class ReportFilterSet(FilterSet):
    """The incident reports (the reports API; the page of one's own reports). ``mine`` needs ``user``."""

    parameters = (
        Parameter("status", str, "one or more statuses, comma-separated"),
        Parameter("school", int),
        Parameter("category", str),
        Parameter("severity", str),
        Parameter("from", dt.date, "reported on or after (local date)"),
        Parameter("to", dt.date, "reported on or before (local date)"),
        Parameter("mine", bool, "only reports I made"),
    )
    order = ("status", "category", "severity", "school", "from", "to", "mine")

    def __init__(self, params, queryset: QuerySet[Incident], *, user=None, **options):
        super().__init__(params, queryset, **options)
        self.user = user

    def filter_status(self, qs, value: str):
        if not value:
            return qs
        wanted = [s for s in value.split(",") if s]
        bad = [s for s in wanted if s not in IncidentStatus.values]
        if bad:
            raise BadFilter(_("Unknown status: %(s)s.") % {"s": ", ".join(bad)})
        return qs.filter(status__in=wanted)

    def filter_school(self, qs, value: str):
        if not value:
            return qs
        if not value.isdigit():
            raise BadFilter(_("Give the school's id."))
        return qs.filter(school_id=int(value))

    def filter_category(self, qs, value: str):
        if not value:
            return qs
        if value not in IncidentCategory.values:
            raise BadFilter(_("Unknown category: %(s)s.") % {"s": value})
        return qs.filter(category=value)

    def filter_severity(self, qs, value: str):
        return qs.filter(severity=value) if value else qs

    def filter_from(self, qs, value: str):
        return qs.filter(created_at__date__gte=_date(value)) if value else qs

    def filter_to(self, qs, value: str):
        return qs.filter(created_at__date__lte=_date(value)) if value else qs

    def filter_mine(self, qs, value: str):
        return qs.filter(reporter=self.user) if value in ("1", "true") else qs
