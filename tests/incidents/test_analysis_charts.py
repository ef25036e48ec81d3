"""Server-side SVG bar charts: well-formed, accessible, every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from incidents.charts import bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_vertical_chart_has_one_bar_per_value_with_titles():
    svg = bar_chart_svg(chart_id="hours", title="By hour", bars=[(f"{h:02d}", h % 3) for h in range(24)])
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "hours-title hours-desc"
    assert root.find(f"{SVG}title").text == "By hour"
    bars = root.findall(f"{SVG}g")
    assert len(bars) == 24
    assert bars[2].find(f"{SVG}title").text == "02: 2"
    assert float(bars[0].find(f"{SVG}rect").get("height")) == 0


def test_horizontal_chart_escapes_a_script_label():
    label = '<script>alert("x")</script> & Co'
    svg = str(bar_chart_svg(chart_id="st", title="<b>Stations</b>", bars=[(label, 3), ("B", 1)], horizontal=True))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == "<b>Stations</b>"
    assert root.findall(f"{SVG}g")[0].find(f"{SVG}title").text == f"{label}: 3"
    assert root.find(f"{SVG}desc").text == f"{label}: 3, B: 1"


def test_empty_and_zero_charts_are_valid():
    for bars in ([], [("a", 0), ("b", 0)]):
        for horizontal in (False, True):
            ET.fromstring(str(bar_chart_svg(chart_id="e", title="Empty", bars=bars, horizontal=horizontal)))


def test_chart_id_is_sanitised():
    svg = str(bar_chart_svg(chart_id='x" onload="alert(1)', title="t", bars=[("a", 1)]))
    assert "onload=" not in svg.replace("&quot;", "")
    assert 'aria-labelledby="x--onload--alert-1--title' in svg
