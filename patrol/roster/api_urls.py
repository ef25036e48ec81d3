from __future__ import annotations

from patrol.roster import generate_api_urls

urlpatterns: list = [*generate_api_urls.urlpatterns]
