"""Import services: the dry run, applying a previewed batch, and both at once for commands and the API.

Pages, the API and the ``import_<kind>`` commands call these. Web and API
callers pass their user, whose capabilities are checked; a management command
passes ``system=True`` (and optionally a user to record), which is trusted
like a bureau administrator. Every run reads and validates the whole file;
only a run without errors that is meant to apply writes anything, in one
transaction, with one ``import.apply`` audit entry.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.audit import audit_record
from common.errors import Conflict, DomainError, NotAllowed
from common.geo import Crs
from common.roles import can
from common.texts import text
from imports.columns import Checker, map_headers
from imports.limits import FileRefused, size_text
from imports.models import ImportBatch
from imports.readers import ReadError, read_table
from imports.registry import KINDS, ImportContext
from imports.report import Problem, Report


class ImportRejected(DomainError):
    """The upload cannot even be looked at (unknown kind or datum, too large)."""

    code = "import_rejected"


class FileTooLarge(ImportRejected):
    code = "file_too_large"
    http_status = 413


class ImportRefused(ImportRejected):
    """Reading stopped part-way: the file passes an ``IMPORT_MAX_*`` limit (413) or its zip is damaged (400).

    The code is the reader's (``import_limit``, ``archive_damaged``); ``details``
    holds the one problem with its row and column. Nothing is kept.
    """

    @classmethod
    def from_refusal(cls, exc: FileRefused, filename: str) -> ImportRefused:
        name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
        error = cls(
            _("%(file)s is refused: %(reason)s") % {"file": name, "reason": exc.problem.message},
            code=exc.code,
            details=[exc.problem.as_dict()],
        )
        error.http_status = exc.http_status
        return error


def _user(actor):
    """The actor as a user to record, or None (anonymous or the system)."""
    return actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None


def importable_kinds(actor, *, system: bool = False) -> list[str]:
    """The kinds ``actor`` may import: registry kinds need IMPORT_DATA, airspace and markets MANAGE_FLEET."""
    return [kind for kind, spec in KINDS.items() if system or can(actor, spec.capability)]


def check_import_allowed(*, actor, system: bool = False, kind: str | None = None) -> None:
    """The actor may import ``kind``, or (without a kind) at least one kind."""
    if system:
        return
    if kind is None:
        if not importable_kinds(actor):
            raise NotAllowed(_("You may not import registry data."))
        return
    spec = KINDS[str(kind)]
    if not can(actor, spec.capability):
        raise NotAllowed(spec.denied_message())


def check_upload_size(size_bytes: int) -> None:
    """Refuse files over ``settings.UPLOAD_MAX_BYTES`` before reading them."""
    limit = settings.UPLOAD_MAX_BYTES
    if size_bytes > limit:
        raise FileTooLarge(
            _("The file is %(size)s; files over %(limit)s are refused. Split it into smaller files.")
            % {"size": size_text(size_bytes), "limit": size_text(limit)}
        )


def _parse_choices(kind: str, crs: str) -> tuple[str, Crs]:
    kind = str(kind)  # a key, or an app's TextChoices member (whose hash is not its value's)
    if kind not in KINDS:
        raise ImportRejected(
            _("Unknown kind “%(kind)s”; use one of: %(kinds)s.") % {"kind": kind, "kinds": ", ".join(KINDS)},
            code="unknown_kind",
        ) from None
    try:
        crs = Crs(crs)
    except ValueError:
        raise ImportRejected(
            _("Unknown coordinate system “%(crs)s”; declare one of: %(crs_list)s.")
            % {"crs": crs, "crs_list": ", ".join(c.value for c in Crs)},
            code="unknown_crs",
        ) from None
    return kind, crs


def import_evaluate(*, kind: str, filename: str, content: bytes, ctx: ImportContext, apply: bool) -> Report:
    """Read and validate a whole file; when ``apply`` and there is no error, write it.

    Everything a kind does while validating runs in a savepoint that is rolled
    back unless the file is applied, so a dry run leaves the database as it was.
    Raises ``ImportRefused`` when reading stops at a limit or a damaged zip.
    """
    spec = KINDS[str(kind)]
    report = Report(kind=str(kind), crs=ctx.crs.value)
    if not content:
        report.problems.append(Problem(text(gettext_noop("The file is empty."))))
        return report
    try:
        table = read_table(content, filename, spec.formats)
    except ReadError as exc:
        report.problems.extend(exc.problems)
        return report
    except FileRefused as exc:
        raise ImportRefused.from_refusal(exc, filename) from None
    report.unit, report.file_format, report.encoding = table.unit, table.file_format.value, table.encoding
    sheet, header_problems = map_headers(table, spec.columns_for(table))
    checker = Checker(sheet)
    for problem in table.problems:
        if problem.row is not None:
            checker.bad[table.rows == problem.row] = True
    with transaction.atomic():
        plan = spec.validate(sheet, checker, ctx)
        report.problems = [*header_problems, *table.problems, *plan.problems]
        report.rows = plan.rows
        report.notes = dict(plan.notes)
        if apply and not report.has_errors:
            report.notes.update(spec.write(plan, ctx))
        else:
            transaction.set_rollback(True)
    return report


def _record(batch: ImportBatch, report: Report, status: ImportBatch.Status) -> None:
    counts = report.counts()
    batch.status = status
    batch.report = report.as_dict()
    batch.rows_total = counts["rows"]
    batch.created_count = counts["create"]
    batch.updated_count = counts["update"]
    batch.unchanged_count = counts["unchanged"]
    batch.error_count = counts["errors"]
    batch.warning_count = counts["warnings"]


def _audit_apply(batch: ImportBatch, user) -> None:
    audit_record(
        actor=user,
        action="import.apply",
        obj=batch,
        after={
            "kind": batch.kind,
            "crs": batch.crs,
            "filename": batch.filename,
            "sha256": batch.sha256,
            "rows": batch.rows_total,
            "created": batch.created_count,
            "updated": batch.updated_count,
            "unchanged": batch.unchanged_count,
            "warnings": batch.warning_count,
            **batch.report.get("notes", {}),
        },
        reason=batch.filename,
    )


def _new_batch(*, kind, crs, filename: str, content: bytes, user, is_sample: bool) -> ImportBatch:
    return ImportBatch(
        kind=kind,
        crs=crs,
        filename=PurePosixPath(filename.replace("\\", "/")).name[:255] or "upload",
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        content=content,
        is_sample=is_sample,
        uploaded_by=user,
    )


@transaction.atomic
def import_batch_preview(
    *,
    kind: str,
    crs: str,
    filename: str,
    content: bytes,
    actor=None,
    system: bool = False,
    is_sample: bool = False,
) -> ImportBatch:
    """Dry-run a file and keep it as a batch: ``previewed`` (ready to apply) or ``failed`` (has errors).

    ``is_sample`` marks every record the batch writes as sample data (the sample county loader).
    """
    check_import_allowed(actor=actor, system=system)
    kind, crs = _parse_choices(kind, crs)
    check_import_allowed(actor=actor, system=system, kind=kind)
    check_upload_size(len(content))
    user = _user(actor)
    ctx = ImportContext(crs=crs, user=user, system=system, is_sample=is_sample)
    report = import_evaluate(kind=kind, filename=filename, content=content, ctx=ctx, apply=False)
    batch = _new_batch(kind=kind, crs=crs, filename=filename, content=content, user=user, is_sample=is_sample)
    _record(batch, report, ImportBatch.Status.FAILED if report.has_errors else ImportBatch.Status.PREVIEWED)
    batch.save()
    return batch


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, actor=None, system: bool = False) -> ImportBatch:
    """Apply a previewed batch: validate the stored file again against today's data and write it all.

    If the data changed since the preview and the file now has errors, nothing
    is written and the batch becomes ``failed`` with the new report.
    """
    check_import_allowed(actor=actor, system=system)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    check_import_allowed(actor=actor, system=system, kind=batch.kind)
    if batch.status == ImportBatch.Status.APPLIED:
        raise Conflict(_("This file has already been applied."), code="already_applied")
    if not batch.can_apply:
        raise Conflict(
            _("This file has errors, so it cannot be applied; correct it and upload it again."), code="has_errors"
        )
    user = _user(actor)
    ctx = ImportContext(crs=Crs(batch.crs), user=user, system=system, is_sample=batch.is_sample)
    report = import_evaluate(
        kind=batch.kind, filename=batch.filename, content=bytes(batch.content), ctx=ctx, apply=True
    )
    if report.has_errors:
        _record(batch, report, ImportBatch.Status.FAILED)
        batch.save()
        return batch
    _record(batch, report, ImportBatch.Status.APPLIED)
    batch.applied_at = timezone.now()
    batch.save()
    _audit_apply(batch, user)
    return batch


@transaction.atomic
def import_batch_run(
    *,
    kind: str,
    crs: str,
    filename: str,
    content: bytes,
    actor=None,
    system: bool = False,
    dry_run: bool = True,
    is_sample: bool = False,
) -> ImportBatch:
    """Dry-run a file, or validate and apply it in one pass (``dry_run=False``), keeping it as a batch.

    Used by the API and the management commands. Applying in one pass reads the
    file once; the result is the same as a preview followed by ``import_batch_apply``.
    """
    if dry_run:
        return import_batch_preview(
            kind=kind, crs=crs, filename=filename, content=content, actor=actor, system=system, is_sample=is_sample
        )
    check_import_allowed(actor=actor, system=system)
    kind, crs = _parse_choices(kind, crs)
    check_import_allowed(actor=actor, system=system, kind=kind)
    check_upload_size(len(content))
    user = _user(actor)
    ctx = ImportContext(crs=crs, user=user, system=system, is_sample=is_sample)
    report = import_evaluate(kind=kind, filename=filename, content=content, ctx=ctx, apply=True)
    batch = _new_batch(kind=kind, crs=crs, filename=filename, content=content, user=user, is_sample=is_sample)
    if report.has_errors:
        _record(batch, report, ImportBatch.Status.FAILED)
        batch.save()
        return batch
    _record(batch, report, ImportBatch.Status.APPLIED)
    batch.applied_at = timezone.now()
    batch.save()
    _audit_apply(batch, user)
    return batch
