/* A campaign's targets on a map: markets (street or area, green) and schools (points, blue).
 * The features come from the page (json_script "campaign-map-features"), WGS-84 GeoJSON. */
(function () {
  "use strict";
  const el = document.getElementById("map");
  const source = document.getElementById("campaign-map-features");
  if (!el || !source || typeof L === "undefined") { return; }
  const labelsEl = document.getElementById("map-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  const map = L.map(el).setView(
    [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 10);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);

  const data = JSON.parse(source.textContent);
  const layer = L.geoJSON(data, {
    style: function (f) {
      const color = (f.properties || {}).layer === "school" ? "#1456b8" : "#1a7f37";
      return { color: color, weight: (f.properties || {}).layer === "school" ? 2 : 5, opacity: 0.85,
        fillColor: color, fillOpacity: (f.properties || {}).layer === "school" ? 0.5 : 0.2 };
    },
    pointToLayer: function (_f, latlng) {
      return L.circleMarker(latlng, { radius: 7, color: "#1456b8", weight: 2, fillColor: "#1456b8", fillOpacity: 0.5 });
    },
    onEachFeature: function (f, item) {
      const p = f.properties || {};
      const school = p.layer === "school";
      const extra = school ? (p.pupils != null ? p.pupils + " " + labels.pupils : "")
        : (p.attendance != null ? p.attendance + " " + labels.attendance : "");
      item.bindPopup("<h3>" + esc(p.name) + "</h3>" + esc(school ? labels.school : labels.market) +
        (extra ? "<br>" + esc(extra) : ""));
    },
  }).addTo(map);
  el.dataset.drawn = String(layer.getLayers().length);
  if (layer.getLayers().length) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
  } else if (labels.none) {
    el.setAttribute("data-empty", labels.none);
    el.title = labels.none;
  }
})();
