/* Mission planner: edit the route on the map and in the waypoint table, save to run the checks, see every
 * violation drawn where it happens. Talks to /api/drones/missions/<id>/ (PATCH saves and checks, .../map/
 * is the check's GeoJSON).
 *
 * Editing: click the map to add a waypoint at the end, click a leg of the route to insert one there, drag
 * waypoints and the launch point; in the table: typed coordinates (in the chosen datum, stored as WGS-84),
 * height, hold, loudspeaker, insert after, move up/down, delete. Every edit first saves a snapshot of the
 * route and launch point, so Undo (button, Ctrl/Cmd+Z) and Redo (Ctrl/Cmd+Shift+Z, Ctrl+Y) walk them.
 * Uses window.Coords (coords.js), window.PlannerRoute (planner_route.js), window.PlannerProfile
 * (planner_profile.js), window.AirspaceLayers (airspace_map.js), window.BaseMap (basemap.js). */
(function () {
  "use strict";
  const el = document.getElementById("planner-map");
  const labels = JSON.parse(document.getElementById("planner-labels").textContent);
  const schools = JSON.parse(document.getElementById("map-schools").textContent);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const canPlan = el.dataset.canPlan === "1";
  const ceiling = Number(el.dataset.ceiling) || 0;
  const map = L.map(el).setView([36.18, 118.17], 15);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);
  // Violations above the waypoint icons (markerPane is 600; the z-index is in drones.css). Not clickable,
  // so a waypoint under a violation can still be dragged; the list in "Checks" zooms to each.
  map.createPane("violations");
  const LAP_COLOURS = ["#1456b8", "#7b3fb5", "#0b7a75", "#b5487b", "#8a5a00"];
  const UNDO_DEPTH = 200;

  let mission = null;
  let route = [];
  let launch = null;
  let crs = "wgs84";
  let violations = [];
  let savedState = null;  // the route and launch point as last loaded from the server (snapshot())
  let terrain = null;  // with a terrain model: the ground along the saved route (the check's map, .terrain)
  let terrainAt = null;  // where the points of that route were (positions()), so an edited route drops it
  const undoStack = [];
  const redoStack = [];
  const layers = { route: L.layerGroup().addTo(map), check: null, violations: L.layerGroup().addTo(map) };

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_m, key) { return values[key] == null ? "" : values[key]; });
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

  // --- undo: snapshots of the route and launch point taken before every edit -----------------------
  function snapshot() { return JSON.stringify({ route: route, launch: launch }); }
  function restore(text) {
    const s = JSON.parse(text);
    route = s.route;
    launch = s.launch;
    draw();
  }
  function edit(change) {
    undoStack.push(snapshot());
    if (undoStack.length > UNDO_DEPTH) { undoStack.shift(); }
    redoStack.length = 0;
    change();
    draw();
  }
  function undo() {
    if (!undoStack.length) { return; }
    redoStack.push(snapshot());
    restore(undoStack.pop());
  }
  function redo() {
    if (!redoStack.length) { return; }
    undoStack.push(snapshot());
    restore(redoStack.pop());
  }

  function newWaypoint(lat, lon, alt) {
    return { lat: Number(lat.toFixed(7)), lon: Number(lon.toFixed(7)), alt_m: alt, hold_s: 0, speaker: null };
  }

  function defaultAlt() {
    const last = route[route.length - 1];
    const takeoff = Number(value("f-takeoff"));
    return last ? last.alt_m : takeoff > 0 ? takeoff : 30;
  }

  // A new waypoint between waypoint `index` and the next (at the end: half a leg further on).
  function insertAfter(index, at) {
    const a = index >= 0 ? route[index] : (launch ? { lat: launch[0], lon: launch[1], alt_m: defaultAlt() } : null);
    const b = route[index + 1] || null;
    let point = at;
    if (!point && a && b) { point = [(a.lat + b.lat) / 2, (a.lon + b.lon) / 2]; }
    if (!point && a) {
      const before = route[index - 1];
      point = before ? [a.lat + (a.lat - before.lat) / 2, a.lon + (a.lon - before.lon) / 2] : [a.lat + 0.0002, a.lon];
    }
    if (!point) { return; }
    const alt = a && b ? Math.round((a.alt_m + b.alt_m) / 2) : (a || b || {}).alt_m || defaultAlt();
    edit(function () { route.splice(index + 1, 0, newWaypoint(point[0], point[1], alt)); });
  }

  // --- drawing ---------------------------------------------------------------------------------------
  // Later laps of a generated route fly over the same points as the first: each is drawn shifted a few
  // pixels down and to the right (recomputed at every zoom), dashed in its own colour, so none hides another.
  function lapShiftPx(lap) { return lap > 1 ? Math.min(lap - 1, 4) * 9 : 0; }
  function shifted(latlng, lap) {
    const px = lapShiftPx(lap);
    if (!px) { return L.latLng(latlng); }
    const zoom = map.getZoom();
    return map.unproject(map.project(L.latLng(latlng), zoom).add([px, px]), zoom);
  }
  function unshifted(latlng, lap) {
    const px = lapShiftPx(lap);
    if (!px) { return latlng; }
    const zoom = map.getZoom();
    return map.unproject(map.project(latlng, zoom).subtract([px, px]), zoom);
  }

  function wpIcon(index, wp, lap) {
    const px = lapShiftPx(lap);
    return L.divIcon({ className: "", iconSize: [22, 22], iconAnchor: [11 - px, 11 - px],
      html: '<div class="wp-icon' + (wp.speaker ? " speaker" : "") + (lap > 1 ? " lap" : "") + '">' + (index + 1) + "</div>" });
  }

  function legStyle(lap) {
    if (!lap || lap === 1) { return { color: LAP_COLOURS[0], weight: 3 }; }
    return { color: LAP_COLOURS[(lap - 1) % LAP_COLOURS.length], weight: 3, dashArray: "8 6" };
  }

  // A leg of the route: its line, and a wide invisible twin that is easier to hit with a finger. Clicking
  // either inserts a waypoint there (insertAt is the index the new waypoint takes).
  function leg(from, to, style, insertAt, title, lap) {
    const line = L.polyline([from, to], style).addTo(layers.route);
    if (!canPlan) { return line; }
    const hit = L.polyline([from, to], { color: "#000", opacity: 0, weight: 16, className: "leg-hit" }).addTo(layers.route);
    [line, hit].forEach(function (layer) {
      layer.bindTooltip(title, { sticky: true });
      layer.on("click", function (ev) {
        L.DomEvent.stopPropagation(ev);
        const at = unshifted(ev.latlng, lap);
        insertAfter(insertAt - 1, [at.lat, at.lng]);
      });
    });
    return line;
  }

  function lapsNow() { return window.PlannerRoute.laps(route, mission ? mission.params : null); }

  function drawMap(laps) {
    layers.route.clearLayers();
    const points = route.map(function (wp) { return [wp.lat, wp.lon]; });
    const lapOf = function (i) { return laps ? laps[i] : 1; };
    if (launch) {
      const home = L.marker(launch, { draggable: canPlan, title: labels.launch,
        icon: L.divIcon({ className: "", iconSize: [22, 22], iconAnchor: [11, 11], html: '<div class="wp-icon launch">H</div>' }) });
      home.on("dragend", function (ev) {
        const p = ev.target.getLatLng();
        edit(function () { launch = [Number(p.lat.toFixed(7)), Number(p.lng.toFixed(7))]; });
      });
      home.addTo(layers.route);
      if (points.length) {
        const transit = { color: LAP_COLOURS[0], weight: 2, dashArray: "4 4" };
        const last = route.length - 1;
        leg(launch, points[0], transit, 0, labels.insert_here, 1);
        leg(shifted(points[last], lapOf(last)), launch, transit, route.length, labels.insert_here, lapOf(last));
      }
    }
    // The last lap first, so the first lap's legs are on top where laps touch.
    for (let i = points.length - 1; i >= 1; i--) {
      const lap = lapOf(i);
      leg(shifted(points[i - 1], lap), shifted(points[i], lap), legStyle(lap), i,
        labels.insert_here + (laps ? " · " + fill(labels.lap, { n: lap }) : ""), lap);
    }
    route.forEach(function (wp, index) {
      const lap = lapOf(index);
      const marker = L.marker([wp.lat, wp.lon], { draggable: canPlan, icon: wpIcon(index, wp, lap), zIndexOffset: -100 * lap });
      marker.bindTooltip(labels.waypoint + " " + (index + 1) + " · " + wp.alt_m + " m" +
        (lap > 1 ? " · " + fill(labels.lap, { n: lap }) : ""));
      marker.on("dragend", function (ev) {
        const p = ev.target.getLatLng();
        edit(function () { route[index].lat = Number(p.lat.toFixed(7)); route[index].lon = Number(p.lng.toFixed(7)); });
      });
      marker.addTo(layers.route);
    });
  }

  function draw() {
    const laps = lapsNow();
    drawMap(laps);
    el.dataset.waypoints = String(route.length);
    el.dataset.laps = String(laps ? laps[laps.length - 1] : 1);
    table(laps);
    launchInputs();
    profile();
    const undoButton = document.getElementById("btn-undo");
    if (undoButton) {
      undoButton.disabled = !undoStack.length;
      document.getElementById("btn-redo").disabled = !redoStack.length;
    }
    el.dataset.undo = String(undoStack.length);
    showDirty();
  }

  // What "Fly" would fly is the saved mission: with edits not yet saved and checked it waits.
  function showDirty() {
    const dirty = savedState !== null && snapshot() !== savedState;
    el.dataset.dirty = dirty ? "1" : "0";
    const note = document.getElementById("dirty-note");
    if (note) { note.hidden = !dirty; }
    const fly = document.getElementById("btn-fly");
    if (fly) { fly.disabled = dirty || el.dataset.status !== "ready"; }
  }
  // The lap shift is in pixels: redraw the route at a new zoom when it has laps.
  map.on("zoomend", function () { const laps = lapsNow(); if (laps) { drawMap(laps); } });

  // --- the waypoint table ----------------------------------------------------------------------------
  const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)$/;
  const FIELDS = {
    lat: { min: -90, max: 90 }, lon: { min: -180, max: 180 }, alt_m: { min: 1, max: 10000 }, hold_s: { min: 0, max: 3600 },
  };

  function problem(field, text) {
    const raw = String(text).trim().replace(/[。．]/g, ".");  // a full-width point typed with a Chinese IME
    if (!NUMBER.test(raw)) { return { message: fill(labels.not_a_number, { value: text }) }; }
    const n = Number(raw);
    const range = FIELDS[field];
    if (n < range.min || n > range.max) { return { message: fill(labels.out_of_range, { min: range.min, max: range.max }) }; }
    return { value: n };
  }

  function showTableError(where, field, message, input) {
    const out = document.getElementById("table-error");
    out.textContent = where + ", " + labels["field_" + field] + ": " + message;
    out.hidden = false;
    el.dataset.tableError = out.textContent;
    if (input) { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); }
  }

  function clearTableError() {
    const out = document.getElementById("table-error");
    out.textContent = "";
    out.hidden = true;
    delete el.dataset.tableError;
  }

  function shown(lat, lon) {
    const p = window.Coords.fromWgs84(lat, lon, crs);
    return [p[0].toFixed(7), p[1].toFixed(7)];
  }

  // Typed latitude and longitude (in the chosen datum) of one point; [lat, lon] in WGS-84, or null after
  // saying what is wrong.
  function typedPoint(where, latInput, lonInput) {
    const lat = problem("lat", latInput.value);
    if (lat.message) { showTableError(where, "lat", lat.message, latInput); return null; }
    const lon = problem("lon", lonInput.value);
    if (lon.message) { showTableError(where, "lon", lon.message, lonInput); return null; }
    const w = window.Coords.toWgs84(lat.value, lon.value, crs);
    return [Number(w[0].toFixed(7)), Number(w[1].toFixed(7))];
  }

  function cellInput(field, current, attrs) {
    return '<input data-field="' + field + '" value="' + esc(current) + '"' + attrs + (canPlan ? "" : " disabled") +
      ' aria-label="' + esc(labels["field_" + field]) + '">';
  }

  function table(laps) {
    const body = document.querySelector("#wp-table tbody");
    body.innerHTML = "";
    route.forEach(function (wp, index) {
      const tr = document.createElement("tr");
      tr.dataset.index = String(index);
      if (laps && laps[index] > 1) { tr.className = "lap lap-" + Math.min(laps[index], 5); }
      const speaker = wp.speaker === true ? "on" : wp.speaker === false ? "off" : "";
      const at = shown(wp.lat, wp.lon);
      const decimal = ' inputmode="decimal" autocomplete="off" class="coord"';
      tr.innerHTML = '<th scope="row">' + (index + 1) +
        (laps && laps[index] > 1 ? '<span class="lap-tag">' + esc(fill(labels.lap, { n: laps[index] })) + "</span>" : "") + "</th>" +
        "<td>" + cellInput("lat", at[0], decimal) + "</td>" +
        "<td>" + cellInput("lon", at[1], decimal) + "</td>" +
        "<td>" + cellInput("alt_m", wp.alt_m, ' inputmode="decimal" class="short"') + "</td>" +
        "<td>" + cellInput("hold_s", wp.hold_s || 0, ' inputmode="decimal" class="short"') + "</td>" +
        '<td><select data-field="speaker"' + (canPlan ? "" : " disabled") + ' aria-label="' + esc(labels.speaker) + '"><option value="">' +
        esc(labels.unchanged) + '</option><option value="on"' + (speaker === "on" ? " selected" : "") + ">" + esc(labels.on) +
        '</option><option value="off"' + (speaker === "off" ? " selected" : "") + ">" + esc(labels.off) + "</option></select></td>" +
        (canPlan ? '<td class="rowtools">' +
          '<button type="button" class="link" data-act="insert" title="' + esc(labels.insert_after) + '" aria-label="' + esc(labels.insert_after) + '">＋</button>' +
          '<button type="button" class="link" data-act="up" title="' + esc(labels.move_up) + '" aria-label="' + esc(labels.move_up) + '"' + (index === 0 ? " disabled" : "") + ">↑</button>" +
          '<button type="button" class="link" data-act="down" title="' + esc(labels.move_down) + '" aria-label="' + esc(labels.move_down) + '"' + (index === route.length - 1 ? " disabled" : "") + ">↓</button>" +
          '<button type="button" class="link" data-act="delete" title="' + esc(labels.delete) + '" aria-label="' + esc(labels.delete) + '">✕</button>' +
          "</td>" : "");
      const where = labels.waypoint + " " + (index + 1);
      tr.querySelector("th").title = labels.show_on_map;
      tr.querySelector("th").addEventListener("click", function () {
        map.panTo([route[index].lat, route[index].lon]);
      });
      const latInput = tr.querySelector("[data-field=lat]");
      const lonInput = tr.querySelector("[data-field=lon]");
      tr.querySelectorAll("[data-field]").forEach(function (input) {
        input.addEventListener("change", function () {
          const field = input.dataset.field;
          clearTableError();
          if (field === "speaker") {
            edit(function () { route[index].speaker = input.value === "on" ? true : input.value === "off" ? false : null; });
          } else if (field === "lat" || field === "lon") {
            const p = typedPoint(where, latInput, lonInput);
            if (p) { edit(function () { route[index].lat = p[0]; route[index].lon = p[1]; }); }
          } else {
            const checked = problem(field, input.value);
            if (checked.message) { showTableError(where, field, checked.message, input); return; }
            edit(function () { route[index][field] = checked.value; });
          }
        });
      });
      tr.querySelectorAll("[data-act]").forEach(function (button) {
        button.addEventListener("click", function () {
          const act = button.dataset.act;
          if (act === "insert") { insertAfter(index); return; }
          edit(function () {
            if (act === "delete") { route.splice(index, 1); return; }
            const other = act === "up" ? index - 1 : index + 1;
            const moved = route[index];
            route[index] = route[other];
            route[other] = moved;
          });
        });
      });
      body.appendChild(tr);
    });
    document.getElementById("wp-empty").hidden = route.length > 0;
  }

  function launchInputs() {
    const latInput = document.getElementById("launch-lat");
    const lonInput = document.getElementById("launch-lon");
    if (!latInput) { return; }
    const at = launch ? shown(launch[0], launch[1]) : ["", ""];
    latInput.value = at[0];
    lonInput.value = at[1];
    latInput.classList.remove("invalid");
    lonInput.classList.remove("invalid");
  }

  function positions() {
    return JSON.stringify([launch].concat(route.map(function (wp) { return [wp.lat, wp.lon]; })));
  }

  function profile() {
    const svg = document.getElementById("profile");
    if (!svg) { return; }
    const points = [];
    let d = 0;
    let prev = null;
    // Without a launch point of its own the mission takes off from its drone's home: the check says where.
    const fresh = terrain && terrainAt === positions();
    const start = launch || (fresh ? terrain.launch : null);
    if (start) { points.push({ d_m: 0, alt_m: 0, label: "H", wp: null }); prev = start; }
    route.forEach(function (wp, index) {
      const here = [wp.lat, wp.lon];
      if (prev) { d += window.PlannerRoute.distanceM(prev, here); }
      points.push({ d_m: d, alt_m: wp.alt_m, label: String(index + 1), wp: index });
      prev = here;
    });
    // The ground of the saved route's legs (launch→1, 1→2, ...; evenly spaced points), placed on this
    // profile's distances; heights may be edited, the points not (the ground under moved points is unknown
    // until the route is saved and checked).
    const ground = [];
    if (fresh) {
      points.forEach(function (p, k) {
        const leg = terrain.legs[k - 1];
        if (k === 0 || !leg) { return; }
        const from = points[k - 1].d_m, length = p.d_m - from, steps = Math.max(leg.length - 1, 1);
        leg.forEach(function (h, i) { ground.push({ d_m: from + length * i / steps, h_m: h }); });
        const here = leg[leg.length - 1];
        if (here != null) { p.agl_m = p.alt_m - here; }
      });
    }
    const box = svg.parentNode;
    box.querySelectorAll("[data-terrain-note]").forEach(function (note) {
      note.hidden = note.dataset.terrainNote !== (fresh ? "ground" : terrain ? "stale" : "none");
    });
    window.PlannerProfile.draw(svg, {
      points: points, ceiling_m: ceiling, ground: ground, clearance_m: terrain ? terrain.clearance_m : 0,
      labels: {
        distance: labels.profile_distance, height: labels.profile_height, ceiling: labels.profile_ceiling,
        ground: svg.dataset.labelGround, above_ground: svg.dataset.labelAboveGround,
      },
    });
  }

  // --- checks: the list of violations and where they are ------------------------------------------
  const VIOLATION_STYLE = { color: "#d00000", weight: 6, fillOpacity: 0.35 };
  const NOTICE_STYLE = { color: "#e08a00", weight: 5, fillOpacity: 0.3 };

  function drawProblems(geo) {
    const features = geo.features || [];
    terrain = geo.terrain || null;
    terrainAt = savedState !== null ? JSON.stringify([JSON.parse(savedState).launch].concat(
      JSON.parse(savedState).route.map(function (wp) { return [wp.lat, wp.lon]; }))) : null;
    profile();
    if (layers.check) { map.removeLayer(layers.check); }
    // The operating area and exclusions as the other maps draw them; violations here, above the icons.
    layers.check = window.AirspaceLayers.check(map, { features: features.filter(function (f) {
      const role = (f.properties || {}).role;
      return role === "operating_area" || role === "exclusion";
    }) });
    layers.violations.clearLayers();
    features.forEach(function (f) {
      const role = (f.properties || {}).role;
      if (role !== "violation" && role !== "notice") { return; }
      const style = Object.assign({ pane: "violations", interactive: false }, role === "notice" ? NOTICE_STYLE : VIOLATION_STYLE);
      L.geoJSON(f, {
        pane: "violations", interactive: false, style: style,
        pointToLayer: function (_f, latlng) {
          return L.circleMarker(latlng, { pane: "violations", interactive: false, radius: 13, color: style.color, weight: 4, fillOpacity: 0.2 });
        },
      }).addTo(layers.violations);
    });
  }

  // Where a violation is: its geometry, else its waypoint, else the ends of its leg (null is the launch point).
  function placeOf(v) {
    if (v.geometry) {
      const bounds = L.geoJSON(v.geometry).getBounds();
      if (bounds.isValid()) { return bounds; }
    }
    const pointOf = function (i) {
      if (i == null) { return launch; }
      const wp = route[i];
      return wp ? [wp.lat, wp.lon] : null;
    };
    if (v.waypoint != null && pointOf(v.waypoint)) { return L.latLngBounds([pointOf(v.waypoint)]); }
    if (v.segment) {
      const ends = [pointOf(v.segment[0]), pointOf(v.segment[1])].filter(Boolean);
      if (ends.length) { return L.latLngBounds(ends); }
    }
    return null;
  }

  function focusProblem(index) {
    const v = violations[index];
    const bounds = v && placeOf(v);
    if (!bounds) { return; }
    // On a phone the map is above the panel: bring it into view to see where the problem is.
    const box = el.getBoundingClientRect();
    if (box.bottom < 60 || box.top > window.innerHeight - 60) { el.scrollIntoView({ block: "start" }); }
    map.fitBounds(bounds.pad(0.6), { maxZoom: 19 });
    L.popup({ autoPan: false }).setLatLng(bounds.getCenter()).setContent(esc(v.message)).openOn(map);
    document.querySelectorAll("#wp-table tbody tr.hit").forEach(function (tr) { tr.classList.remove("hit"); });
    const rows = [v.waypoint].concat(v.segment || []).filter(function (i) { return i != null; });
    rows.forEach(function (i) {
      const tr = document.querySelector('#wp-table tbody tr[data-index="' + i + '"]');
      if (tr) { tr.classList.add("hit"); }
    });
    el.dataset.focused = String(index);
  }

  function showCheck(data) {
    const status = document.getElementById("mission-status");
    status.textContent = labels[data.status] || data.status;
    status.className = "badge " + (data.status === "ready" ? "ok" : data.status === "rejected" ? "bad" : "");
    el.dataset.status = data.status;
    const validation = data.validation || {};
    violations = (validation.violations || []).map(function (v) { return Object.assign({ notice: false }, v); })
      .concat((validation.notices || []).map(function (v) { return Object.assign({ notice: true }, v); }));
    const list = document.getElementById("violations");
    list.innerHTML = "";
    violations.forEach(function (v, index) {
      const li = document.createElement("li");
      li.className = v.notice ? "notice" : "error";
      if (placeOf(v)) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link problem";
        button.dataset.problem = String(index);
        button.title = labels.show_on_map;
        button.textContent = v.message;
        button.addEventListener("click", function () { focusProblem(index); });
        li.appendChild(button);
      } else {
        li.textContent = v.message;
      }
      list.appendChild(li);
    });
    if (!violations.length) { list.innerHTML = '<li class="muted">' + esc(labels.no_violations) + "</li>"; }
    const e = validation.estimate;
    document.getElementById("estimate").innerHTML = e ? "<p>" + esc(labels.length) + " " + Math.round(e.total_distance_m) +
      " m · " + esc(labels.time) + " " + Math.round(e.flight_time_s / 60 * 10) / 10 + " min · " + esc(labels.endurance) +
      " " + Math.round(e.endurance_used_pct) + "% · " + esc(labels.reserve) + " " + Math.round(e.reserve_left_pct) + "%</p>" : "";
    api(el.dataset.checkUrl).then(drawProblems).then(function () { el.dataset.checkDrawn = String(violations.length); });
    showDirty();
  }

  function load(data) {
    mission = data;
    route = (data.waypoints || []).map(function (wp) { return Object.assign({ hold_s: 0, speaker: null }, wp); });
    launch = data.launch_lat != null ? [data.launch_lat, data.launch_lon] : null;
    savedState = snapshot();
    el.dataset.status = data.status;
    draw();
    showCheck(data);
  }

  function fitRoute() {
    const bounds = L.latLngBounds(route.map(function (wp) { return [wp.lat, wp.lon]; }).concat(launch ? [launch] : []));
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.3), { maxZoom: 18 }); }
  }

  function value(id) { const input = document.getElementById(id); return input ? input.value : ""; }

  // --- the typed datum, shared by the table and the launch point ------------------------------------
  const crsSelect = document.getElementById("f-crs");
  crsSelect.addEventListener("change", function () { crs = crsSelect.value; clearTableError(); draw(); });

  if (canPlan) {
    document.getElementById("hint").textContent = labels.click_to_add;
    map.on("click", function (ev) {
      edit(function () { route.push(newWaypoint(ev.latlng.lat, ev.latlng.lng, defaultAlt())); });
    });
    ["launch-lat", "launch-lon"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function () {
        clearTableError();
        const latInput = document.getElementById("launch-lat");
        const lonInput = document.getElementById("launch-lon");
        if (!latInput.value.trim() || !lonInput.value.trim()) { return; }  // the other half is still to come
        const p = typedPoint(labels.launch, latInput, lonInput);
        if (p) { edit(function () { launch = p; }); }
      });
    });
    document.getElementById("btn-undo").addEventListener("click", undo);
    document.getElementById("btn-redo").addEventListener("click", redo);
    document.addEventListener("keydown", function (ev) {
      if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) { return; }
      // In a field being typed in, the browser's own undo of the typing comes first; in one of the table's
      // fields left as it was (after Tab from an edit), the route's undo.
      const field = ev.target.closest ? ev.target.closest("input, textarea, select, [contenteditable]") : null;
      const untouched = field && field.matches("#wp-table input, .launchrow input") && field.value === field.defaultValue;
      if (field && !untouched) { return; }
      const key = ev.key.toLowerCase();
      if (key === "z" && !ev.shiftKey) { ev.preventDefault(); undo(); }
      else if ((key === "z" && ev.shiftKey) || key === "y") { ev.preventDefault(); redo(); }
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
      out.textContent = labels.saving;
      out.className = "";
      el.dataset.saved = "pending";
      api(el.dataset.missionUrl, "PATCH", body).then(function (data) {
        out.textContent = labels.saved;
        load(data);
        el.dataset.saved = "ok";
      }).catch(function (err) {
        out.textContent = labels.error + ": " + (err.detail || JSON.stringify(err));
        out.className = "error";
        el.dataset.saved = "error";
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

  // --- layers: airspace zones in force, markets (in session highlighted), schools; as on the live map ---
  window.AirspaceLayers.overlays(map, el, { schools: schools, labels: labels });  // the route still edits without them

  map.on("moveend", function () {
    const c = map.getCenter();
    el.dataset.center = c.lat.toFixed(6) + "," + c.lng.toFixed(6);
    el.dataset.zoom = String(map.getZoom());
  });
  api(el.dataset.missionUrl).then(function (data) { load(data); fitRoute(); el.dataset.loaded = "1"; });
})();
