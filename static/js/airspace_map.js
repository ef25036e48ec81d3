/* Airspace map: zones in force and markets (from /api/drones/airspace/map/), or one zone or market.
 *
 * Also exported as window.AirspaceLayers for other pages (missions):
 *   AirspaceLayers.zones(map, featureCollection)  -> L.LayerGroup of the map API's features
 *   AirspaceLayers.check(map, checkResultGeoJSON) -> L.LayerGroup of a mission check (CheckResult.geojson()):
 *       the operating area (dashed), the fence exclusions, every violation in red with its message.
 *   AirspaceLayers.overlays(map, el, {schools, labels}) -> the live map's switchable overlays, shared by the
 *       live map, the planner and the flight page: schools ([{name, lat, lon}]), airspace zones in force and
 *       markets (in session highlighted) fetched from el.dataset.airspaceUrl; added to the base map's
 *       layer switcher (basemap.js) or one of their own. Sets el.dataset.schoolCount and
 *       el.dataset.airspaceFeatures (a count, or "failed": the page works on without them).
 */
(function () {
  "use strict";
  const ZONE_COLORS = { no_fly: "#c0262d", airport: "#7b3fb5", restricted: "#e08a00", crowd: "#1456b8" };
  const labelsEl = document.getElementById("map-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function zoneStyle(p) {
    const color = ZONE_COLORS[p.kind] || "#555";
    return { color: color, weight: 2, fillColor: color, fillOpacity: p.kind === "crowd" ? 0.12 : 0.22 };
  }

  function marketStyle(p) {
    const color = p.in_session ? "#1a7f37" : "#888";
    return { color: color, weight: 5, opacity: 0.85, fillColor: color, fillOpacity: 0.2 };
  }

  function zonePopup(p) {
    return "<h3>" + esc(p.name) + "</h3>" + esc(p.kind_label) +
      (p.min_alt_m != null ? "<br>" + esc(labels.min_alt) + " " + Math.round(p.min_alt_m) + " m" : "") +
      (p.buffer_m ? "<br>r = " + Math.round(p.buffer_m) + " m" : "") +
      (p.url ? '<br><a href="' + esc(p.url) + '">' + esc(labels.details) + "</a>" : "");
  }

  function marketPopup(p) {
    const next = p.next_session ? new Date(p.next_session[0]).toLocaleString() : "—";
    return "<h3>" + esc(p.name) + "</h3>" + esc(p.kind_label) + "<br><strong>" +
      esc(p.in_session ? labels.in_session : labels.not_in_session) + "</strong><br>" +
      esc(labels.next) + ": " + esc(next) + "<br>" + esc(labels.min_alt) + " " + Math.round(p.min_alt_m) + " m" +
      (p.url ? '<br><a href="' + esc(p.url) + '">' + esc(labels.details) + "</a>" : "");
  }

  function zones(map, data) {
    const group = { zones: L.layerGroup(), markets: L.layerGroup() };
    (data.features || []).forEach(function (f) {
      const p = f.properties || {};
      if (p.layer === "market") {
        if (p.in_session && p.crowd_area) {
          L.geoJSON(p.crowd_area, { style: { color: "#1a7f37", weight: 1, dashArray: "3 3", fillOpacity: 0.1 } })
            .bindTooltip(esc(p.name) + " · " + esc(labels.crowd_area)).addTo(group.markets);
        }
        L.geoJSON(f, { style: function () { return marketStyle(p); } }).bindPopup(marketPopup(p)).addTo(group.markets);
      } else {
        L.geoJSON(f, { style: function () { return zoneStyle(p); } }).bindPopup(zonePopup(p)).addTo(group.zones);
      }
    });
    return group;
  }

  function check(map, result) {
    const group = L.layerGroup();
    (result.features || []).forEach(function (f) {
      const p = f.properties || {};
      let style;
      if (p.role === "operating_area") { style = { color: "#0f2a4f", weight: 2, dashArray: "6 4", fillOpacity: 0.03 }; }
      else if (p.role === "exclusion") { style = { color: "#c0262d", weight: 1, fillOpacity: 0.15 }; }
      else if (p.role === "notice") { style = { color: "#e08a00", weight: 5, fillOpacity: 0.3 }; }
      else { style = { color: "#d00000", weight: 6, fillOpacity: 0.35 }; }
      const layer = L.geoJSON(f, {
        style: style,
        pointToLayer: function (_f, latlng) {
          return L.circleMarker(latlng, { radius: 9, color: style.color, weight: 3, fillOpacity: 0.3 });
        },
      });
      if (p.message) {
        layer.bindTooltip(esc(p.role === "notice" ? labels.notice : labels.violation) + ": " + esc(p.message));
      }
      layer.addTo(group);
    });
    return group.addTo(map);
  }

  function overlays(map, el, options) {
    const words = options.labels || {};
    const schools = options.schools || [];
    const schoolLayer = L.layerGroup(schools.map(function (s) {
      return L.circleMarker([s.lat, s.lon], { radius: 5, color: "#0f2a4f", weight: 1, fillColor: "#ffd54a", fillOpacity: 0.9 })
        .bindTooltip(esc(s.name));
    })).addTo(map);
    const zoneLayer = L.layerGroup().addTo(map);
    const marketLayer = L.layerGroup().addTo(map);
    const switcher = map.baseMapControl || L.control.layers(null, null, { collapsed: true }).addTo(map);
    switcher.addOverlay(zoneLayer, words.layer_zones);
    switcher.addOverlay(marketLayer, words.layer_markets);
    switcher.addOverlay(schoolLayer, words.layer_schools);
    el.dataset.schoolCount = String(schools.length);
    if (el.dataset.airspaceUrl) {
      fetch(el.dataset.airspaceUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (geo) {
          const groups = zones(map, geo);
          groups.zones.addTo(zoneLayer);
          groups.markets.addTo(marketLayer);
          el.dataset.airspaceFeatures = String((geo.features || []).length);
        })
        .catch(function () { el.dataset.airspaceFeatures = "failed"; });
    }
    return { schools: schoolLayer, zones: zoneLayer, markets: marketLayer };
  }

  window.AirspaceLayers = { zones: zones, check: check, zoneStyle: zoneStyle, overlays: overlays };

  // The airspace pages: a map of every zone and market (data-layers-url) or of one (#map-feature). Other
  // pages (the live map, the planner) only use the functions above.
  const el = document.getElementById("map");
  if (!el || typeof L === "undefined" || (!el.dataset.layersUrl && !document.getElementById("map-feature"))) { return; }
  const map = L.map(el, { preferCanvas: true }).setView(
    [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 11);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);

  const single = document.getElementById("map-feature");
  if (single) {
    const data = JSON.parse(single.textContent);
    const features = data.type === "FeatureCollection" ? data.features : [data];
    const layer = L.featureGroup(features.map(function (f) {
      const kind = (f.properties || {}).kind;
      const style = kind === "market" ? marketStyle({ in_session: true })
        : kind === "crowd" ? { color: "#1a7f37", weight: 1, dashArray: "3 3", fillOpacity: 0.1 } : zoneStyle({ kind: kind });
      return L.geoJSON(f, { style: style });
    })).addTo(map);
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 17 }); }
    return;
  }

  const statusEl = document.getElementById("map-status");
  fetch(el.dataset.layersUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      const group = zones(map, data);
      ["zones", "markets"].forEach(function (name) {
        const box = document.getElementById("layer-" + name);
        if (!box || box.checked) { group[name].addTo(map); }
        if (box) {
          box.addEventListener("change", function () {
            if (box.checked) { group[name].addTo(map); } else { map.removeLayer(group[name]); }
          });
        }
      });
      const all = L.featureGroup([].concat(group.zones.getLayers(), group.markets.getLayers()));
      if (all.getLayers().length) { map.fitBounds(all.getBounds(), { padding: [20, 20], maxZoom: 15 }); }
      if (statusEl) { statusEl.textContent = data.features.length + " " + labels.loaded; }
      el.dataset.featureCount = String(data.features.length);
    })
    .catch(function () {
      if (statusEl) { statusEl.textContent = labels.failed; statusEl.classList.add("error"); }
    });
})();
