"""XLSX export of a term's roster: one long sheet of assignments and one of uncovered slots.

Written row by row into a write-only workbook (``common.xlsx.XlsxBook``): time and memory linear in
the shifts, and each row counted on the export's token, which stops the build when its client left.
The rows are read as plain values (no model instances: building 200,000 of them cost more than
writing the file), the shifts in batches and each batch's assignments in one query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import islice
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import PatternFill

from campus.models import Term
from common.xlsx import XlsxBook
from patrol.models import DutyAssignment, DutyRole, DutyShift, WindowKind
from patrol.roster.selectors import missing_from_counts

_UNCOVERED_FILL = PatternFill("solid", fgColor="FFE0E0")
_WIDTHS = (12, 8, 12, 7, 7, 24, 14, 14, 14, 14, 15, 12, 10)
_DATE_FORMAT = {0: "yyyy-mm-dd"}
BATCH_SHIFTS = 2000
_SHIFT_FIELDS = ("pk", "date", "kind", "start", "end", "requirements", "post__gate__school__name",
                 "post__gate__name", "post__name")  # fmt: skip


def _batches(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def roster_xlsx(
    *, term: Term, shifts: QuerySet[DutyShift], token=None, counted_from: dt.date | None = None
) -> bytes | BinaryIO:
    """The workbook (``XlsxBook.content``: bytes, or an open temporary file when large). ``shifts``: the
    term's shifts the reader may see (already scoped and filtered).

    ``counted_from``: the roster's first counted day (``patrol.roster.counts``); empty places before it
    were never planned and are not listed as uncovered.

    ``token``: the export's ``ExportToken`` (``common.exports``); each row written is counted on it.
    """
    book = XlsxBook(token)
    sheet = book.sheet(
        _("Roster"),
        [_("Date"), _("Weekday"), _("Window"), _("Start"), _("End"), _("School"), _("Gate"), _("Post"),
         _("Role"), _("Name"), _("Phone"), _("Source"), _("Published")],
        widths=_WIDTHS, formats=_DATE_FORMAT, freeze=True,
    )  # fmt: skip
    gaps = book.sheet(
        _("Uncovered"),
        [_("Date"), _("Window"), _("Start"), _("End"), _("School"), _("Gate"), _("Post"), _("Role"), _("Missing")],
        widths=_WIDTHS, formats=_DATE_FORMAT, freeze=True,
    )  # fmt: skip
    rows = (
        shifts.filter(term=term)
        .order_by("start", "post__gate__school__name", "post__gate__name", "post__name", "pk")
        .values_list(*_SHIFT_FIELDS)
    )
    role_labels = {value: str(label) for value, label in DutyRole.choices}
    window_labels = {value: str(label) for value, label in WindowKind.choices}
    source_labels = {value: str(label) for value, label in DutyAssignment.Source.choices}
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    yes, no = _("yes"), _("no")
    zone = timezone.get_current_timezone()
    for batch in _batches(rows.iterator(chunk_size=BATCH_SHIFTS), BATCH_SHIFTS):
        people = defaultdict(list)
        for shift_id, role, name, phone, source, published in (
            DutyAssignment.objects.filter(shift_id__in=[row[0] for row in batch])
            .order_by("shift_id", "role", "staff__name", "pk")
            .values_list("shift_id", "role", "staff__name", "staff__phone", "source", "published")
        ):
            people[shift_id].append((role, name, phone, source, published))
        for shift_id, date, kind, start_at, end_at, requirements, school, gate, post in batch:
            start = start_at.astimezone(zone).strftime("%H:%M")
            end = end_at.astimezone(zone).strftime("%H:%M")
            window = window_labels.get(kind, kind)
            filled: dict[str, int] = defaultdict(int)
            for role, name, phone, source, published in people.get(shift_id, ()):
                filled[role] += 1
                sheet.append(
                    [date, weekdays[date.weekday()], window, start, end, school, gate, post,
                     role_labels.get(role, role), name, phone, source_labels.get(source, source),
                     yes if published else no]
                )  # fmt: skip
            if counted_from is not None and date < counted_from:
                continue
            needs = {role: int(count or 0) for role, count in (requirements or {}).items()}
            for role, count in missing_from_counts(needs, filled).items():
                gaps.append(
                    [date, window, start, end, school, gate, post, role_labels.get(role, role), count],
                    fill=_UNCOVERED_FILL,
                )
    return book.content()
