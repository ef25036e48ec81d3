from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from common import views as common_views

admin.site.site_header = "SchoolSafe"

urlpatterns = [
    path("", common_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/token/", common_views.api_token, name="api_token"),
    path("audit/", common_views.audit_log, name="audit_log"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("campus/", include("campus.urls")),
    path("drones/", include("drones.urls")),
    path("patrol/", include("patrol.urls")),
    path("incidents/", include("campus.incidents.urls")),
    path("drills/", include("campus.drills.urls")),
    path("admin/", admin.site.urls),
    path("api/", common_views.api_root, name="api_root"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    path("api/audit/", common_views.AuditLogApi.as_view(), name="api_audit"),
    path("api/me/", common_views.MeApi.as_view(), name="api_me"),
    path("api/dashboard/", common_views.DashboardApi.as_view(), name="api_dashboard"),
    path("api/campus/", include("campus.api_urls")),
    path("api/drones/", include("drones.api_urls")),
    path("api/patrol/", include("patrol.api_urls")),
    path("api/incidents/", include("campus.incidents.api_urls")),
    path("api/drills/", include("campus.drills.api_urls")),
]

handler403 = "common.views.permission_denied"
