"""The page of a term's published duties that later changes broke, with "re-plan just these"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campus.models import Term
from common.errors import DomainError, NotAllowed
from common.permissions import capability_required
from common.roles import Capability, can
from patrol.duty.breaks import MAX_TIME_LIMIT_S, breaks_open, duty_breaks_replan

PAGE_BREAKS = 500


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_DUTY)
def roster_breaks(request, term_id: int):
    """GET: the term's open breaks in the user's scope. POST (MANAGE_DUTY): re-plan just these."""
    term = get_object_or_404(Term, pk=term_id)
    can_manage = can(request.user, Capability.MANAGE_DUTY)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Only the patrol brigade may re-plan the roster."))
        limit_text = (request.POST.get("time_limit_s") or "").strip()
        try:
            limit = float(limit_text) if limit_text else None
        except ValueError:
            messages.error(
                request,
                _("Time limit: %(value)s is not a number of seconds; give between 1 and %(max)d.")
                % {"value": limit_text, "max": int(MAX_TIME_LIMIT_S)},
            )
            return redirect("patrol:roster-breaks", term_id=term.pk)
        try:
            result = duty_breaks_replan(term=term, actor=request.user, time_limit_s=limit)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, result.line())
        return redirect("patrol:roster-breaks", term_id=term.pk)
    breaks = list(breaks_open(user=request.user, term=term).order_by("shift__start", "shift_id", "role")[:PAGE_BREAKS])
    return render(
        request,
        "patrol/duty/breaks.html",
        {
            "term": term,
            "breaks": breaks,
            "total": breaks_open(user=request.user, term=term).count(),
            "can_manage": can_manage,
        },
    )
