"""Pages of 护学岗 (namespace ``patrol``): each part keeps its own URL list, names prefixed by part."""

from __future__ import annotations

from patrol.duty import urls as duty_urls
from patrol.roster import urls as roster_urls
from patrol.schedule import urls as schedule_urls

app_name = "patrol"
urlpatterns = [*schedule_urls.urlpatterns, *roster_urls.urlpatterns, *duty_urls.urlpatterns]
