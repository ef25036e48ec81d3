"""``/tiles/<layer>/<z>/<x>/<y>.<ext>``: the app's own base-map tiles (``common.tiles``).

Signed-in users only: the tiles of a police county map are not public. A tile the file does not hold is
a 404, not a transparent image: a blank tile cached for a year would hide a truncated import, and the
browser never asks for one in normal use (``basemap.js`` keeps each layer to its bounds and zooms).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.tiles import RASTER_FORMATS, read_tile, sniff_format, tile_etag, tile_layers

# The URL carries ?v=<file version> (common.tiles.client_config), so a re-imported layer gets new URLs:
# the browser may keep a tile for a long time. "private": it is a signed-in user's map, never a proxy's.
CACHE_CONTROL = "private, max-age=2592000"


@require_safe
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int, ext: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseForbidden(_("Sign in to see the map tiles."), content_type="text/plain; charset=utf-8")
    source = tile_layers().get(layer)
    ext = "jpg" if ext == "jpeg" else ext
    if source is None or ext != source.info.format:
        raise Http404("No such tile layer.")
    data = read_tile(source.path, z, x, y)
    if data is None:
        raise Http404("No such tile.")
    etag = tile_etag(data)
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=RASTER_FORMATS[sniff_format(data) or source.info.format])
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response
