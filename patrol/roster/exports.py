"""XLSX export of a term's roster: one long sheet of assignments and one of uncovered slots."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from common.xlsx import xlsx_bytes
from patrol.models import DutyAssignment, DutyShift, Term
from patrol.roster.selectors import missing_roles

_UNCOVERED_FILL = PatternFill("solid", fgColor="FFE0E0")


def roster_xlsx(*, term: Term, shifts: QuerySet[DutyShift]) -> bytes:
    """The workbook's bytes. ``shifts``: the term's shifts the reader may see (already scoped and filtered)."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = _("Roster")[:31]
    headers = [
        _("Date"),
        _("Weekday"),
        _("Window"),
        _("Start"),
        _("End"),
        _("School"),
        _("Gate"),
        _("Post"),
        _("Role"),
        _("Name"),
        _("Phone"),
        _("Source"),
        _("Published"),
    ]
    sheet.append(headers)
    gaps = wb.create_sheet(_("Uncovered")[:31])
    gaps.append(
        [_("Date"), _("Window"), _("Start"), _("End"), _("School"), _("Gate"), _("Post"), _("Role"), _("Missing")]
    )
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
    for shift in qs.iterator(chunk_size=2000):
        gate = shift.post.gate
        start = timezone.localtime(shift.start)
        end = timezone.localtime(shift.end)
        common = [shift.date, _weekday(shift.date.weekday()), shift.get_kind_display()]
        place = [gate.school.name, gate.name, shift.post.name]
        assignments = list(shift.assignments.all())
        for a in assignments:
            sheet.append(
                [
                    *common,
                    start.strftime("%H:%M"),
                    end.strftime("%H:%M"),
                    *place,
                    a.get_role_display(),
                    a.staff.name,
                    a.staff.phone,
                    a.get_source_display(),
                    _("yes") if a.published else _("no"),
                ]
            )
        for role, count in missing_roles(shift.requirements, assignments).items():
            gaps.append(
                [
                    shift.date,
                    shift.get_kind_display(),
                    start.strftime("%H:%M"),
                    end.strftime("%H:%M"),
                    *place,
                    str(DutyAssignment(role=role).get_role_display()),
                    count,
                ]
            )
            for cell in gaps[gaps.max_row]:
                cell.fill = _UNCOVERED_FILL
    for page in wb.worksheets:
        for cell in page[1]:
            cell.font = Font(bold=True)
        page.freeze_panes = "A2"
        for row in page.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
        for column, width in zip("ABCDEFGHIJKLM", (12, 8, 12, 7, 7, 24, 14, 14, 14, 14, 15, 12, 10), strict=True):
            page.column_dimensions[column].width = width
    return xlsx_bytes(wb)


def _weekday(index: int) -> str:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")][index]
