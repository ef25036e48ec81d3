"""Serializers for the reach API: a campaign's reach (summary, series, townships, pilots, places,
occurrences), the bureau's year, and the result of measuring again. Read-only; every number is finite."""

from __future__ import annotations

from rest_framework import serializers


class CampaignRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.CharField()
    is_sample = serializers.BooleanField()


class ReachSummarySerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="The campaign's reach target (people).")
    flown_reach = serializers.IntegerField(help_text="People reached by the sorties flown (measured).")
    expected_reach = serializers.IntegerField(help_text="Flown (measured) plus planned (estimated) sorties.")
    flown_share = serializers.FloatField(allow_null=True, help_text="flown_reach / target.")
    expected_share = serializers.FloatField(allow_null=True)
    sorties_planned = serializers.IntegerField()
    sorties_flown = serializers.IntegerField()
    sorties_cancelled = serializers.IntegerField()
    occurrences = serializers.IntegerField()
    occurrences_unschedulable = serializers.IntegerField()
    occurrences_open = serializers.IntegerField()
    broadcast_min = serializers.FloatField(help_text="Minutes with the loudspeaker on over the crowd, measured.")
    planned_broadcast_min = serializers.FloatField(help_text="Planned minutes over the crowd per visit.")
    loop_min = serializers.FloatField(help_text="One loop of the playlist, minutes.")


class ReachParametersSerializer(serializers.Serializer):
    cap = serializers.FloatField()
    dwell_market_s = serializers.FloatField()
    dwell_night_market_s = serializers.FloatField()
    dwell_school_s = serializers.FloatField()
    repeat_share_market = serializers.FloatField()
    repeat_share_school = serializers.FloatField()


class ReachDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    flown = serializers.IntegerField(allow_null=True, help_text="Cumulative reach flown; null after today.")
    expected = serializers.IntegerField(help_text="Cumulative expected reach.")


class TownshipReachSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The station whose area the places are in.")
    places = serializers.IntegerField()
    sorties = serializers.IntegerField()
    flown = serializers.IntegerField()
    broadcast_min = serializers.FloatField()
    flown_reach = serializers.IntegerField()
    expected_reach = serializers.IntegerField()


class PilotReachSerializer(serializers.Serializer):
    name = serializers.CharField()
    sorties = serializers.IntegerField()
    flown = serializers.IntegerField()
    broadcast_min = serializers.FloatField()
    flight_min = serializers.FloatField()
    flown_reach = serializers.IntegerField(
        help_text="What the pilot's flown visits added (repeat visitors discounted)."
    )


class PlaceReachSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="market or school")
    id = serializers.IntegerField()
    name = serializers.CharField()
    township = serializers.CharField()
    sessions = serializers.IntegerField()
    sorties = serializers.IntegerField()
    flown = serializers.IntegerField()
    coverage = serializers.FloatField(help_text="Visits flown / sessions.")
    level = serializers.CharField()
    flown_reach = serializers.IntegerField()
    expected_reach = serializers.IntegerField()


class OccurrenceReachSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    window_start = serializers.CharField(help_text="Local time HH:MM.")
    window_end = serializers.CharField()
    place = serializers.CharField()
    township = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    expected_crowd = serializers.IntegerField()
    pilot = serializers.CharField()
    drone = serializers.CharField()
    flown = serializers.BooleanField()
    broadcast_min = serializers.FloatField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True, help_text="Measured when flown, else expected; null: no sortie.")
    measured = serializers.BooleanField()


class CampaignReachSerializer(serializers.Serializer):
    campaign = CampaignRefSerializer()
    summary = ReachSummarySerializer()
    parameters = ReachParametersSerializer()
    series = ReachDaySerializer(many=True)
    townships = TownshipReachSerializer(many=True)
    pilots = PilotReachSerializer(many=True)
    places = PlaceReachSerializer(many=True)
    occurrences = OccurrenceReachSerializer(many=True)


class YearCampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.CharField()
    is_sample = serializers.BooleanField()
    target = serializers.IntegerField()
    sorties_flown = serializers.IntegerField()
    sorties = serializers.IntegerField()
    broadcast_min = serializers.FloatField()
    flown_reach = serializers.IntegerField()
    expected_reach = serializers.IntegerField()
    flown_share = serializers.FloatField(allow_null=True)


class YearMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12)
    flown = serializers.IntegerField()
    expected = serializers.IntegerField()
    cumulative_flown = serializers.IntegerField(allow_null=True, help_text="Null for months not begun.")
    cumulative_expected = serializers.IntegerField()


class YearReachSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    target = serializers.IntegerField(help_text="CAMPAIGN_YEAR_TARGET.")
    last_year = serializers.IntegerField(help_text="CAMPAIGN_LAST_YEAR_REACH.")
    flown_reach = serializers.IntegerField()
    expected_reach = serializers.IntegerField()
    flown_share = serializers.FloatField(allow_null=True)
    expected_share = serializers.FloatField(allow_null=True)
    campaigns = YearCampaignSerializer(many=True)
    months = YearMonthSerializer(many=True)


class MeasureSkippedSerializer(serializers.Serializer):
    sortie = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()


class MeasureResultSerializer(serializers.Serializer):
    measured = serializers.IntegerField()
    changed = serializers.IntegerField()
    skipped = MeasureSkippedSerializer(many=True)
