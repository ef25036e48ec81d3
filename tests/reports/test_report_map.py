"""The hot-spot map's outlines: the county's boundary (the union of the stations' jurisdictions) or the one
station's, and for the county each station's jurisdiction and name, stored with the figures and drawn under the
points in the SVG and the PDF."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from campus.models import Station
from reports import services
from reports.charts import OUTLINE_COLOR, hotspot_map_svg
from reports.figures import area_figures, report_figures
from reports.presentation import report_context
from reports.rendering import pdf_available, report_pdf
from tests.reports.conftest import OCTOBER


def _bbox(rings: list) -> tuple[float, float, float, float]:
    xs = [x for ring in rings for x, _y in ring]
    ys = [y for ring in rings for _x, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def test_county_outline_is_the_union_of_the_jurisdictions_with_each_station(county):
    areas = area_figures(station=None)
    # North (36.25-36.35) and South (36.00-36.10) do not touch: two rings, each its station's square.
    assert sorted(_bbox([ring]) for ring in areas["outline"]) == [
        (118.12, 36.0, 118.22, 36.1),
        (118.12, 36.25, 118.22, 36.35),
    ]
    assert [(s["name"], _bbox(s["rings"])) for s in areas["stations"]] == [
        ("North station", (118.12, 36.25, 118.22, 36.35)),
        ("South station", (118.12, 36.0, 118.22, 36.1)),
    ]
    north_label = areas["stations"][0]["label_at"]
    assert 118.12 < north_label[0] < 118.22 and 36.25 < north_label[1] < 36.35


def test_station_report_outlines_its_own_jurisdiction_only(county):
    areas = report_figures(month=OCTOBER, station=county["north"])["hotspots"]["areas"]
    assert [_bbox([ring]) for ring in areas["outline"]] == [(118.12, 36.25, 118.22, 36.35)]
    assert areas["stations"] == []


def test_stations_without_a_valid_jurisdiction_are_left_out(county):
    Station.objects.filter(pk=county["south"].pk).update(jurisdiction={"type": "Point", "coordinates": [118, 36]})
    areas = area_figures(station=None)
    assert [s["name"] for s in areas["stations"]] == ["North station"]
    Station.objects.update(jurisdiction=None)
    assert area_figures(station=None) == {"outline": [], "stations": []}


def _path_points(svg: str, css_class: str) -> list[tuple[float, float]]:
    d = re.search(rf'<path class="{css_class}" d="([^"]+)"', svg).group(1)
    return [tuple(map(float, xy.split(","))) for xy in re.findall(r"[-\d.]+,[-\d.]+", d)]


def test_svg_draws_outline_and_station_lines_under_the_points(county):
    snapshot = report_figures(month=OCTOBER, station=None)
    svg = str(report_context(snapshot, countermeasures="")["charts"]["map"])
    outline_at = svg.index('class="map-outline"')
    assert outline_at < svg.index("<circle")  # drawn first: under the schools and incidents
    assert svg.count('class="map-station"') == 2 and ">North station</text>" in svg
    points = _path_points(svg, "map-outline")
    assert len(points) == 10  # two squares of five corners (closed rings)
    # The outline fits inside the 640 x 420 map, with room for the points.
    assert all(0 <= x <= 640 and 0 <= y <= 420 for x, y in points)
    assert max(y for _x, y in points) - min(y for _x, y in points) > 300  # it spans the map, not a corner


def test_station_names_in_the_map_are_escaped():
    areas = {
        "outline": [[[118.0, 36.0], [118.1, 36.0], [118.1, 36.1], [118.0, 36.0]]],
        "stations": [
            {
                "id": 1,
                "name": "<script>x</script>",
                "rings": [[[118.0, 36.0], [118.1, 36.0], [118.1, 36.1], [118.0, 36.0]]],
                "label_at": [118.05, 36.03],
            }
        ],
    }
    svg = str(hotspot_map_svg(chart_id="m", title="t", schools=[], incidents=[], areas=areas))
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg


def test_a_snapshot_issued_before_the_outlines_still_renders(county):
    snapshot = report_figures(month=OCTOBER, station=None)
    del snapshot["hotspots"]["areas"]
    svg = str(report_context(snapshot, countermeasures="")["charts"]["map"])
    assert "map-outline" not in svg and "<circle" in svg


def test_preview_explains_the_lines(county, author):
    report = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(author)
    page = client.get(reverse("reports:report-preview", args=[report.pk])).content.decode()
    assert 'class="map-outline"' in page
    assert "dashed lines part the stations" in page


def _rg(hex_color: str) -> str:
    """A colour as WeasyPrint writes a stroke colour in the PDF's content stream ("r g b RG")."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return " ".join(f"{c:.6f}".rstrip("0").rstrip(".") for c in channels) + " RG"


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint is not installed: pip install -r requirements.txt")
def test_pdf_draws_the_outline(county, author):
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install -r requirements-dev.txt")

    def strokes(report) -> str:
        reader = pypdf.PdfReader(io.BytesIO(report_pdf(report, None)))
        return "\n".join(page.get_contents().get_data().decode("latin-1") for page in reader.pages)

    with_outline = services.report_draft_create(actor=author, month=OCTOBER, station=None)
    assert _rg(OUTLINE_COLOR) in strokes(with_outline)
    Station.objects.update(jurisdiction=None)
    without = services.report_draft_create(actor=author, month=OCTOBER, station=county["north"])
    assert _rg(OUTLINE_COLOR) not in strokes(without)
