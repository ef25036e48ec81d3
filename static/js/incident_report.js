/* The incident report form (phone first): the "call 110" prompt for urgent reports, a small Leaflet
 * map to tap the place (WGS-84, fills the hidden lat/lon fields), the gates of the chosen school, and
 * a send button that cannot be pressed twice (the hidden idempotency key makes a double send harmless
 * anyway). Without JavaScript the form still works: gate, note, time and photos. */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) { return; }
  const call110 = document.getElementById("call110");
  const latInput = form.querySelector("input[name=lat]");
  const lonInput = form.querySelector("input[name=lon]");
  const pointText = document.getElementById("point-text");
  const gateSelect = form.querySelector("select[name=gate]");
  const schoolSelect = form.querySelector("select[name=school]");

  function showUrgent() {
    const checked = form.querySelector("input[name=severity]:checked");
    if (call110) { call110.hidden = !(checked && checked.value === "urgent"); }
  }
  form.querySelectorAll("input[name=severity]").forEach(function (radio) {
    radio.addEventListener("change", showUrgent);
  });
  showUrgent();

  const mapDiv = document.getElementById("report-map");
  let map = null;
  let marker = null;
  let gateLayer = null;

  function setPoint(lat, lon) {
    latInput.value = lat === null ? "" : lat.toFixed(7);
    lonInput.value = lon === null ? "" : lon.toFixed(7);
    if (marker) { map.removeLayer(marker); marker = null; }
    if (lat !== null) {
      marker = L.marker([lat, lon]).addTo(map);
      pointText.textContent = lat.toFixed(6) + ", " + lon.toFixed(6);
    } else {
      pointText.textContent = "";
    }
  }

  if (mapDiv && window.L) {
    const lat = parseFloat(mapDiv.dataset.lat);
    const lon = parseFloat(mapDiv.dataset.lon);
    map = L.map(mapDiv).setView([lat, lon], 17);
    if (window.BaseMap) { window.BaseMap(map, mapDiv); }
    L.circleMarker([lat, lon], { radius: 5, color: "#555" }).addTo(map);
    gateLayer = L.layerGroup().addTo(map);
    map.on("click", function (ev) { setPoint(ev.latlng.lat, ev.latlng.lng); });
    if (latInput.value && lonInput.value) { setPoint(parseFloat(latInput.value), parseFloat(lonInput.value)); }
    const clear = document.getElementById("clear-point");
    if (clear) { clear.addEventListener("click", function () { setPoint(null, null); }); }
  }

  function loadGates(schoolId, fillSelect) {
    if (!schoolId || !mapDiv) { return; }
    fetch(mapDiv.dataset.gatesUrl + encodeURIComponent(schoolId) + "/", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (school) {
        if (!school) { return; }
        if (fillSelect) { while (gateSelect.options.length > 1) { gateSelect.remove(1); } }
        if (gateLayer) { gateLayer.clearLayers(); }
        (school.gates || []).forEach(function (g) {
          if (fillSelect) {
            const opt = document.createElement("option");
            opt.value = g.id;
            opt.textContent = g.name;  // text, never HTML
            gateSelect.appendChild(opt);
          }
          if (gateLayer) { L.circleMarker([g.lat, g.lon], { radius: 6, color: "#1565c0" }).bindTooltip(g.name).addTo(gateLayer); }
        });
        if (map && fillSelect && school.lat) { map.setView([school.lat, school.lon], 17); }
      });
  }
  if (schoolSelect) {
    schoolSelect.addEventListener("change", function () { setPoint(null, null); loadGates(schoolSelect.value, true); });
  }
  const current = schoolSelect ? schoolSelect.value : (mapDiv && mapDiv.dataset.school);
  if (current) { loadGates(current, false); }

  form.addEventListener("submit", function () {
    const button = form.querySelector("button[type=submit]");
    if (button) {
      // Disabled after this tick, so the pressed button's own submission still goes out.
      setTimeout(function () { button.disabled = true; button.textContent = button.dataset.sending; }, 0);
    }
  });
}());
