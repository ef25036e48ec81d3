/* A day sheet's launch points on a small map: one numbered marker per sortie (grey when cancelled),
 * with a line to the place it broadcasts over. Points come from json_script "sheet-map-points", WGS-84. */
(function () {
  "use strict";
  const el = document.getElementById("sheet-map");
  const source = document.getElementById("sheet-map-points");
  if (!el || !source || typeof L === "undefined") { return; }
  const labelsEl = document.getElementById("sheet-map-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  const map = L.map(el).setView([parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 11);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);

  const points = JSON.parse(source.textContent);
  const group = L.featureGroup().addTo(map);
  points.forEach(function (p, index) {
    if (p.lat == null || p.lon == null) { return; }
    const color = p.cancelled ? "#777777" : "#b8141d";
    const marker = L.circleMarker([p.lat, p.lon], { radius: 8, color: color, weight: 2, fillColor: color, fillOpacity: 0.6 });
    marker.bindTooltip(String(index + 1), { permanent: true, direction: "center", className: "sheet-map-number" });
    marker.bindPopup("<strong>" + esc(labels.launch) + "</strong><br>" + esc(p.start) + " " + esc(labels.take_off) +
      "<br>" + esc(p.place) + " · " + esc(p.drone) + (p.cancelled ? "<br>" + esc(labels.cancelled) : ""));
    marker.addTo(group);
    if (p.place_lat != null && p.place_lon != null) {
      L.polyline([[p.lat, p.lon], [p.place_lat, p.place_lon]], { color: color, weight: 2, dashArray: "4 4" }).addTo(group);
    }
  });
  el.dataset.drawn = String(points.length);
  if (group.getLayers().length) {
    map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 15, animate: false });
  }
})();
