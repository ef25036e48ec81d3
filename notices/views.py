"""Pages: the notice list (``/notices/``), opening or marking notices read, and the channel preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notices.kinds import notice_kinds
from notices.models import Delivery
from notices.render import notice_body, notice_title
from notices.selectors import notice_get, notice_unread_count, notices_of
from notices.services import (
    NoticeInvalid,
    notice_channels,
    notice_mark_read,
    notice_preferences_save,
    notices_mark_all_read,
)

PAGE_SIZE = 30


@login_required
def notice_list(request):
    unread_only = request.GET.get("unread", "") == "1"
    page = Paginator(
        notices_of(user=request.user, unread_only=unread_only).prefetch_related("deliveries"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    kinds = {kind.code: kind.label for kind in notice_kinds()}
    rows = [
        {
            "notice": notice,
            "title": notice_title(notice),
            "body": notice_body(notice),
            "kind_label": kinds.get(notice.kind, notice.kind),
            "deliveries": list(notice.deliveries.all()),
        }
        for notice in page
    ]
    ctx = {
        "page": page,
        "rows": rows,
        "unread_only": unread_only,
        "unread": notice_unread_count(user=request.user),
        "statuses": Delivery.Status,
    }
    return render(request, "notices/list.html", ctx)


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notices:list")


@login_required
@require_POST
def notice_read(request, pk: int):
    if notice_get(user=request.user, notice_id=pk) is None:
        raise Http404
    notice_mark_read(user=request.user, notice_id=pk)
    return _back(request)


@login_required
@require_POST
def notice_open(request, pk: int):
    """Mark the notice read and follow its link (a link off this site only when it is an allowed host's)."""
    notice = notice_get(user=request.user, notice_id=pk)
    if notice is None:
        raise Http404
    notice_mark_read(user=request.user, notice_id=pk)
    if notice.url and url_has_allowed_host_and_scheme(notice.url, {request.get_host(), *settings.ALLOWED_HOSTS}):
        return redirect(notice.url)
    return redirect("notices:list")


@login_required
@require_POST
def notice_read_all(request):
    count = notices_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notices marked read.") % {"count": count})
    return _back(request)


@login_required
def notice_preferences(request):
    if request.method == "POST":
        choices: dict[str, set[str]] = {kind.code: set() for kind in notice_kinds()}
        for field in request.POST:
            if field == "csrfmiddlewaretoken":
                continue
            code, _sep, channel = field.rpartition(".")
            choices.setdefault(code, set()).add(channel)
        try:
            notice_preferences_save(user=request.user, choices=choices, ip_address=request.META.get("REMOTE_ADDR"))
        except NoticeInvalid as error:
            messages.error(request, error.message)
            return render(request, "notices/preferences.html", _preferences_ctx(request.user), status=400)
        messages.success(request, _("Notification preferences saved."))
        return redirect("notices:preferences")
    return render(request, "notices/preferences.html", _preferences_ctx(request.user))


def _preferences_ctx(user) -> dict:
    return {
        "rows": [{"kind": kind, "channels": notice_channels(user, kind.code)} for kind in notice_kinds()],
        "has_email": bool(user.email),
        "webhook_on": bool(settings.NOTICE_WEBHOOK_URL),
    }
