"""API shapes of the roster: assignments, edits, swap requests, publishing."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from patrol.models import DutyAssignment, DutyRole, DutyShift, DutyStaff, Roster, SwapRequest


class AssignmentSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="shift.date", read_only=True)
    window = serializers.CharField(source="shift.kind", read_only=True)
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    school = serializers.IntegerField(source="shift.post.gate.school_id", read_only=True)
    school_name = serializers.CharField(source="shift.post.gate.school.name", read_only=True)
    gate_name = serializers.CharField(source="shift.post.gate.name", read_only=True)
    post_name = serializers.CharField(source="shift.post.name", read_only=True)
    staff_name = serializers.CharField(source="staff.name", read_only=True)

    class Meta:
        model = DutyAssignment
        fields = [
            "id",
            "shift",
            "date",
            "window",
            "start",
            "end",
            "school",
            "school_name",
            "gate_name",
            "post_name",
            "staff",
            "staff_name",
            "role",
            "source",
            "pinned",
            "published",
        ]
        read_only_fields = fields

    def get_start(self, obj) -> str:
        return timezone.localtime(obj.shift.start).isoformat()

    def get_end(self, obj) -> str:
        return timezone.localtime(obj.shift.end).isoformat()


class AssignmentAddSerializer(serializers.Serializer):
    shift = serializers.PrimaryKeyRelatedField(queryset=DutyShift.objects.all())
    staff = serializers.PrimaryKeyRelatedField(queryset=DutyStaff.objects.all())
    role = serializers.ChoiceField(choices=DutyRole.choices)


class AssignmentReplaceSerializer(serializers.Serializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=DutyStaff.objects.all())
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RemovalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SwapRequestSerializer(serializers.ModelSerializer):
    requester = serializers.IntegerField(source="assignment.staff_id", read_only=True)

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "assignment",
            "requester",
            "to_staff",
            "in_return",
            "reason",
            "status",
            "requested_by",
            "decided_by",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class SwapRequestCreateSerializer(serializers.Serializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=DutyAssignment.objects.all())
    to_staff = serializers.PrimaryKeyRelatedField(queryset=DutyStaff.objects.all())
    in_return = serializers.PrimaryKeyRelatedField(
        queryset=DutyAssignment.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RosterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Roster
        fields = ["id", "term", "status", "version", "published_at", "published_by", "generated_at"]
        read_only_fields = fields


class DutyBreakSerializer(serializers.Serializer):
    """One published duty that a later change broke (``patrol.models.DutyBreak``), as the breaks page lists it."""

    id = serializers.IntegerField()
    date = serializers.DateField(source="shift.date")
    start = serializers.DateTimeField(source="shift.start")
    end = serializers.DateTimeField(source="shift.end")
    window = serializers.CharField(source="shift.kind")
    school = serializers.CharField(source="shift.post.gate.school.name")
    school_id = serializers.IntegerField(source="shift.post.gate.school_id")
    post = serializers.CharField(source="shift.post.name")
    staff = serializers.CharField(source="staff.name")
    staff_id = serializers.IntegerField()
    role = serializers.CharField()
    reason = serializers.CharField(help_text="transfer, inactive, leave, closure, bells or post")
    reason_label = serializers.CharField(source="get_reason_display")
    detail = serializers.CharField()
    broken_at = serializers.DateTimeField()
    assignment_id = serializers.IntegerField(allow_null=True, help_text="null once a re-plan released the duty")


class DutyBreaksReplanSerializer(serializers.Serializer):
    time_limit_s = serializers.FloatField(required=False, allow_null=True, min_value=1, max_value=600)
