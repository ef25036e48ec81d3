from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from campus import api as campus_api
from common import views as common_views
from common.tile_views import tile as map_tile

admin.site.site_header = "SchoolSafe"

urlpatterns = [
    path("", common_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/token/", common_views.api_token, name="api_token"),
    path("accounts/token/<int:pk>/revoke/", common_views.api_token_revoke_view, name="api_token_revoke"),
    path("accounts/token/revoke-all/", common_views.api_tokens_revoke_all_view, name="api_tokens_revoke_all"),
    path("audit/", common_views.audit_log, name="audit_log"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.<str:ext>", map_tile, name="map_tile"),
    path("campus/", include("campus.urls")),
    path("drones/", include("drones.urls")),
    path("patrol/", include("patrol.urls")),
    path("incidents/", include("incidents.urls")),
    path("drills/", include("drills.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("notices/", include("notices.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/", common_views.api_root, name="api_root"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI's start-up script is served by the same view (?script), so it runs under script-src 'self'.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="common/api_swagger.html"),
        name="api_docs",
    ),
    # ReDoc (styled-components) writes its styles into <style> elements at run time and runs its search in
    # a worker made from a blob: URL: only this page's policy allows both.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api_schema", template_name="common/api_redoc.html")
        ),
        name="api_redoc",
    ),
    path("api/audit/", common_views.AuditLogApi.as_view(), name="api_audit"),
    path("api/me/", campus_api.MeApi.as_view(), name="api_me"),
    path("api/dashboard/", common_views.DashboardApi.as_view(), name="api_dashboard"),
    path("api/campus/", include("campus.api_urls")),
    path("api/drones/", include("drones.api_urls")),
    path("api/patrol/", include("patrol.api_urls")),
    path("api/incidents/", include("incidents.api_urls")),
    path("api/drills/", include("drills.api_urls")),
    path("api/campaigns/", include("campaigns.api_urls")),
    path("api/notices/", include("notices.api_urls")),
    path("api/reports/", include("reports.api_urls")),
]

handler403 = "common.views.permission_denied"
