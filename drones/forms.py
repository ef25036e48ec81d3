from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from drones.models import Battery, Drone, Payload, Pilot


class DroneForm(forms.ModelForm):
    payloads = forms.MultipleChoiceField(
        label=_("payloads"), choices=Payload.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Drone
        fields = [
            "name",
            "serial",
            "airframe",
            "model_name",
            "connection",
            "system_id",
            "payloads",
            "video_url",
            "video_kind",
            "speaker_output",
            "speaker_relay",
            "speaker_servo",
            "speaker_on_pwm",
            "speaker_off_pwm",
            "endurance_min",
            "cruise_speed_mps",
            "home_name",
            "home_lat",
            "home_lon",
            "home_alt_msl_m",
            "station",
            "status",
            "notes",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a post, the loudspeaker output keeps its value (a new drone: RELAY1), the video's kind
        # likewise (detected from the URL).
        for name in (*Drone.SPEAKER_FIELDS, "video_kind"):
            self.fields[name].required = False


class PilotForm(forms.ModelForm):
    class Meta:
        model = Pilot
        fields = ["user", "licence_no", "licence_class", "licence_expiry", "phone"]
        widgets = {"licence_expiry": forms.DateInput(attrs={"type": "date"})}


class BatteryForm(forms.ModelForm):
    class Meta:
        model = Battery
        fields = ["serial", "drone", "capacity_mah", "cycles", "max_cycles", "retired"]
