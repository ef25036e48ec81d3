"""XLSX export of a term's roster: one long sheet of assignments and one of uncovered slots.

Written row by row into a write-only workbook (``common.xlsx.XlsxBook``): time and memory linear in
the shifts, and each row counted on the export's token, which stops the build when its client left.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import PatternFill

from campus.models import Term
from common.xlsx import XlsxBook
from patrol.models import DutyAssignment, DutyRole, DutyShift
from patrol.roster.selectors import missing_roles

_UNCOVERED_FILL = PatternFill("solid", fgColor="FFE0E0")
_WIDTHS = (12, 8, 12, 7, 7, 24, 14, 14, 14, 14, 15, 12, 10)
_DATE_FORMAT = {0: "yyyy-mm-dd"}


def roster_xlsx(*, term: Term, shifts: QuerySet[DutyShift], token=None) -> bytes:
    """The workbook's bytes. ``shifts``: the term's shifts the reader may see (already scoped and filtered).

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
    qs = (
        shifts.filter(term=term)
        .select_related("post__gate__school")
        .prefetch_related(
            Prefetch(
                "assignments", queryset=DutyAssignment.objects.select_related("staff").order_by("role", "staff__name")
            )
        )
        .order_by("start", "post__gate__school__name", "post__gate__name", "post__name")
    )
    role_labels = {value: str(label) for value, label in DutyRole.choices}
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    yes, no = _("yes"), _("no")
    for shift in qs.iterator(chunk_size=2000):
        gate = shift.post.gate
        start = timezone.localtime(shift.start).strftime("%H:%M")
        end = timezone.localtime(shift.end).strftime("%H:%M")
        window = shift.get_kind_display()
        place = [gate.school.name, gate.name, shift.post.name]
        assignments = list(shift.assignments.all())
        for a in assignments:
            sheet.append(
                [shift.date, weekdays[shift.date.weekday()], window, start, end, *place,
                 role_labels.get(a.role, a.role), a.staff.name, a.staff.phone, a.get_source_display(),
                 yes if a.published else no]
            )  # fmt: skip
        for role, count in missing_roles(shift.requirements, assignments).items():
            gaps.append(
                [shift.date, window, start, end, *place, role_labels.get(role, role), count], fill=_UNCOVERED_FILL
            )
    return book.content()
