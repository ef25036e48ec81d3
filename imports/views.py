"""Imports pages: upload (always a dry run first), the preview with every problem, and apply."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from common.texts import text_render
from imports import selectors, services
from imports.forms import ImportUploadForm
from imports.models import ImportBatch
from imports.readers import FORMAT_LABELS, FileFormat
from imports.registry import KINDS
from imports.report import Action


def _action_labels() -> dict[str, str]:
    return {
        Action.CREATE: _("create"),
        Action.UPDATE: _("update"),
        Action.UNCHANGED: _("unchanged"),
        Action.INVALID: _("invalid"),
    }


# The preview lists this many problems; the API and the commands give all of them.
PROBLEMS_SHOWN = 500
ROWS_PER_PAGE = 100


def _kind_help(kinds) -> list[dict]:
    """Per kind: its label, accepted formats and columns, for the help table under the form."""
    return [
        {
            "label": spec.label,
            "value": kind,
            "formats": ", ".join(FORMAT_LABELS[f] for f in FileFormat if f in spec.formats),
            "columns": spec.columns,
        }
        for kind, spec in KINDS.items()
        if kind in kinds
    ]


def import_access_required(view):
    """Page decorator: the user may import at least one kind (``request.importable_kinds``).

    Registry kinds need IMPORT_DATA, airspace and markets MANAGE_FLEET; each page
    then offers and shows only the kinds the user may import.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        kinds = services.importable_kinds(request.user)
        if not kinds:
            raise PermissionDenied
        request.importable_kinds = kinds
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@import_access_required
def import_list(request):
    kinds = request.importable_kinds
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.import_batch_preview(
                    kind=form.cleaned_data["kind"],
                    crs=form.cleaned_data["crs"],
                    filename=upload.name,
                    content=upload.read(),
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("campus:import_detail", pk=batch.pk)
    else:
        wanted = request.GET.get("kind", "")
        form = ImportUploadForm(kinds=kinds, initial={"kind": wanted} if wanted in kinds else None)
    page = Paginator(selectors.import_batch_list(kinds=kinds), 25).get_page(request.GET.get("page"))
    return render(request, "imports/import_list.html", {"form": form, "page": page, "kinds": _kind_help(kinds)})


@import_access_required
def import_detail(request, pk: int):
    batch = get_object_or_404(selectors.import_batch_detail(kinds=request.importable_kinds), pk=pk)
    report = batch.report or {}
    problems = report.get("problems", [])
    action = request.GET.get("action", "")
    rows = report.get("rows", [])
    if action in {a.value for a in Action}:
        rows = [r for r in rows if r["action"] == action]
    labels = _action_labels()
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row["label"] = labels[row["action"]]
    return render(
        request,
        "imports/import_detail.html",
        {
            "batch": batch,
            "report": report,
            "by_feature": report.get("unit") == "feature",
            # Each message in the reader's language where the report knows how to write it again.
            "problems": [
                {**p, "message": text_render(p.get("text"), fallback=p["message"])} for p in problems[:PROBLEMS_SHOWN]
            ],
            "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
            "page": page,
            "action": action,
            "actions": list(labels.items()),
            "notes": report.get("notes", {}),
            "with_details": any("details" in r for r in report.get("rows", [])),
        },
    )


@require_POST
@import_access_required
def import_apply(request, pk: int):
    batch = get_object_or_404(selectors.import_batch_list(kinds=request.importable_kinds), pk=pk)
    try:
        batch = services.import_batch_apply(batch=batch, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if batch.status == ImportBatch.Status.APPLIED:
            messages.success(
                request,
                _("Applied: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {
                    "created": batch.created_count,
                    "updated": batch.updated_count,
                    "unchanged": batch.unchanged_count,
                },
            )
        else:
            messages.error(
                request,
                _("The data changed since the preview and the file now has errors; nothing was written."),
            )
    return redirect("campus:import_detail", pk=batch.pk)
