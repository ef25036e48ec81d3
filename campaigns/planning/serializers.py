"""Serializers for the campaign planning API: campaigns as stored, their input, and occurrences."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign, Occurrence, Playlist, Theme
from campaigns.planning import selectors
from campus.models import School, Station
from drones.models import Market


class CampaignSerializer(serializers.ModelSerializer):
    theme_label = serializers.CharField(source="get_theme_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    playlist_name = serializers.CharField(source="playlist.name", read_only=True)
    broadcast_min = serializers.SerializerMethodField(help_text="Minutes broadcast per visit as planned.")
    n_occurrences = serializers.SerializerMethodField()
    n_scheduled = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "theme",
            "theme_label",
            "start_date",
            "end_date",
            "playlist",
            "playlist_name",
            "reach_target",
            "market_scope",
            "market_station",
            "markets",
            "schools",
            "visit_rule",
            "visits_per_month",
            "min_broadcast_min",
            "broadcast_min",
            "time_of_day",
            "status",
            "status_label",
            "n_occurrences",
            "n_scheduled",
            "is_sample",
        ]
        read_only_fields = fields

    def get_broadcast_min(self, campaign: Campaign) -> float:
        return round(selectors.campaign_broadcast_s(campaign) / 60.0, 2)

    def get_n_occurrences(self, campaign: Campaign) -> int:
        value = getattr(campaign, "n_occurrences", None)
        return value if value is not None else campaign.occurrences.count()

    def get_n_scheduled(self, campaign: Campaign) -> int:
        value = getattr(campaign, "n_scheduled", None)
        if value is not None:
            return value
        return campaign.occurrences.filter(status__in=[Occurrence.Status.SCHEDULED, Occurrence.Status.FLOWN]).count()


class ReachPlaceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["market", "school"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    visits = serializers.IntegerField()
    reach = serializers.IntegerField()


class ExpectedReachSerializer(serializers.Serializer):
    target = serializers.IntegerField()
    expected = serializers.IntegerField()
    share_of_target = serializers.FloatField(allow_null=True)
    sorties = serializers.IntegerField()
    broadcast_s = serializers.FloatField()
    loop_s = serializers.FloatField()
    places = ReachPlaceSerializer(many=True)


class CampaignDetailSerializer(CampaignSerializer):
    occurrence_counts = serializers.SerializerMethodField()
    expected_reach = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "occurrence_counts", "expected_reach"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_occurrence_counts(self, campaign: Campaign) -> dict:
        return selectors.occurrence_status_counts(campaign)

    @extend_schema_field(ExpectedReachSerializer)
    def get_expected_reach(self, campaign: Campaign) -> dict:
        return selectors.campaign_expected_reach(campaign)


class CampaignInputSerializer(serializers.Serializer):
    """A campaign's settings; what is left out keeps its stored value on PATCH (the rules decide the rest)."""

    name = serializers.CharField(max_length=120, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    playlist = serializers.PrimaryKeyRelatedField(queryset=Playlist.objects.all(), required=False)
    reach_target = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False)
    market_scope = serializers.ChoiceField(choices=Campaign.MarketScope.choices, required=False)
    market_station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all(), required=False, allow_null=True)
    markets = serializers.PrimaryKeyRelatedField(queryset=Market.objects.all(), many=True, required=False)
    schools = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), many=True, required=False)
    visit_rule = serializers.ChoiceField(choices=Campaign.VisitRule.choices, required=False)
    visits_per_month = serializers.IntegerField(min_value=1, max_value=31, required=False, allow_null=True)
    min_broadcast_min = serializers.FloatField(min_value=0.5, max_value=120, required=False, allow_null=True)
    time_of_day = serializers.ChoiceField(choices=Campaign.TimeOfDay.choices, required=False)


class SortieBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    drone = serializers.IntegerField(source="drone_id")
    drone_name = serializers.CharField(source="drone.name")
    pilot = serializers.IntegerField(source="pilot_id")
    pilot_name = serializers.SerializerMethodField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()

    def get_pilot_name(self, sortie) -> str:
        return str(sortie.pilot)


class OccurrenceSerializer(serializers.ModelSerializer):
    market_name = serializers.CharField(source="market.name", read_only=True, default=None)
    school_name = serializers.CharField(source="school.name", read_only=True, default=None)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    sortie = serializers.SerializerMethodField()

    class Meta:
        model = Occurrence
        fields = [
            "id",
            "date",
            "window_start",
            "window_end",
            "market",
            "market_name",
            "school",
            "school_name",
            "expected_crowd",
            "status",
            "status_label",
            "reason",
            "sortie",
        ]
        read_only_fields = fields

    @extend_schema_field(SortieBriefSerializer(allow_null=True))
    def get_sortie(self, occurrence: Occurrence) -> dict | None:
        sortie = getattr(occurrence, "sortie", None)
        return SortieBriefSerializer(sortie).data if sortie is not None else None


class BuildResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    removed = serializers.IntegerField()
    kept_flown = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class ScheduleInputSerializer(serializers.Serializer):
    first = serializers.DateField(
        required=False, allow_null=True, help_text="first day to plan (default: the period's)"
    )
    last = serializers.DateField(required=False, allow_null=True, help_text="last day to plan (default: the period's)")
    replan = serializers.BooleanField(
        required=False,
        default=False,
        help_text="plan again from today (default first day), changing as little as possible",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="why, for a re-plan")


class SolverReportSerializer(serializers.Serializer):
    status = serializers.CharField()
    engine = serializers.CharField()
    load_s = serializers.FloatField()
    solve_s = serializers.FloatField()
    write_s = serializers.FloatField()
    total_s = serializers.FloatField()


class ScheduleResultSerializer(serializers.Serializer):
    first = serializers.DateField(allow_null=True)
    last = serializers.DateField(allow_null=True)
    replan = serializers.BooleanField()
    occurrences = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    unschedulable = serializers.DictField(child=serializers.IntegerField(), help_text="occurrences per reason code")
    expected_reach = serializers.IntegerField()
    changed = serializers.IntegerField()
    kept = serializers.IntegerField()
    removed = serializers.IntegerField()
    solver = SolverReportSerializer()
