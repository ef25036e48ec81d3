/* School map: jurisdictions, zones, schools coloured by liaison status. Data from the map layers API. */
(function () {
  "use strict";
  const el = document.getElementById("map");
  const labels = JSON.parse(document.getElementById("map-labels").textContent);
  const statusLabels = JSON.parse(document.getElementById("status-labels").textContent);
  const COLORS = { covered: "#1a7f37", uncovered: "#c0262d", officer_inactive: "#c0262d",
                   officer_transferred: "#e08a00", wrong_station: "#7b3fb5" };
  const statusEl = document.getElementById("map-status");

  const map = L.map(el, { preferCanvas: true }).setView(
    [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 11);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  const layers = { stations: L.layerGroup(), zones: L.layerGroup(), schools: L.layerGroup(), gates: L.layerGroup() };
  const markers = {};

  function stationPopup(p) {
    return "<h3>" + esc(p.name) + "</h3>" + esc(labels.duty) + ": " + esc(p.duty_phone || "—") + "<br>" +
      esc(labels.schools) + ": " + p.schools + " · " + esc(labels.covered) + ": " + p.covered +
      (p.url ? '<br><a href="' + esc(p.url) + '">' + esc(labels.details) + "</a>" : "");
  }

  // Colours go through element.style (the CSSOM), never a style="" attribute in markup: the
  // Content-Security-Policy refuses those.
  function schoolPopup(p) {
    const l = p.liaison;
    const popup = document.createElement("div");
    popup.innerHTML = "<h3>" + esc(p.name) + "</h3>" + esc(p.level) + " · " + esc(labels.pupils) + " " + p.pupils + "<br>" +
      esc(labels.station) + ": " + esc(p.station || "—") + "<br>" +
      esc(labels.liaison) + ": " + (l ? esc(l.name) + ' <a href="tel:' + esc(l.phone) + '">' + esc(l.phone) + "</a>"
                                       : "<strong>" + esc(labels.none) + "</strong>") + "<br>" +
      '<span class="status-mark">● ' + esc(p.status_label) + "</span>" +
      ' · <a href="' + esc(p.url) + '">' + esc(labels.details) + "</a>";
    popup.querySelector(".status-mark").style.color = COLORS[p.status] || "#555";
    return popup;
  }

  function render(data) {
    L.geoJSON(data.stations, {
      style: { color: "#0f2a4f", weight: 2, fillOpacity: 0.04, dashArray: "4 3" },
      onEachFeature: function (f, layer) {
        layer.bindPopup(stationPopup(f.properties));
        const p = f.properties;
        if (p.lat != null && p.lon != null) {
          // The station building, labelled with the station's name.
          L.marker([p.lat, p.lon], { icon: L.divIcon({ className: "station-label", html: "&#9733; " + esc(p.name),
                                                        iconSize: null, iconAnchor: [6, 8] }) })
            .bindPopup(stationPopup(p)).addTo(layers.stations);
        }
      },
    }).addTo(layers.stations);
    L.geoJSON(data.zones, {
      style: { color: "#1456b8", weight: 1, fillOpacity: 0.08 },
      onEachFeature: function (f, layer) { layer.bindTooltip(esc(labels.zone) + " " + esc(f.properties.name) + " · " + esc(f.properties.station)); },
    }).addTo(layers.zones);
    const counts = {};
    const names = document.getElementById("school-names");
    data.schools.features.forEach(function (f) {
      const p = f.properties;
      const latlng = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      counts[p.status] = (counts[p.status] || 0) + 1;
      const marker = L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: COLORS[p.status] || "#555", fillOpacity: 0.95 });
      marker.bindPopup(schoolPopup(p));
      marker.bindTooltip(esc(p.name));
      marker.options.schoolId = p.id;
      marker.options.status = p.status;
      marker.addTo(layers.schools);
      markers[p.id] = marker;
      const option = document.createElement("option");
      option.value = p.name + " (" + p.code + ")";
      names.appendChild(option);
      if (p.campus) { L.geoJSON(p.campus, { style: { color: "#555", weight: 1, fillOpacity: 0.1 } }).addTo(layers.gates); }
      (p.gates || []).forEach(function (g) {
        L.circleMarker([g.lat, g.lon], { radius: 4, color: "#333", weight: 1, fillColor: g.is_main ? "#ffd400" : "#ddd", fillOpacity: 1 })
          .bindTooltip(esc(p.name) + " · " + esc(labels.gate) + " " + esc(g.name)).addTo(layers.gates);
      });
    });
    const legend = document.getElementById("legend");
    Object.keys(COLORS).forEach(function (key) {
      const li = document.createElement("li");
      li.innerHTML = '<span class="dot"></span>' + esc(statusLabels[key] || key) + " (" + (counts[key] || 0) + ")";
      li.querySelector(".dot").style.background = COLORS[key];
      legend.appendChild(li);
    });
    statusEl.textContent = data.schools.features.length + " " + labels.loaded;
    el.dataset.schoolCount = String(data.schools.features.length);

    const all = L.featureGroup([].concat(layers.stations.getLayers(), layers.schools.getLayers()));
    const focus = el.dataset.focusSchool;
    if (focus && markers[focus]) {
      map.setView(markers[focus].getLatLng(), 16);
      markers[focus].openPopup();
      document.getElementById("layer-gates").checked = true;
      layers.gates.addTo(map);
    } else if (all.getLayers().length) {
      map.fitBounds(all.getBounds(), { padding: [20, 20], maxZoom: 16 });
    }
  }

  ["stations", "zones", "schools", "gates"].forEach(function (name) {
    const box = document.getElementById("layer-" + name);
    if (box.checked) { layers[name].addTo(map); }
    box.addEventListener("change", function () { if (box.checked) { layers[name].addTo(map); } else { map.removeLayer(layers[name]); } });
  });

  document.getElementById("school-search").addEventListener("change", function (ev) {
    const q = ev.target.value.trim().toLowerCase();
    if (!q) { return; }
    const hit = Object.values(markers).find(function (m) {
      const text = m.getTooltip().getContent().toLowerCase();
      return q.indexOf(text) === 0 || text.indexOf(q) !== -1;
    });
    if (hit) { map.setView(hit.getLatLng(), 16); hit.openPopup(); }
  });

  fetch(el.dataset.layersUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(render)
    .catch(function () { statusEl.textContent = labels.failed; statusEl.classList.add("error"); });
})();
