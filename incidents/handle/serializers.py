"""Serializers of the handling API."""

from __future__ import annotations

from rest_framework import serializers

from incidents.models import FollowUp, Incident, IncidentEvent, IncidentStatus, Rectification
from incidents.notify import incident_point


class IncidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "from_status", "to_status", "text", "actor_name", "at"]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "incident", "status", "due_at", "satisfaction", "comment", "channel", "done_at"]


class RectificationSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", default=None, read_only=True)
    reference = serializers.CharField(source="incident.reference", read_only=True)

    class Meta:
        model = Rectification
        fields = ["id", "incident", "reference", "station", "station_name", "problem", "status", "due_date",
                  "action_taken", "created_at", "cleared_at"]  # fmt: skip


class IncidentListSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    station_name = serializers.CharField(source="station.name", default=None, read_only=True)
    liaison_name = serializers.CharField(source="liaison_officer.name", default=None, read_only=True)
    liaison_phone = serializers.CharField(source="liaison_officer.phone", default=None, read_only=True)
    ack_overdue = serializers.BooleanField(read_only=True, default=False)
    resolve_overdue = serializers.BooleanField(read_only=True, default=False)
    overdue = serializers.BooleanField(read_only=True, default=False)
    point = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "reference", "school", "school_name", "station", "station_name", "category", "severity",
                  "status", "escalation", "occurred_at", "created_at", "acknowledged_at", "on_scene_at",
                  "resolved_at", "closed_at", "escalated_at", "liaison_officer", "liaison_name", "liaison_phone",
                  "ack_overdue", "resolve_overdue", "overdue", "point", "location_note", "is_sample"]  # fmt: skip

    def get_point(self, obj) -> dict | None:
        point = incident_point(obj)
        return {"lat": point[0], "lon": point[1]} if point else None


class IncidentDetailSerializer(IncidentListSerializer):
    events = IncidentEventSerializer(many=True, read_only=True)
    follow_up = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = [*IncidentListSerializer.Meta.fields, "description", "reporter_name", "reporter_phone", "gate",
                  "events", "follow_up"]  # fmt: skip

    def get_follow_up(self, obj) -> dict | None:
        follow_up = FollowUp.objects.filter(incident=obj).first()
        return FollowUpSerializer(follow_up).data if follow_up else None


class TransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=IncidentStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class FollowUpInputSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=FollowUp.Satisfaction.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RectificationClearInputSerializer(serializers.Serializer):
    action_taken = serializers.CharField(max_length=2000)
