"""Pages and endpoints that belong to no one app: overview, audit log, API token, API root."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.selectors import staff_school_id
from common.audit import audit_record
from common.dashboard import dashboard_for, section_as_dict
from common.permissions import HasCapability, capability_required
from common.roles import Capability, can, capabilities_of, roles_of
from common.selectors import audit_log_list
from common.serializers import AuditLogEntrySerializer, DashboardSerializer, MeSerializer


@login_required
def home(request):
    from campus.views import overview_context

    return render(request, "home.html", {**overview_context(request.user), "sections": dashboard_for(request.user)})


@capability_required(Capability.VIEW_AUDIT)
def audit_log(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("action", "object_type", "object_id", "actor")}
    page = Paginator(audit_log_list(**filters), 50).get_page(request.GET.get("page"))
    return render(request, "common/audit_log.html", {"page": page, "filters": filters})


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """Show the user's API token; POST creates or replaces it (the old one stops working)."""
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token is not None:
            token.delete()
        token = Token.objects.create(user=request.user)
        audit_record(
            actor=request.user,
            action="api_token.rotate",
            object_type="auth.user",
            object_id=request.user.pk,
            object_repr=request.user.get_username(),
        )
    return render(request, "common/api_token.html", {"token": token})


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


class MeApi(APIView):
    """The signed-in user's roles, capabilities, and (for school staff) school."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        officer = getattr(user, "officer", None)
        data = {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "roles": sorted(r.value for r in roles_of(user)),
            "capabilities": sorted(c.value for c in capabilities_of(user)),
            "school_id": staff_school_id(user),
            "officer_id": officer.id if officer else None,
        }
        return Response(MeSerializer(data).data)


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
