"""Serializers of the 护学岗 set-up API. Input dates are text: the services parse them and name bad values."""

from __future__ import annotations

from rest_framework import serializers

from campus.models import CalendarOverride, SchoolClosure, Term
from patrol.models import BellSchedule, BellTime, DutyStaff, Leave, Post, WindowKind, WindowRule


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = Term
        fields = ["id", "school_year", "name", "start_date", "end_date", "is_sample"]
        read_only_fields = ["is_sample"]


class TermInputSerializer(serializers.Serializer):
    school_year = serializers.CharField(max_length=9)
    name = serializers.CharField(max_length=50)
    start_date = serializers.CharField(help_text="YYYY-MM-DD")
    end_date = serializers.CharField(help_text="YYYY-MM-DD")


class TermUpdateSerializer(TermInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class OverrideSerializer(serializers.ModelSerializer):
    date = serializers.CharField(help_text="YYYY-MM-DD")

    class Meta:
        model = CalendarOverride
        fields = ["id", "date", "kind", "note"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["date"] = instance.date.isoformat()
        return data


class ClosureSerializer(serializers.ModelSerializer):
    start_date = serializers.CharField(help_text="YYYY-MM-DD")
    end_date = serializers.CharField(help_text="YYYY-MM-DD")

    class Meta:
        model = SchoolClosure
        fields = ["id", "school", "kind", "start_date", "end_date", "reason", "no_duty"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["start_date"], data["end_date"] = instance.start_date.isoformat(), instance.end_date.isoformat()
        return data


class BellTimeSerializer(serializers.ModelSerializer):
    time = serializers.CharField(help_text="HH:MM")

    class Meta:
        model = BellTime
        fields = ["kind", "time", "grades"]

    def to_representation(self, instance):
        return {"kind": instance.kind, "time": instance.time.strftime("%H:%M"), "grades": instance.grades}


class BellScheduleSerializer(serializers.ModelSerializer):
    bells = BellTimeSerializer(many=True)
    weekdays = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        model = BellSchedule
        fields = ["id", "school", "name", "weekdays", "bells"]


class WindowRuleSerializer(serializers.ModelSerializer):
    before_min = serializers.IntegerField()
    after_min = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=WindowKind.choices)

    class Meta:
        model = WindowRule
        fields = ["id", "kind", "school", "before_min", "after_min"]
        validators: list = []  # the service replaces an existing rule of the same kind and school


class PostSerializer(serializers.ModelSerializer):
    school = serializers.IntegerField(source="gate.school_id", read_only=True)
    requirements = serializers.JSONField(required=False)
    window_kinds = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Post
        fields = ["id", "gate", "school", "name", "requirements", "window_kinds", "checkin_radius_m", "active",
                  "is_sample"]  # fmt: skip
        read_only_fields = ["is_sample"]


class StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyStaff
        fields = ["id", "role", "name", "phone", "officer", "station", "school", "user", "base_lat", "base_lon",
                  "max_per_day", "max_per_week", "active", "is_sample"]  # fmt: skip
        read_only_fields = ["is_sample"]


class LeaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Leave
        fields = ["id", "staff", "kind", "start", "end", "reason"]


class CalendarSerializer(serializers.Serializer):
    """The days of a term for the county or one school."""

    term = serializers.IntegerField()
    school = serializers.IntegerField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    unknown_years = serializers.ListField(child=serializers.IntegerField())
    duty_days = serializers.IntegerField()
    days = serializers.ListField(child=serializers.DictField())


class ShiftBuildSerializer(serializers.Serializer):
    term_id = serializers.IntegerField()
    schools = serializers.IntegerField()
    posts = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()
    conflicts = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.CharField())
    schools_without_bells = serializers.ListField(child=serializers.CharField())


class BuildInputSerializer(serializers.Serializer):
    schools = serializers.ListField(child=serializers.IntegerField(), required=False)
