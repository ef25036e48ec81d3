"""Reporting API under ``/api/incidents/``: submit (JSON or multipart, idempotent), list, detail, photos.

``POST reports/`` needs an idempotency key (the ``Idempotency-Key`` header, or an ``idempotency_key``
field): 201 when the report was stored, 200 with the same report when this reporter already sent
this key with this body (a retry), 409 when the key was used for a different report.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.models import School
from campus.selectors import staff_school_id
from common.permissions import HasCapability
from common.roles import Capability
from incidents.filters import ReportFilterSet
from incidents.photos import photo_response, photo_uploads_from_files, visible_photo
from incidents.report.serializers import ReportDetailSerializer, ReportInputSerializer, ReportSerializer
from incidents.report.services import incident_report, incidents_visible, reporter_defaults


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incident reports: school staff see and send their own school's; police roles see all."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_INCIDENTS
    write_capability = Capability.REPORT_INCIDENTS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = incidents_visible(self.request.user)
        if self.action == "retrieve":
            return qs.prefetch_related("photos", "events")
        return qs.prefetch_related("photos")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ReportDetailSerializer
        if self.action == "create":
            return ReportInputSerializer
        return ReportSerializer

    def filter_queryset(self, queryset):
        reports = ReportFilterSet(self.request.query_params, queryset, user=self.request.user, strict=True)
        return reports.qs.order_by("-created_at", "-id")

    @extend_schema(parameters=ReportFilterSet.openapi_parameters())
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": ReportInputSerializer, "multipart/form-data": ReportInputSerializer},
        responses={201: ReportDetailSerializer, 200: ReportDetailSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def create(self, request, *args, **kwargs):
        body = ReportInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        header_key = request.headers.get("Idempotency-Key", "").strip()
        field_key = (data.get("idempotency_key") or "").strip()
        if header_key and field_key and header_key != field_key:
            raise ApiValidationError(
                {"idempotency_key": [_("The Idempotency-Key header and the idempotency_key field differ.")]}
            )
        key = header_key or field_key
        if not key:
            raise ApiValidationError({"idempotency_key": [_("Send an Idempotency-Key header with the report.")]})
        school = data.get("school")
        if school is None:
            own = staff_school_id(request.user)
            if own is None:
                raise ApiValidationError({"school": [_("Choose the school the report is about.")]})
            school = get_object_or_404(School, pk=own)
        defaults = reporter_defaults(request.user)
        incident, created = incident_report(
            reporter=request.user,
            school=school,
            category=data["category"],
            severity=data["severity"],
            occurred_at=data["occurred_at"],
            description=data["description"],
            idempotency_key=key,
            gate=data.get("gate"),
            lat=data.get("lat"),
            lon=data.get("lon"),
            location_note=data.get("location_note", ""),
            reporter_name=data.get("reporter_name") or defaults["reporter_name"],
            reporter_phone=data.get("reporter_phone") or defaults["reporter_phone"],
            photos=photo_uploads_from_files(data.get("photos") or []),
        )
        incident = self.get_queryset().prefetch_related("events").get(pk=incident.pk)
        out = ReportDetailSerializer(incident, context={"request": request}).data
        response = Response(out, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["Location"] = request.build_absolute_uri(f"{request.path}{incident.pk}/")
        response["Idempotent-Replayed"] = "false" if created else "true"
        return response


class ReportPhotoApi(APIView):
    """One photo of a report the caller may see (JPEG)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_INCIDENTS

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request, pk: int):
        return photo_response(visible_photo(request.user, pk))
