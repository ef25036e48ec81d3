/* Incident hot spots of the month: each incident as a point coloured by severity, schools sized by count.
   Data: the analysis hot-spot API (GeoJSON, WGS-84). Text from the server is escaped before it goes in HTML. */
(function () {
  "use strict";
  const el = document.getElementById("hotspot-map");
  if (!el || typeof L === "undefined") { return; }
  const labels = JSON.parse(document.getElementById("hotspot-labels").textContent);
  const statusEl = document.getElementById("hotspot-status");
  const COLORS = { urgent: "#c0262d", high: "#e08a00", medium: "#1456b8", low: "#8a94a6" };

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  const map = L.map(el, { preferCanvas: true }).setView(
    [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 11);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);
  const schools = L.layerGroup().addTo(map);
  const incidents = L.layerGroup().addTo(map);
  const overlays = {};
  overlays[esc(labels.schools)] = schools;
  overlays[esc(labels.incidents)] = incidents;
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  function render(data) {
    const bounds = [];
    data.schools.features.forEach(function (f) {
      const p = f.properties;
      const latlng = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      bounds.push(latlng);
      L.circleMarker(latlng, { radius: 6 + 4 * Math.sqrt(p.count), color: "#7b3fb5", weight: 1,
                               fillColor: "#7b3fb5", fillOpacity: 0.25 })
        .bindTooltip(esc(p.name) + " · " + p.count + " " + esc(labels.reported))
        .addTo(schools);
    });
    data.incidents.features.forEach(function (f) {
      const p = f.properties;
      const latlng = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      bounds.push(latlng);
      L.circleMarker(latlng, { radius: 5, color: "#fff", weight: 1, fillColor: COLORS[p.severity] || "#555",
                               fillOpacity: 0.9 })
        .bindPopup("<strong>" + esc(p.reference) + "</strong><br>" + esc(p.school) + "<br>" +
                   esc(p.category_label) + " · " + esc(p.severity_label) + " · " + esc(p.status_label) + "<br>" +
                   esc(p.occurred_at) + " (" + esc((labels.where || {})[p.source] || p.source) + ")")
        .addTo(incidents);
    });
    el.dataset.incidentCount = String(data.incidents.features.length);
    el.dataset.schoolCount = String(data.schools.features.length);
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
      statusEl.textContent = data.incidents.features.length + " " + labels.loaded;
    } else {
      statusEl.textContent = labels.none;
    }
  }

  fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(render)
    .catch(function () { statusEl.textContent = labels.failed; });
})();
