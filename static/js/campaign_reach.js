/* Reach pages: the cumulative reach of a campaign against its target (json_script "reach-series"), the
 * year by month against the bureau's target ("year-series"), both with the vendored Chart.js, and the
 * campaign's markets coloured by coverage on a Leaflet map ("reach-map-features", WGS-84 GeoJSON). */
(function () {
  "use strict";
  const labelsEl = document.getElementById("reach-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  const COLORS = { flown: "#1a7f37", expected: "#1456b8", target: "#b42318", last: "#8a8a8a" };
  const COVERAGE = { none: "#9aa4af", low: "#e8a317", mid: "#5aa9e6", high: "#1a7f37" };

  function data(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  const base = { responsive: true, maintainAspectRatio: false, animation: false,
    interaction: { mode: "index", intersect: false }, plugins: { legend: { position: "bottom" } },
    scales: { y: { beginAtZero: true } } };

  function campaignChart() {
    const canvas = document.getElementById("reach-chart");
    const series = data("reach-series");
    if (!canvas || !series || typeof Chart === "undefined") { return; }
    const days = series.series.map(function (d) { return d.date.slice(5); });
    const chart = new Chart(canvas, {
      type: "line",
      data: { labels: days, datasets: [
        { label: labels.flown, data: series.series.map(function (d) { return d.flown; }),
          borderColor: COLORS.flown, backgroundColor: COLORS.flown, pointRadius: 0, spanGaps: false },
        { label: labels.expected, data: series.series.map(function (d) { return d.expected; }),
          borderColor: COLORS.expected, backgroundColor: COLORS.expected, borderDash: [6, 4], pointRadius: 0 },
        { label: labels.target, data: days.map(function () { return series.target; }),
          borderColor: COLORS.target, backgroundColor: COLORS.target, pointRadius: 0, borderWidth: 1 },
      ] },
      options: base,
    });
    canvas.dataset.drawn = String(chart.data.datasets.length);
  }

  function yearChart() {
    const canvas = document.getElementById("year-chart");
    const series = data("year-series");
    if (!canvas || !series || typeof Chart === "undefined") { return; }
    const months = series.months.map(function (m) { return String(m.month); });
    const chart = new Chart(canvas, {
      data: { labels: months, datasets: [
        { type: "bar", label: labels.monthly, data: series.months.map(function (m) { return m.flown; }),
          backgroundColor: COLORS.flown, order: 2 },
        { type: "line", label: labels.flown, data: series.months.map(function (m) { return m.cumulative_flown; }),
          borderColor: COLORS.flown, backgroundColor: COLORS.flown, order: 1 },
        { type: "line", label: labels.expected, data: series.months.map(function (m) { return m.cumulative_expected; }),
          borderColor: COLORS.expected, backgroundColor: COLORS.expected, borderDash: [6, 4], order: 1 },
        { type: "line", label: labels.target, data: months.map(function () { return series.target; }),
          borderColor: COLORS.target, backgroundColor: COLORS.target, pointRadius: 0, borderWidth: 1, order: 0 },
        { type: "line", label: labels.last_year, data: months.map(function () { return series.last_year; }),
          borderColor: COLORS.last, backgroundColor: COLORS.last, pointRadius: 0, borderWidth: 1, borderDash: [2, 3], order: 0 },
      ] },
      options: base,
    });
    canvas.dataset.drawn = String(chart.data.datasets.length);
  }

  function coverageMap() {
    const el = document.getElementById("reach-map");
    const features = data("reach-map-features");
    if (!el || !features || typeof L === "undefined") { return; }
    const map = L.map(el).setView([parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 10);
    if (window.BaseMap) { window.BaseMap(map, el); }
    L.control.scale({ imperial: false }).addTo(map);
    const layer = L.geoJSON(features, {
      style: function (f) {
        const color = COVERAGE[(f.properties || {}).level] || COVERAGE.none;
        return { color: color, weight: 6, opacity: 0.9, fillColor: color, fillOpacity: 0.35 };
      },
      pointToLayer: function (f, latlng) {
        const color = COVERAGE[(f.properties || {}).level] || COVERAGE.none;
        return L.circleMarker(latlng, { radius: 8, color: color, weight: 2, fillColor: color, fillOpacity: 0.6 });
      },
      onEachFeature: function (f, item) {
        const p = f.properties || {};
        item.bindPopup("<h3>" + esc(p.name) + "</h3>" + esc(p.township) + "<br>" +
          esc(labels.coverage) + ": " + esc(Math.round((p.coverage || 0) * 100)) + "% (" + esc(p.flown) + " " +
          esc(labels.visits_flown) + " / " + esc(p.sessions) + " " + esc(labels.sessions) + ")<br>" +
          esc(p.flown_reach) + " " + esc(labels.reached));
      },
    }).addTo(map);
    el.dataset.drawn = String(layer.getLayers().length);
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
    } else if (labels.none) {
      el.title = labels.none;
    }
  }

  campaignChart();
  yearChart();
  coverageMap();
})();
