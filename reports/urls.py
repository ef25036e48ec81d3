from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("new/", views.report_create, name="report-create"),
    path("targets/", views.target_list, name="target-list"),
    path("<int:pk>/", views.report_detail, name="report-detail"),
    path("<int:pk>/refresh/", views.report_refresh_view, name="report-refresh"),
    path("<int:pk>/countermeasures/", views.report_countermeasures, name="report-countermeasures"),
    path("<int:pk>/issue/", views.report_issue_view, name="report-issue"),
    path("<int:pk>/preview/", views.report_preview, name="report-preview"),
    path("<int:pk>/pdf/", views.report_pdf_view, name="report-pdf"),
    path("<int:pk>/xlsx/", views.report_xlsx_view, name="report-xlsx"),
]
