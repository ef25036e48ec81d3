"""Campaign API under ``/api/campaigns/`` (namespace ``campaigns_api``), one list of paths per part:
content (clips and playlists, ``clip-...``, ``playlist-...``), planning (campaigns, occurrences and the
schedule, ``campaign-...``), day sheets and flight applications (``sheet-...``, ``application-...``) and
reach (``reach-...``)."""

from __future__ import annotations

from django.urls import path

from campaigns.content import api as content_api
from campaigns.planning import api as planning_api
from campaigns.reporting import api as reach_api
from campaigns.sheets import api as sheet_api

app_name = "campaigns_api"

content_patterns: list = [
    path("clips/", content_api.ClipViewSet.as_view({"get": "list", "post": "create"}), name="clip-list"),
    path(
        "clips/<int:pk>/",
        content_api.ClipViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="clip-detail",
    ),
    path("clips/<int:pk>/audio/", content_api.ClipViewSet.as_view({"get": "audio"}), name="clip-audio"),
    path("clips/<int:pk>/submit/", content_api.ClipViewSet.as_view({"post": "submit"}), name="clip-submit"),
    path("clips/<int:pk>/approve/", content_api.ClipViewSet.as_view({"post": "approve"}), name="clip-approve"),
    path("clips/<int:pk>/return/", content_api.ClipViewSet.as_view({"post": "give_back"}), name="clip-return"),
    path("playlists/", content_api.PlaylistViewSet.as_view({"get": "list", "post": "create"}), name="playlist-list"),
    path(
        "playlists/<int:pk>/",
        content_api.PlaylistViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="playlist-detail",
    ),
]

planning_patterns: list = [
    path("campaigns/", planning_api.CampaignViewSet.as_view({"get": "list", "post": "create"}), name="campaign-list"),
    path(
        "campaigns/<int:pk>/",
        planning_api.CampaignViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="campaign-detail",
    ),
    path(
        "campaigns/<int:pk>/build-occurrences/",
        planning_api.CampaignViewSet.as_view({"post": "build"}),
        name="campaign-build",
    ),
    path(
        "campaigns/<int:pk>/schedule/",
        planning_api.CampaignViewSet.as_view({"post": "schedule"}),
        name="campaign-schedule",
    ),
    path("campaigns/<int:pk>/occurrences/", planning_api.CampaignOccurrenceList.as_view(), name="campaign-occurrences"),
]

sheet_patterns: list = [
    path("sheets/", sheet_api.SheetApi.as_view(), name="sheet-day"),
    path("sheets/sorties/<int:pk>/fly/", sheet_api.SortieFlyApi.as_view(), name="sheet-fly"),
    path("applications/", sheet_api.ApplicationListApi.as_view(), name="application-list"),
    path("applications/submit/", sheet_api.ApplicationSubmitDayApi.as_view(), name="application-submit-day"),
    path("applications/<int:pk>/submit/", sheet_api.ApplicationSubmitApi.as_view(), name="application-submit"),
    path("applications/<int:pk>/approve/", sheet_api.ApplicationApproveApi.as_view(), name="application-approve"),
    path("applications/<int:pk>/refuse/", sheet_api.ApplicationRefuseApi.as_view(), name="application-refuse"),
]

reach_patterns: list = [
    path("reach/", reach_api.YearReachApi.as_view(), name="reach-year"),
    path("campaigns/<int:pk>/reach/", reach_api.CampaignReachApi.as_view(), name="reach-campaign"),
    path("campaigns/<int:pk>/measure/", reach_api.CampaignMeasureApi.as_view(), name="reach-measure"),
]

urlpatterns = [*content_patterns, *planning_patterns, *sheet_patterns, *reach_patterns]
