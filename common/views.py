"""Pages and endpoints that belong to no one app: overview, audit log, API token, API root.

``/api/me/`` is campus's (``campus.api.MeApi``): a user's school and officer record are campus's.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import APIView

from common import audit_log as audit_log_page
from common.dashboard import dashboard_for, overview_cards_for, section_as_dict
from common.exports import Export, export_view
from common.login_throttle import client_ip
from common.models import ApiToken
from common.permissions import HasCapability, capability_required
from common.roles import Capability, can
from common.selectors import audit_log_list
from common.serializers import AuditLogEntrySerializer, DashboardSerializer
from common.tokens import api_token_create, api_token_list, api_token_revoke, api_tokens_revoke_all


@login_required
def home(request):
    user = request.user
    return render(request, "home.html", {"overview_cards": overview_cards_for(user), "sections": dashboard_for(user)})


@export_view
@capability_required(Capability.VIEW_AUDIT)
def audit_log(request):
    """The audit log, filtered by date range, person, kind and object; ``?export=csv|xlsx`` downloads the
    filtered entries (the download is audited as ``export.audit_log``)."""
    form = audit_log_page.AuditLogFilterForm(request.GET or None)
    fmt = request.GET.get("export", "")
    if fmt and fmt not in audit_log_page.EXPORT_FORMATS:
        return HttpResponse(
            _("The parameter “export” must be “csv” or “xlsx”."), status=400, content_type="text/plain; charset=utf-8"
        )
    if fmt and form.is_bound and not form.is_valid():
        errors = "; ".join(str(m) for found in form.errors.values() for m in found)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    entries = audit_log_page.audit_log_filtered(form) if form.is_bound else audit_log_list()
    params = form.params() if form.is_bound else {}
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return Export(
            kind="audit_log",
            fmt="csv",
            build=lambda token: audit_log_page.audit_log_csv(entries, token),
            filename=f"audit-log-{stamp}.csv",
            content_type="text/csv; charset=utf-8",
            params=params,
        )
    if fmt == "xlsx":
        return Export(
            kind="audit_log",
            fmt="xlsx",
            build=lambda token: audit_log_page.audit_log_xlsx(entries, params, token),
            filename=f"audit-log-{stamp}.xlsx",
            params=params,
        )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    audit_log_page.decorate(page)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "common/audit_log.html",
        {
            "page": page,
            "form": form if form.is_bound else audit_log_page.AuditLogFilterForm(),
            "query": query.urlencode(),
        },
    )


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “duty roster export script”.")
    )
    ttl_days = forms.TypedChoiceField(label=_("Valid for"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default, most = settings.API_TOKEN_TTL_DAYS, settings.API_TOKEN_MAX_TTL_DAYS
        days = sorted({d for d in (1, 7, 30, 90, 180, 365) if d <= most} | {default, most})
        self.fields["ttl_days"].choices = [(d, ngettext("%(n)d day", "%(n)d days", d) % {"n": d}) for d in days]
        self.fields["ttl_days"].initial = default


def _api_token_page(request, *, form, created=None, key=None, status=200):
    tokens = list(api_token_list(user=request.user))
    response = render(
        request,
        "common/api_token.html",
        {
            "form": form,
            "tokens": tokens,
            "active_count": sum(t.is_active for t in tokens),
            "created": created,
            "created_key": key,
        },
        status=status,
    )
    add_never_cache_headers(response)  # the page may carry a new key: never stored by a cache
    return response


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """The user's API tokens; POST creates one and shows its key, this once."""
    if request.method == "GET":
        return _api_token_page(request, form=ApiTokenCreateForm())
    form = ApiTokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                ttl_days=form.cleaned_data["ttl_days"],
                actor=request.user,
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _api_token_page(request, form=ApiTokenCreateForm(), created=token, key=key, status=201)
    return _api_token_page(request, form=form, status=400)


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    """Revoke one of the user's own tokens (another user's is a 404)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if api_token_revoke(token=token, actor=request.user, ip_address=client_ip(request)):
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api_token")


@login_required
@require_POST
def api_tokens_revoke_all_view(request):
    """Revoke all the user's live tokens."""
    count = api_tokens_revoke_all(user=request.user, actor=request.user, ip_address=client_ip(request))
    messages.success(
        request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count}
    )
    return redirect("api_token")


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request):
    """Index of the API with links to the schema and docs."""
    links = {
        "schema": reverse("api_schema"),
        "docs": reverse("api_docs"),
        "me": reverse("api_me"),
        "dashboard": reverse("api_dashboard"),
        "campus": reverse("campus_api:root"),
    }
    if can(request.user, Capability.VIEW_AUDIT):
        links["audit"] = reverse("api_audit")
    return Response({name: request.build_absolute_uri(url) for name, url in links.items()})


class AuditLogApi(generics.ListAPIView):
    """The audit log, newest first. Filters: action (prefix), object_type, object_id, actor."""

    serializer_class = AuditLogEntrySerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_AUDIT

    def get_queryset(self):
        params = self.request.query_params
        return audit_log_list(**{k: params.get(k, "").strip() for k in ("action", "object_type", "object_id", "actor")})


class DashboardApi(APIView):
    """What needs the signed-in user's attention now: the overview page's sections, scoped to the user.

    Each section (liaison coverage, gate duty, incidents, drills, drones) is present only for roles that
    may see that area; its counts cover only what the user may see. ``level`` is ``ok``, ``warn`` (behind
    schedule) or ``alert`` (needs action now); ``url`` is the page where the items are acted on.
    """

    @extend_schema(responses=DashboardSerializer)
    def get(self, request):
        now = timezone.now()
        sections = [section_as_dict(s) for s in dashboard_for(request.user, now=now)]
        return Response(DashboardSerializer({"generated_at": now, "sections": sections}).data)
