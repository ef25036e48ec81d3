"""API shapes of import batches, their reports, and the upload."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from common.geo import CRS_LABELS
from common.texts import text_render
from imports.models import ImportBatch
from imports.registry import KINDS, kind_choices


class ImportKindField(serializers.ChoiceField):
    """The kind of records, one of the registered kinds; its own schema component (other models have a ``kind``)."""

    def __init__(self, **kwargs):
        super().__init__(choices=kind_choices(), **kwargs)


class ImportKindFieldSchema(OpenApiSerializerFieldExtension):
    """``ImportKindEnum``: the registered kinds, read when the schema is generated (after every app registered)."""

    target_class = ImportKindField

    def get_name(self) -> str:
        return "ImportKindEnum"

    def map_serializer_field(self, auto_schema, direction):
        by_capability: dict[str, list[str]] = {}
        for key, spec in KINDS.items():
            by_capability.setdefault(spec.capability.name, []).append(key)
        groups = [[*keys] for keys in by_capability.values()]
        if groups and len(groups[-1]) > 1:  # "..., airspace or markets (MANAGE_FLEET)"
            groups[-1][-2:] = [f"{groups[-1][-2]} or {groups[-1][-1]}"]
        described = ", ".join(
            f"{', '.join(keys)} ({capability})" for keys, capability in zip(groups, by_capability, strict=True)
        )
        return {"type": "string", "enum": list(KINDS), "description": described}


class ImportUploadSerializer(serializers.Serializer):
    kind = ImportKindField()
    crs = serializers.ChoiceField(
        choices=[(crs.value, label) for crs, label in CRS_LABELS.items()],
        help_text=_("Coordinate system of the file's coordinates; required, there is no default."),
    )
    file = serializers.FileField(allow_empty_file=True)
    dry_run = serializers.BooleanField(
        default=True, help_text=_("Only check the file (the default); false applies it if it has no errors.")
    )


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text=_("Spreadsheet row (header = 1) or feature number; null for the whole file.")
    )
    column = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        stored = instance.get("text") if isinstance(instance, dict) else None
        if stored:  # kept with its message ids: written again in the reader's language (common.texts)
            data["message"] = text_render(stored, fallback=data["message"])
        return data


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    key = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", "invalid"])
    changes = serializers.ListField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    crs = serializers.CharField()
    unit = serializers.ChoiceField(choices=["row", "feature"])
    format = serializers.CharField()
    encoding = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    notes = serializers.DictField(child=serializers.IntegerField())
    problems = ImportProblemSerializer(many=True)
    rows = ImportRowSerializer(many=True)


class ImportBatchSerializer(serializers.ModelSerializer):
    kind = ImportKindField(read_only=True)
    uploaded_by = serializers.SerializerMethodField()
    can_apply = serializers.BooleanField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "crs",
            "filename",
            "sha256",
            "size_bytes",
            "is_sample",
            "uploaded_by",
            "created_at",
            "applied_at",
            "status",
            "can_apply",
            "rows_total",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "warning_count",
        ]
        read_only_fields = fields

    def get_uploaded_by(self, batch: ImportBatch) -> str:
        return batch.uploaded_by.get_username() if batch.uploaded_by else "system"


class ImportBatchDetailSerializer(ImportBatchSerializer):
    report = ImportReportSerializer(read_only=True)

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "report"]
        read_only_fields = fields


class ImportErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = ImportProblemSerializer(many=True, required=False)
