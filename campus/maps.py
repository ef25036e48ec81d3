"""The registry map: stations' jurisdictions, urban zones, schools coloured by liaison coverage.

The page is a Leaflet map (vendored) fed by one GeoJSON endpoint. There is no
tile layer unless ``settings.MAP_TILE_URL`` is set, so it works offline.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campus import selectors
from campus.models import Station, Zone
from campus.templatetags.campus_tags import PROBLEMS
from common.permissions import HasCapability, capability_required
from common.roles import Capability, can


def _feature(geometry: dict | None, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def map_layers(user) -> dict:
    """GeoJSON layers the user may see. School safety staff get only their own school."""
    schools = list(
        selectors.schools_with_current(selectors.school_list_visible(user).filter(active=True)).prefetch_related(
            "gates"
        )
    )
    school_features = []
    counts: dict[int | None, list[int]] = {}  # station id -> [schools, covered]
    for school in schools:
        liaison = school.current_liaison[0] if school.current_liaison else None
        status = (selectors.liaison_problem(liaison) if liaison else "uncovered") or "covered"
        officer = liaison.officer if liaison else None
        bucket = counts.setdefault(school.responsible_station_id, [0, 0])
        bucket[0] += 1
        bucket[1] += status == "covered"
        school_features.append(
            _feature(
                {"type": "Point", "coordinates": [school.lon, school.lat]},
                {
                    "id": school.id,
                    "code": school.code,
                    "name": school.name,
                    "level": school.get_level_display(),
                    "area": school.area,
                    "pupils": school.pupils,
                    "status": status,
                    "status_label": str(PROBLEMS[None if status == "covered" else status][1]),
                    "station": school.responsible_station.name if school.responsible_station else None,
                    "liaison": {"name": officer.name, "badge_no": officer.badge_no, "phone": officer.phone}
                    if officer
                    else None,
                    "url": reverse("campus:school_detail", args=[school.id]),
                    "campus": school.campus,
                    "gates": [
                        {"name": g.name, "lat": g.lat, "lon": g.lon, "is_main": g.is_main} for g in school.gates.all()
                    ],
                    "is_sample": school.is_sample,
                },
            )
        )
    layers = {"schools": _collection(school_features), "stations": _collection([]), "zones": _collection([])}
    if can(user, Capability.VIEW_COVERAGE) or can(user, Capability.VIEW_DRONES):
        layers["stations"] = _collection(
            [
                _feature(
                    st.jurisdiction,
                    {
                        "id": st.id,
                        "code": st.code,
                        "name": st.name,
                        "duty_phone": st.duty_phone,
                        "lat": st.lat,
                        "lon": st.lon,
                        "schools": counts.get(st.id, [0, 0])[0],
                        "covered": counts.get(st.id, [0, 0])[1],
                        "url": reverse("campus:station_detail", args=[st.id])
                        if can(user, Capability.VIEW_COVERAGE)
                        else "",
                    },
                )
                for st in Station.objects.all()
            ]
        )
        layers["zones"] = _collection(
            [
                _feature(z.boundary, {"id": z.id, "code": z.code, "name": z.name, "station": z.station.name})
                for z in Zone.objects.select_related("station")
            ]
        )
    return layers


@capability_required(Capability.VIEW_REGISTRY)
def map_page(request):
    focus = request.GET.get("school", "")
    return render(
        request,
        "campus/map.html",
        {
            "center": settings.MAP_CENTER,
            "focus_school": int(focus) if focus.isdigit() else None,
            "problems": {key or "covered": str(label) for key, (_css, label) in PROBLEMS.items()},
            "map_labels": {
                "liaison": _("Liaison officer"),
                "none": _("none"),
                "station": _("Station"),
                "schools": _("Schools"),
                "covered": _("Covered"),
                "duty": _("Duty desk"),
                "details": _("Details"),
                "zone": _("Urban zone"),
                "pupils": _("Pupils"),
                "loaded": _("schools shown"),
                "gate": _("Gate"),
                "failed": _("The map data could not be loaded."),
            },
        },
    )


_FC = serializers.DictField(help_text="GeoJSON FeatureCollection (WGS-84)")


class MapLayersApi(APIView):
    """GeoJSON for the map: jurisdictions, zones and schools with their liaison status."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_REGISTRY

    @extend_schema(responses=inline_serializer("MapLayers", {"schools": _FC, "stations": _FC, "zones": _FC}))
    def get(self, request):
        return Response(map_layers(request.user))
