"""Reads for imports: the batch history (without the stored files) and one batch with its report."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from imports.models import ImportBatch
from imports.registry import KINDS


def import_batch_list(*, kind: str = "", status: str = "", kinds: Iterable[str] | None = None) -> QuerySet[ImportBatch]:
    """Batches newest first, without the uploaded bytes and reports (they can be megabytes).

    ``kinds``: only batches of these kinds (those the user may import); None for all.
    """
    qs = ImportBatch.objects.defer("content", "report").select_related("uploaded_by")
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    if kind in KINDS:
        qs = qs.filter(kind=kind)
    if status in ImportBatch.Status.values:
        qs = qs.filter(status=status)
    return qs


def import_batch_detail(*, kinds: Iterable[str] | None = None) -> QuerySet[ImportBatch]:
    """Batches with their report, still without the uploaded bytes (``kinds`` as for the list)."""
    qs = ImportBatch.objects.defer("content").select_related("uploaded_by")
    return qs if kinds is None else qs.filter(kind__in=list(kinds))
