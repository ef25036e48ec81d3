"""Imports API under /api/campus/imports/: upload (a dry run unless ``dry_run`` is false), history, apply."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from imports import selectors, services
from imports.models import ImportBatch
from imports.registry import KIND_KEYS
from imports.serializers import (
    ImportBatchDetailSerializer,
    ImportBatchSerializer,
    ImportErrorSerializer,
    ImportUploadSerializer,
)

_ERRORS = {
    403: OpenApiResponse(ImportErrorSerializer, description="The user may not import registry data."),
}


class CanImport(BasePermission):
    """The user may import at least one kind (registry kinds: IMPORT_DATA; airspace, markets: MANAGE_FLEET)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and services.importable_kinds(request.user))


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports. Every batch keeps its file and report; apply a checked batch with ``apply``.

    Users see the batches of the kinds they may import.
    """

    permission_classes = [CanImport]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        kinds = services.importable_kinds(self.request.user)
        if self.action == "list":
            params = self.request.query_params
            return selectors.import_batch_list(
                kind=params.get("kind", ""), status=params.get("status", ""), kinds=kinds
            )
        return selectors.import_batch_detail(kinds=kinds)

    def get_serializer_class(self):
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=KIND_KEYS),
            OpenApiParameter("status", str, enum=ImportBatch.Status.values),
        ],
        responses={200: ImportBatchSerializer(many=True), **_ERRORS},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ImportBatchDetailSerializer, **_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: OpenApiResponse(
                ImportBatchDetailSerializer,
                description="The batch with its report: status previewed (no errors), applied, or failed.",
            ),
            400: OpenApiResponse(
                ImportErrorSerializer,
                description="A field is missing or has an unknown value, or (code archive_damaged) the zip "
                "archive is damaged (bad CRC, truncated, wrong sizes, unsupported compression); nothing is kept.",
            ),
            413: OpenApiResponse(
                ImportErrorSerializer,
                description="The file is over UPLOAD_MAX_BYTES, or (code import_limit) over an IMPORT_MAX_* "
                "limit (rows, columns, cells, features, vertices, layers, unpacked bytes); the message names the "
                "limit and where it was passed, errors[0] gives the row and column. Nothing is kept.",
            ),
            **_ERRORS,
        },
    )
    def create(self, request):
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        services.check_upload_size(upload.size)
        batch = services.import_batch_run(
            kind=body.validated_data["kind"],
            crs=body.validated_data["crs"],
            filename=upload.name,
            content=upload.read(),
            actor=request.user,
            dry_run=body.validated_data["dry_run"],
        )
        batch = selectors.import_batch_detail().get(pk=batch.pk)
        return Response(ImportBatchDetailSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: ImportBatchDetailSerializer,
            409: OpenApiResponse(
                ImportErrorSerializer,
                description="Already applied, has errors, or (code import_invalid) the data changed since the "
                "preview and the file now has errors; nothing was written.",
            ),
            **_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        batch = services.import_batch_apply(batch=self.get_object(), actor=request.user)
        if batch.status != ImportBatch.Status.APPLIED:
            errors = [p for p in batch.report.get("problems", []) if p["severity"] == "error"]
            body = {
                "code": "import_invalid",
                "detail": _("The data changed since the preview and the file now has errors; nothing was written."),
                "errors": errors,
            }
            return Response(ImportErrorSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return Response(ImportBatchDetailSerializer(selectors.import_batch_detail().get(pk=batch.pk)).data)
