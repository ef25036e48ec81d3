/* Flight page: preflight checklist and start; live progress with the planned route and the drone;
 * afterwards the log with a replay slider and exports. Talks to /api/drones/flights/<id>/. */
(function () {
  "use strict";
  const el = document.getElementById("flight-map");
  const labels = JSON.parse(document.getElementById("flight-labels").textContent);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const base = el.dataset.flightUrl;
  const map = L.map(el).setView([36.18, 118.17], 16);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 20, attribution: el.dataset.tileAttribution }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  const ACTIVE = ["starting", "flying", "paused", "returning", "landing"];
  const DONE = ["completed", "aborted", "failed"];
  let flight = null;
  let progress = {};  // the latest progress report of the running mission (ETA, metres to go)
  let routeDrawn = false;
  let logLoaded = false;
  const drone = L.circleMarker([0, 0], { radius: 8, color: "#fff", weight: 2, fillColor: "#e08a00", fillOpacity: 1 });
  const trail = L.polyline([], { color: "#e08a00", weight: 2 }).addTo(map);

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function api(path, method, body) {
    return fetch(base + path, {
      method: method || "GET", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { throw data; } return data; });
    });
  }

  function showError(err) {
    const out = document.getElementById("flight-error");
    if (!err) { out.textContent = ""; return; }
    const failing = err.errors && err.errors.length ? " — " + err.errors.map(function (e) {
      return e.label ? e.label + " (" + e.detail + ")" : e.message || JSON.stringify(e);
    }).join("; ") : "";
    out.textContent = (err.detail || JSON.stringify(err)) + failing;
  }

  function drawRoute(items) {
    if (routeDrawn || !items || !items.length) { return; }
    const points = items.slice(1).filter(function (i) { return [16, 17, 18, 19].indexOf(i[0]) >= 0 && (i[2] || i[3]); })
      .map(function (i) { return [i[2], i[3]]; });
    if (points.length) {
      L.polyline(points, { color: "#1456b8", weight: 3, dashArray: "6 4" }).addTo(map);
      map.fitBounds(L.latLngBounds(points).pad(0.3));
      routeDrawn = true;
    }
  }

  function renderChecklist(result) {
    document.getElementById("checklist").innerHTML = result.items.map(function (item) {
      return "<tr><td class='" + (item.ok ? "ok" : "bad") + "'>" + (item.ok ? "✓" : "✗") + "</td><td>" + esc(item.label) +
        "</td><td class='muted'>" + esc(item.detail) + "</td></tr>";
    }).join("");
    el.dataset.checklistOk = result.ok ? "1" : "0";
  }

  function render() {
    const status = document.getElementById("flight-status");
    status.textContent = (labels.statuses || {})[flight.status] || flight.status;
    status.className = "badge " + (flight.status === "completed" ? "ok" : DONE.indexOf(flight.status) >= 0 ? "bad" : "warn");
    el.dataset.status = flight.status;
    document.getElementById("preflight").hidden = flight.status !== "preflight";
    document.getElementById("progress").hidden = ACTIVE.indexOf(flight.status) < 0;
    document.getElementById("log").hidden = DONE.indexOf(flight.status) < 0;
    if (flight.last_error) { document.getElementById("flight-error").textContent = flight.last_error; }
    drawRoute(flight.items);
    document.getElementById("progress-props").innerHTML = [
      [labels.status, (labels.statuses || {})[flight.status] || flight.status],
      [labels.item, flight.current_item == null ? "—" : flight.current_item],
      [labels.reached, (flight.reached_items || []).join(", ") || "—"],
      [labels.speaker, flight.speaker_on ? labels.on : labels.off],
      [labels.eta, progress.eta_s == null ? "—" : Math.floor(progress.eta_s / 60) + ":" + String(progress.eta_s % 60).padStart(2, "0")],
      [labels.remaining, progress.remaining_m == null ? "—" : progress.remaining_m + " m"],
    ].map(function (r) { return "<dt>" + esc(r[0]) + "</dt><dd>" + esc(r[1]) + "</dd>"; }).join("");
    if (DONE.indexOf(flight.status) >= 0 && !logLoaded) { loadLog(); }
  }

  function refresh() {
    return api("").then(function (data) { flight = data; render(); });
  }

  function loadLog() {
    logLoaded = true;
    api("log/").then(function (log) {
      const s = log.stats;
      document.getElementById("log-stats").innerHTML = [
        [labels.duration, Math.round(s.duration_s) + " s"], [labels.distance, Math.round(s.distance_m) + " m"],
        [labels.max_alt, Math.round(s.max_alt_m) + " m"], [labels.broadcast, Math.round(s.broadcast_s) + " s"],
        [labels.link_lost, s.link_losses],
      ].map(function (r) { return "<dt>" + esc(r[0]) + "</dt><dd>" + esc(r[1]) + "</dd>"; }).join("");
      const points = log.track.map(function (p) { return [p.lat, p.lon]; });
      trail.setLatLngs(points);
      if (points.length) { map.fitBounds(L.latLngBounds(points).pad(0.3)); drone.addTo(map); }
      const slider = document.getElementById("replay");
      slider.max = String(Math.max(0, log.track.length - 1));
      slider.addEventListener("input", function () {
        const p = log.track[Number(slider.value)];
        if (!p) { return; }
        drone.setLatLng([p.lat, p.lon]);
        document.getElementById("replay-at").textContent = new Date(p.at).toLocaleTimeString() + " · " +
          (p.alt_rel_m == null ? "—" : p.alt_rel_m.toFixed(1)) + " m · " + p.mode + (p.speaker_on ? " · 📢" : "");
      });
      document.getElementById("log-events").innerHTML = log.events.map(function (e) {
        return '<li class="sev-' + e.severity + '">' + esc(new Date(e.at).toLocaleTimeString()) + " " + esc(e.text) + "</li>";
      }).join("");
      el.dataset.logPoints = String(log.track.length);
    });
  }

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + el.dataset.wsPath);
    socket.onmessage = function (ev) {
      const msg = JSON.parse(ev.data);
      const state = msg.type === "telemetry" ? msg.state : msg.type === "snapshot" ? msg.drones[el.dataset.drone] : null;
      if (state && state.lat != null && ACTIVE.indexOf(flight && flight.status) >= 0) {
        drone.setLatLng([state.lat, state.lon]).addTo(map);
        const pts = trail.getLatLngs();
        pts.push([state.lat, state.lon]);
        trail.setLatLngs(pts.slice(-600));
      }
      if (msg.type === "event") {
        const li = document.createElement("li");
        li.className = "sev-" + msg.event.severity;
        li.textContent = new Date(msg.event.t * 1000).toLocaleTimeString() + " " + msg.event.text;
        document.getElementById("event-log").prepend(li);
        const data = msg.event.data || {};
        if (msg.event.kind === "mission" && data.report === "progress") { progress = data; }
        if (msg.event.kind === "mission" || msg.event.kind === "reached") { refresh(); }
      }
    };
    socket.onclose = function () { setTimeout(connect, 3000); };
  }

  function busy(button, promise) {
    button.disabled = true;
    return promise.finally(function () { button.disabled = false; });
  }

  if (el.dataset.canFly === "1") {
    const confirm = document.getElementById("confirm");
    document.getElementById("btn-check").addEventListener("click", function (ev) {
      busy(ev.target, api("preflight/", "POST", { confirmed: confirm.checked }).then(renderChecklist).catch(showError));
    });
    document.getElementById("btn-fix").addEventListener("click", function (ev) {
      busy(ev.target, api("fix-params/", "POST", {}).then(function () {
        return api("preflight/", "POST", { confirmed: confirm.checked }).then(renderChecklist);
      }).catch(showError));
    });
    document.getElementById("btn-approval").addEventListener("click", function (ev) {
      busy(ev.target, api("approval/", "POST", { approval_ref: document.getElementById("approval").value })
        .then(function () { return api("preflight/", "POST", { confirmed: confirm.checked }).then(renderChecklist); })
        .catch(showError));
    });
    document.getElementById("btn-start").addEventListener("click", function (ev) {
      showError(null);
      document.getElementById("flight-error").textContent = labels.working;
      busy(ev.target, api("start/", "POST", { confirmed: confirm.checked }).then(function (data) {
        flight = data;
        showError(null);
        render();
      }).catch(function (err) { showError(err); refresh(); }));
    });
    document.querySelectorAll("#progress button[data-command]").forEach(function (button) {
      button.addEventListener("click", function () {
        busy(button, api("command/", "POST", { command: button.dataset.command }).then(function (data) {
          flight = data;
          render();
        }).catch(showError));
      });
    });
  }

  refresh().then(function () {
    if (flight.status === "preflight" && el.dataset.canFly === "1") {
      api("preflight/", "POST", { confirmed: false }).then(renderChecklist).catch(showError);
    }
    connect();
  });
  setInterval(function () { if (flight && ACTIVE.indexOf(flight.status) >= 0) { refresh(); } }, 2000);
})();
