"""The campaign form: fields as typed; ``campaigns.planning.services.check_campaign`` decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Playlist, Theme
from campaigns.planning.selectors import default_broadcast_min, playlist_loop_s
from campaigns.planning.services import CampaignInput
from campus.models import School, Station
from drones.models import Market

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PlaylistChoiceField(forms.ModelChoiceField):
    """A playlist, labelled with its loop and what "the playlist twice" means in minutes."""

    def label_from_instance(self, playlist: Playlist) -> str:
        loop = playlist_loop_s(playlist)
        return _("%(name)s (one loop %(loop)s, twice %(twice).1f min)") % {
            "name": playlist.name,
            "loop": f"{int(loop // 60)}:{int(round(loop % 60)):02d}",
            "twice": default_broadcast_min(playlist),
        }


class MarketChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, market: Market) -> str:
        station = f" · {market.station.name}" if market.station_id else ""
        return f"{market.name} ({market.get_kind_display()}){station}"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    start_date = forms.DateField(label=_("First day"), **DATE_WIDGET)
    end_date = forms.DateField(label=_("Last day"), **DATE_WIDGET)
    playlist = PlaylistChoiceField(
        label=_("Playlist"),
        queryset=Playlist.objects.order_by("name"),
        help_text=_("Every clip of the playlist must be approved."),
    )
    reach_target = forms.IntegerField(label=_("Reach target (people)"), min_value=1, max_value=10_000_000)
    market_scope = forms.ChoiceField(label=_("Markets"), choices=Campaign.MarketScope.choices)
    market_station = forms.ModelChoiceField(
        label=_("Station area"),
        queryset=Station.objects.order_by("code"),
        required=False,
        help_text=_("With “the markets of one station's area”."),
    )
    markets = MarketChoiceField(
        label=_("Chosen markets"),
        queryset=Market.objects.select_related("station").order_by("name"),
        required=False,
        help_text=_("With “chosen markets”; hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools (dismissal patrols)"),
        queryset=School.objects.filter(active=True).order_by("name"),
        required=False,
        help_text=_("Optional; hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    visit_rule = forms.ChoiceField(label=_("Visits per market"), choices=Campaign.VisitRule.choices)
    visits_per_month = forms.IntegerField(
        label=_("Visits a month (N)"), min_value=1, max_value=31, required=False, help_text=_("With “N times a month”.")
    )
    min_broadcast_min = forms.FloatField(
        label=_("Minimum broadcast minutes per visit"),
        min_value=0.5,
        max_value=120,
        required=False,
        help_text=_("Minutes over the crowd each visit; empty: the playlist twice (shown next to each playlist)."),
    )
    time_of_day = forms.ChoiceField(label=_("Time of day"), choices=Campaign.TimeOfDay.choices)

    def values(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data["name"],
            theme=data["theme"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            playlist=data["playlist"],
            reach_target=data["reach_target"],
            market_scope=data["market_scope"],
            market_station=data.get("market_station"),
            markets=list(data.get("markets") or []),
            schools=list(data.get("schools") or []),
            visit_rule=data["visit_rule"],
            visits_per_month=data.get("visits_per_month"),
            min_broadcast_min=data.get("min_broadcast_min"),
            time_of_day=data["time_of_day"],
        )

    @classmethod
    def initial_of(cls, campaign: Campaign) -> dict:
        values = CampaignInput.of(campaign)
        return {
            **{name: getattr(values, name) for name in cls.base_fields if name not in ("markets", "schools")},
            "markets": [m.pk for m in values.markets],
            "schools": [s.pk for s in values.schools],
        }
