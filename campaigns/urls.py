"""Campaign pages (namespace ``campaigns``), one list of paths per part: content (clips and playlists,
``clip-...``, ``playlist-...``), planning (campaigns, occurrences and the schedule, ``campaign-...``),
day sheets and flight applications (``sheet-...``, ``application-...``) and reach (``reach-...``)."""

from __future__ import annotations

from django.urls import path

from campaigns.content import views as content_views
from campaigns.planning import views as planning_views
from campaigns.reporting import views as reach_views
from campaigns.sheets import views as sheet_views

app_name = "campaigns"

content_patterns: list = [
    path("clips/", content_views.clip_list, name="clip-list"),
    path("clips/new/", content_views.clip_new, name="clip-new"),
    path("clips/<int:pk>/", content_views.clip_detail, name="clip-detail"),
    path("clips/<int:pk>/edit/", content_views.clip_edit, name="clip-edit"),
    path("clips/<int:pk>/audio/", content_views.clip_audio, name="clip-audio"),
    path("clips/<int:pk>/submit/", content_views.clip_submit, name="clip-submit"),
    path("clips/<int:pk>/approve/", content_views.clip_approve, name="clip-approve"),
    path("clips/<int:pk>/return/", content_views.clip_return, name="clip-return"),
    path("playlists/", content_views.playlist_list, name="playlist-list"),
    path("playlists/new/", content_views.playlist_new, name="playlist-new"),
    path("playlists/<int:pk>/", content_views.playlist_detail, name="playlist-detail"),
    path("playlists/<int:pk>/edit/", content_views.playlist_edit, name="playlist-edit"),
    path("playlists/<int:pk>/delete/", content_views.playlist_delete, name="playlist-delete"),
]

planning_patterns: list = [
    path("", planning_views.campaign_list, name="campaign-list"),
    path("new/", planning_views.campaign_new, name="campaign-new"),
    path("<int:pk>/", planning_views.campaign_detail, name="campaign-detail"),
    path("<int:pk>/edit/", planning_views.campaign_edit, name="campaign-edit"),
    path("<int:pk>/build/", planning_views.campaign_build, name="campaign-build"),
    path("<int:pk>/schedule/", planning_views.campaign_schedule, name="campaign-schedule"),
    path("<int:pk>/occurrences/", planning_views.campaign_occurrences, name="campaign-occurrences"),
]

sheet_patterns: list = [
    path("sheets/", sheet_views.sheet_day, name="sheet-day"),
    path("sheets/sorties/<int:pk>/fly/", sheet_views.sheet_fly, name="sheet-fly"),
    path("sheets/pilots/<int:pk>/calendar-token/", sheet_views.sheet_calendar_renew, name="sheet-calendar-token"),
    path("sheets/calendar/<str:token>.ics", sheet_views.sheet_calendar, name="sheet-calendar"),
    path("applications/", sheet_views.application_list, name="application-list"),
    path("applications/submit/", sheet_views.application_submit_day, name="application-submit-day"),
    path("applications/<int:pk>/submit/", sheet_views.application_submit, name="application-submit"),
    path("applications/<int:pk>/approve/", sheet_views.application_approve, name="application-approve"),
    path("applications/<int:pk>/refuse/", sheet_views.application_refuse, name="application-refuse"),
]

reach_patterns: list = [
    path("reach/", reach_views.year_reach, name="reach-year"),
    path("<int:pk>/reach/", reach_views.campaign_reach, name="reach-campaign"),
    path("<int:pk>/reach/report/", reach_views.campaign_report, name="reach-report"),
    path("<int:pk>/reach/report.xlsx", reach_views.campaign_report_export, name="reach-export"),
    path("<int:pk>/reach/measure/", reach_views.campaign_measure_again, name="reach-measure"),
]

urlpatterns = [*content_patterns, *planning_patterns, *sheet_patterns, *reach_patterns]
