"""API serializers for drill types, rules and drills."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campus.models import Officer, School
from drills.models import CorrectiveAction, Drill, DrillRule, DrillType


class DrillTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DrillType
        fields = ["id", "code", "name", "builtin", "active", "evacuation", "target_evacuation_s"]
        read_only_fields = ["builtin"]


class DrillRuleSerializer(serializers.ModelSerializer):
    levels = serializers.ListField(child=serializers.ChoiceField(choices=School.Level.choices), required=False)
    count = serializers.IntegerField()

    class Meta:
        model = DrillRule
        fields = ["id", "drill_type", "levels", "boarding", "school_bus", "period", "count", "police_required",
                  "source", "active"]  # fmt: skip


class CorrectiveActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectiveAction
        fields = ["id", "description", "owner", "due_date", "status", "done_at", "done_note"]


class DrillSerializer(serializers.ModelSerializer):
    corrective_actions = CorrectiveActionSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Drill
        fields = ["id", "school", "drill_type", "status", "planned_date", "date", "police_required", "officers",
                  "scenario", "participants", "evacuation_s", "evacuation_target_s", "problems",
                  "liaison_notified_at", "recorded_at", "is_sample", "corrective_actions", "attachments"]  # fmt: skip

    def get_attachments(self, drill) -> list[dict]:
        from django.urls import reverse

        return [
            {"id": a.pk, "name": a.name, "kind": a.kind, "url": reverse("drills:drill-attachment", args=[a.pk])}
            for a in drill.attachments.all()
        ]


class ActionInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    owner = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class RecordInputSerializer(serializers.Serializer):
    drill_type = serializers.PrimaryKeyRelatedField(queryset=DrillType.objects.filter(active=True), required=False)
    date = serializers.DateField(help_text=_("The day the drill was held."))
    scenario = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    participants = serializers.IntegerField(required=False, allow_null=True, default=None)
    officers = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all(), many=True, required=False)
    evacuation_s = serializers.IntegerField(required=False, allow_null=True, default=None)
    problems = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    corrective_actions = ActionInputSerializer(many=True, required=False)


class DrillCreateSerializer(RecordInputSerializer):
    """``dates`` plans drills; ``date`` records one held drill."""

    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all())
    drill_type = serializers.PrimaryKeyRelatedField(queryset=DrillType.objects.filter(active=True))
    date = serializers.DateField(required=False, allow_null=True, default=None)
    dates = serializers.ListField(child=serializers.DateField(), required=False)

    def validate(self, attrs):
        if not attrs.get("dates") and not attrs.get("date"):
            raise serializers.ValidationError({"date": [_("Send dates (to plan drills) or date (a drill held).")]})
        return attrs
