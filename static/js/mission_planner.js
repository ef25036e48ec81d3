/* Mission planner: edit the route on the map (click to add, drag to move), save to run the checks,
 * see every violation drawn where it happens. Talks to /api/drones/missions/<id>/. */
(function () {
  "use strict";
  const el = document.getElementById("planner-map");
  const labels = JSON.parse(document.getElementById("planner-labels").textContent);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const canPlan = el.dataset.canPlan === "1";
  const map = L.map(el).setView([36.18, 118.17], 15);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);

  let mission = null;
  let route = [];
  let launch = null;
  const layers = { route: L.layerGroup().addTo(map), check: null, airspace: L.layerGroup().addTo(map) };

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function api(url, method, body) {
    return fetch(url, {
      method: method || "GET", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { throw data; } return data; });
    });
  }

  function icon(index, wp) {
    return L.divIcon({ className: "", iconSize: [22, 22], iconAnchor: [11, 11],
      html: '<div class="wp-icon' + (wp.speaker ? " speaker" : "") + '">' + (index + 1) + "</div>" });
  }

  function draw() {
    layers.route.clearLayers();
    const points = route.map(function (wp) { return [wp.lat, wp.lon]; });
    if (launch) {
      const home = L.marker(launch, { draggable: canPlan, title: labels.launch,
        icon: L.divIcon({ className: "", iconSize: [22, 22], iconAnchor: [11, 11], html: '<div class="wp-icon launch">H</div>' }) });
      home.on("dragend", function (ev) { const p = ev.target.getLatLng(); launch = [p.lat, p.lng]; draw(); });
      home.addTo(layers.route);
      L.polyline([launch].concat(points).concat(points.length ? [launch] : []),
        { color: "#1456b8", weight: 1, dashArray: "4 4" }).addTo(layers.route);
    }
    L.polyline(points, { color: "#1456b8", weight: 3 }).addTo(layers.route);
    route.forEach(function (wp, index) {
      const marker = L.marker([wp.lat, wp.lon], { draggable: canPlan, icon: icon(index, wp) });
      marker.bindTooltip(labels.waypoint + " " + (index + 1) + " · " + wp.alt_m + " m");
      marker.on("dragend", function (ev) {
        const p = ev.target.getLatLng();
        wp.lat = Number(p.lat.toFixed(7));
        wp.lon = Number(p.lng.toFixed(7));
        draw();
      });
      marker.addTo(layers.route);
    });
    table();
  }

  function table() {
    const body = document.querySelector("#wp-table tbody");
    body.innerHTML = "";
    route.forEach(function (wp, index) {
      const tr = document.createElement("tr");
      const speaker = wp.speaker === true ? "on" : wp.speaker === false ? "off" : "";
      tr.innerHTML = "<td>" + (index + 1) + "</td>" +
        '<td><input type="number" step="1" min="1" data-field="alt_m" value="' + wp.alt_m + '"' + (canPlan ? "" : " disabled") + "></td>" +
        '<td><input type="number" step="5" min="0" data-field="hold_s" value="' + (wp.hold_s || 0) + '"' + (canPlan ? "" : " disabled") + "></td>" +
        '<td><select data-field="speaker"' + (canPlan ? "" : " disabled") + '><option value="">' + esc(labels.unchanged) +
        '</option><option value="on"' + (speaker === "on" ? " selected" : "") + ">" + esc(labels.on) +
        '</option><option value="off"' + (speaker === "off" ? " selected" : "") + ">" + esc(labels.off) + "</option></select></td>" +
        "<td>" + (canPlan ? '<button type="button" class="link" data-delete="1">✕</button>' : "") + "</td>";
      tr.querySelectorAll("[data-field]").forEach(function (input) {
        input.addEventListener("change", function () {
          const field = input.dataset.field;
          if (field === "speaker") { wp.speaker = input.value === "on" ? true : input.value === "off" ? false : null; }
          else { wp[field] = Number(input.value); }
          draw();
        });
      });
      const del = tr.querySelector("[data-delete]");
      if (del) { del.addEventListener("click", function () { route.splice(index, 1); draw(); }); }
      body.appendChild(tr);
    });
  }

  function showCheck(data) {
    const status = document.getElementById("mission-status");
    status.textContent = labels[data.status] || data.status;
    status.className = "badge " + (data.status === "ready" ? "ok" : data.status === "rejected" ? "bad" : "");
    el.dataset.status = data.status;
    const validation = data.validation || {};
    const list = document.getElementById("violations");
    const violations = validation.violations || [];
    list.innerHTML = violations.length ? violations.map(function (v) {
      return '<li class="error">' + esc(v.message) + "</li>";
    }).join("") : '<li class="muted">' + esc(labels.no_violations) + "</li>";
    const e = validation.estimate;
    document.getElementById("estimate").innerHTML = e ? "<p>" + esc(labels.length) + " " + Math.round(e.total_distance_m) +
      " m · " + esc(labels.time) + " " + Math.round(e.flight_time_s / 60 * 10) / 10 + " min · " + esc(labels.endurance) +
      " " + Math.round(e.endurance_used_pct) + "% · " + esc(labels.reserve) + " " + Math.round(e.reserve_left_pct) + "%</p>" : "";
    if (layers.check) { map.removeLayer(layers.check); }
    api(el.dataset.checkUrl).then(function (geo) { layers.check = window.AirspaceLayers.check(map, geo); });
    const fly = document.getElementById("btn-fly");
    if (fly) { fly.disabled = data.status !== "ready"; }
  }

  function load(data) {
    mission = data;
    route = (data.waypoints || []).map(function (wp) { return Object.assign({ hold_s: 0, speaker: null }, wp); });
    launch = data.launch_lat != null ? [data.launch_lat, data.launch_lon] : null;
    draw();
    showCheck(data);
    const bounds = L.latLngBounds(route.map(function (wp) { return [wp.lat, wp.lon]; }).concat(launch ? [launch] : []));
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.3), { maxZoom: 18 }); }
  }

  function value(id) { const input = document.getElementById(id); return input ? input.value : ""; }

  if (canPlan) {
    document.getElementById("hint").textContent = labels.click_to_add;
    map.on("click", function (ev) {
      const last = route[route.length - 1];
      route.push({ lat: Number(ev.latlng.lat.toFixed(7)), lon: Number(ev.latlng.lng.toFixed(7)),
        alt_m: last ? last.alt_m : Number(value("f-takeoff") || 30), hold_s: 0, speaker: null });
      draw();
    });
    document.getElementById("btn-save").addEventListener("click", function () {
      const out = document.getElementById("save-result");
      const start = value("f-start");
      const body = {
        name: value("f-name"), waypoints: route, takeoff_alt_m: Number(value("f-takeoff")),
        speed_mps: value("f-speed") ? Number(value("f-speed")) : null,
        planned_start: start ? new Date(start).toISOString() : null, approval_ref: value("f-approval"),
        launch_lat: launch ? launch[0] : null, launch_lon: launch ? launch[1] : null,
      };
      api(el.dataset.missionUrl, "PATCH", body).then(function (data) {
        out.textContent = labels.saved;
        out.className = "";
        load(data);
      }).catch(function (err) {
        out.textContent = labels.error + ": " + (err.detail || JSON.stringify(err));
        out.className = "error";
      });
    });
  }
  const fly = document.getElementById("btn-fly");
  if (fly) {
    // Flying needs the drone's control: take it in the same click (asking before taking it over).
    const lock = window.DroneLock ? window.DroneLock({
      csrf: csrf, renewS: 30, me: el.dataset.username, labels: { take_over: labels.take_over },
    }) : null;
    fly.addEventListener("click", function () {
      const control = lock ? lock.take(Number(el.dataset.drone)) : Promise.resolve();
      control.then(function () { return api(el.dataset.flyUrl, "POST", {}); }).then(function (flight) {
        window.location.href = el.dataset.flightPage + flight.id + "/";
      }).catch(function (err) {
        const out = document.getElementById("save-result");
        out.textContent = err.detail || JSON.stringify(err);
        out.className = "error";
      });
    });
  }

  api(el.dataset.airspaceUrl).then(function (geo) {
    const groups = window.AirspaceLayers.zones(map, geo);
    groups.zones.addTo(layers.airspace);
    groups.markets.addTo(layers.airspace);
  }).catch(function () { /* the route still edits without the airspace layer */ });
  api(el.dataset.missionUrl).then(load);
})();
