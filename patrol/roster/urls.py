from __future__ import annotations

from patrol.roster import generate_urls

urlpatterns: list = [*generate_urls.urlpatterns]
