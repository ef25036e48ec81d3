from __future__ import annotations

from django.urls import include, path

from campus import coverage, maps, views
from campus.calendar import views as calendar_views

app_name = "campus"

urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/liaison/assign/", views.school_liaison_assign, name="school_liaison_assign"),
    path("schools/<int:pk>/liaison/end/", views.school_liaison_end, name="school_liaison_end"),
    path("schools/<int:pk>/pairing/assign/", views.school_pairing_assign, name="school_pairing_assign"),
    path("schools/<int:pk>/pairing/end/", views.school_pairing_end, name="school_pairing_end"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("officers/", views.officer_list, name="officer_list"),
    path("officers/<int:pk>/", views.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/deactivate/", views.officer_deactivate, name="officer_deactivate"),
    path("officers/<int:pk>/activate/", views.officer_activate, name="officer_activate"),
    path("officers/<int:pk>/transfer/", views.officer_transfer, name="officer_transfer"),
    path("map/", maps.map_page, name="map"),
    path("coverage/", coverage.coverage_page, name="coverage"),
    path("coverage/export.xlsx", coverage.coverage_export, name="coverage_export"),
    path("calendar/years/", calendar_views.year_schedule, name="calendar_year_schedule"),
    path("imports/", include("imports.urls")),
]
