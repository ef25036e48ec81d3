"""一校一警 assignments (CSV, XLSX): each row goes through ``campus.services.check_liaison_assign``.

Rows are checked in file order against the database as the rows before them
left it, so the limit of schools per officer counts the file's own
assignments: each accepted row is written at once, inside the import's
transaction, which the import rolls back on a dry run or when any row failed.
A row naming the school's current liaison changes nothing. A rule the service
refuses becomes a problem of that row.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campus.import_kinds import RegistryKind
from campus.import_kinds.units import SHEETS
from campus.models import LiaisonAssignment, Officer, School
from campus.services import LiaisonError, check_liaison_assign, do_liaison_assign
from common.errors import NotAllowed
from common.roles import Capability, can
from common.texts import text
from imports.columns import Checker, Column, Sheet, chunked
from imports.kind import ImportContext, ImportKind, Plan, max_length
from imports.report import Action, RowAction


class LiaisonsImport(ImportKind):
    kind = RegistryKind.LIAISONS
    formats = SHEETS
    columns = (
        Column("school_code", "学校代码", required=True),
        Column("badge_no", "警号", required=True),
        Column("reason", "原因"),
        Column("override_reason", "越权原因"),
    )

    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        if not ctx.system and not can(ctx.user, Capability.ASSIGN_LIAISON):
            raise NotAllowed(_("You may not assign liaison officers."))
        c = checker
        school_code = c.text("school_code", required=True)
        badge = c.text("badge_no", required=True)
        reason = c.text("reason", max_length=max_length(LiaisonAssignment, "reason"))
        override = c.text("override_reason", max_length=max_length(LiaisonAssignment, "override_reason"))
        c.duplicates(school_code, "school_code", what=text(gettext_noop("School")))
        schools: dict[str, School] = {}
        for batch in chunked({code for code in school_code if code}):
            schools.update(
                {s.code: s for s in School.objects.filter(code__in=batch).select_related("responsible_station")}
            )
        officers: dict[str, Officer] = {}
        for batch in chunked({b for b in badge if b}):
            officers.update(
                {
                    o.badge_no: o
                    for o in Officer.objects.filter(badge_no__in=batch).select_related("station", "department")
                }
            )
        c.lookup("school_code", school_code, schools, message=gettext_noop("There is no school with code “%(value)s”."))
        c.lookup(
            "badge_no", badge, officers, message=gettext_noop("There is no officer with badge number “%(value)s”.")
        )

        now = timezone.now()
        rows: list[RowAction] = []
        for index in range(len(sheet)):
            row = int(sheet.rows[index])
            key = f"{school_code.iat[index]} ← {badge.iat[index]}"
            if c.bad[index]:
                rows.append(RowAction(row, key, Action.INVALID))
                continue
            school, officer = schools[school_code.iat[index]], officers[badge.iat[index]]
            why = reason.iat[index] if reason is not None else ""
            override_reason = override.iat[index] if override is not None else ""
            try:
                overridden = check_liaison_assign(
                    school=school, officer=officer, actor=ctx.rules_actor, override_reason=override_reason
                )
            except LiaisonError as exc:
                if exc.code == "already_assigned":
                    rows.append(RowAction(row, key, Action.UNCHANGED))
                elif exc.code == "school_inactive":
                    c.error(index, "school_code", exc.message, school_code.iat[index])
                else:
                    c.error(index, "badge_no", exc.message, badge.iat[index])
                    rows.append(RowAction(row, key, Action.INVALID))
                continue
            except NotAllowed as exc:
                column = "override_reason" if exc.code == "override_not_allowed" else "badge_no"
                c.error(index, column, exc.message, override_reason or badge.iat[index])
                rows.append(RowAction(row, key, Action.INVALID))
                continue
            replaced = LiaisonAssignment.objects.filter(school=school, ended_at__isnull=True).exists()
            do_liaison_assign(
                school=school,
                officer=officer,
                actor=ctx.user or ctx.rules_actor,
                at=now,
                reason=why,
                override_reason=override_reason.strip() if overridden else "",
            )
            rows.append(RowAction(row, key, Action.UPDATE if replaced else Action.CREATE, ("officer",)))
        return Plan(c.problems, rows)

    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        # ``validate`` already wrote each accepted row; the import keeps them by not rolling back.
        return {}
