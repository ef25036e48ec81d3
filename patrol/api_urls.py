"""API of 护学岗 under ``/api/patrol/`` (namespace ``patrol_api``)."""

from __future__ import annotations

from patrol.duty import api_urls as duty_api
from patrol.roster import api_urls as roster_api
from patrol.schedule import api_urls as schedule_api

app_name = "patrol_api"
urlpatterns = [*schedule_api.urlpatterns, *roster_api.urlpatterns, *duty_api.urlpatterns]
