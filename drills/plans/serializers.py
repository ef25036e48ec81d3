"""Serializers for the plans and activities API: input as sent (JSON or multipart) and records as stored."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from campus.models import Officer, School, Station
from drills.models import Activity, Attachment, DrillType, EmergencyPlan, EmergencyPlanVersion
from drills.plans import services as plans


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "kind", "name", "content_type", "size_bytes", "url"]

    def get_url(self, attachment: Attachment) -> str | None:
        try:
            path = reverse("drills:drill-attachment", kwargs={"pk": attachment.pk})
        except NoReverseMatch:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PlanVersionSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = EmergencyPlanVersion
        fields = [
            "id",
            "version",
            "effective_date",
            "approved_by",
            "approved_on",
            "review_due",
            "change_note",
            "text",
            "attachments",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_uploaded_by(self, row: EmergencyPlanVersion) -> str | None:
        return row.uploaded_by.get_username() if row.uploaded_by else None


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its current version (without the text) and review status."""

    school_name = serializers.CharField(source="school.name", read_only=True)
    scenario_code = serializers.CharField(source="scenario.code", read_only=True)
    scenario_name = serializers.CharField(source="scenario.name", read_only=True)
    current_version = serializers.SerializerMethodField()
    review_due = serializers.SerializerMethodField()
    review_status = serializers.SerializerMethodField()

    class Meta:
        model = EmergencyPlan
        fields = [
            "id",
            "school",
            "school_name",
            "scenario",
            "scenario_code",
            "scenario_name",
            "title",
            "current_version",
            "review_due",
            "review_status",
            "is_sample",
        ]
        read_only_fields = fields

    def get_current_version(self, plan: EmergencyPlan) -> int | None:
        current = plans.plan_current(plan)
        return current.version if current else None

    def get_review_due(self, plan: EmergencyPlan) -> str | None:
        current = plans.plan_current(plan)
        return current.review_due.isoformat() if current else None

    def get_review_status(self, plan: EmergencyPlan) -> str:
        current = plans.plan_current(plan)
        return plans.review_status(current.review_due if current else None)


class PlanDetailSerializer(PlanSerializer):
    versions = PlanVersionSerializer(source="version_list", many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class PlanVersionInputSerializer(serializers.Serializer):
    """A new version. On the plan list, ``school`` (optional for school staff), ``scenario`` and, for a new
    plan, ``title`` say which plan; on a plan's ``versions/`` they are left out."""

    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), required=False)
    scenario = serializers.PrimaryKeyRelatedField(queryset=DrillType.objects.all(), required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    version = serializers.IntegerField()
    effective_date = serializers.DateField()
    approved_by = serializers.CharField(max_length=100)
    approved_on = serializers.DateField()
    review_due = serializers.DateField(required=False, allow_null=True)
    change_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=100000, required=False, allow_blank=True, default="", trim_whitespace=False)
    document = serializers.FileField(required=False, allow_null=True)


class ActivityInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all())
    date = serializers.DateField()
    title = serializers.CharField(max_length=200)
    audience = serializers.IntegerField(required=False, default=0)
    officers = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all(), many=True, required=False)
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all(), required=False, allow_null=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ActivityOfficerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Officer
        fields = ["id", "name", "badge_no"]


class ActivitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True, default=None)
    officers = ActivityOfficerSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "kind_display",
            "school",
            "school_name",
            "station",
            "station_name",
            "officers",
            "date",
            "title",
            "audience",
            "notes",
            "attachments",
            "created_at",
            "is_sample",
        ]
        read_only_fields = fields
