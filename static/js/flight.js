/* Flight page: who controls the drone (take it, keep it, see it lost); preflight checklist, start
 * and cancel; live values (altitude, speed, battery, GPS, link), progress with a time-to-go that
 * counts down between reports; afterwards the outcome, the log with a replay slider and exports.
 * Talks to /api/drones/flights/<id>/ and the drone's websocket /ws/drones/<drone>/. */
(function () {
  "use strict";
  const el = document.getElementById("flight-map");
  const labels = JSON.parse(document.getElementById("flight-labels").textContent);
  const eventText = window.EventText(labels.mission_events);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const base = el.dataset.flightUrl;
  const droneId = Number(el.dataset.drone);
  const canFly = el.dataset.canFly === "1";
  const map = L.map(el).setView([36.18, 118.17], 16);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);
  const ACTIVE = ["starting", "flying", "paused", "returning", "landing"];
  const DONE = ["completed", "aborted", "failed", "cancelled"];
  const ALERT_KINDS = ["fence", "failsafe"];
  let flight = null;
  let progress = {};  // the latest progress report of the running mission (ETA, metres to go)
  let progressAt = 0;  // when it arrived (this page's clock): the countdown runs from there
  let live = null;  // the drone's latest telemetry
  let liveAt = 0;  // when it arrived
  let liveSent = null;  // when its position left the vehicle ("at", UNIX ms), as the server says
  let liveMarked = false;  // the server marked it delayed
  const liveClock = window.LiveClock(parseFloat(el.dataset.delayedMs));
  let routeDrawn = false;
  let logLoaded = false;
  const drone = L.circleMarker([0, 0], { radius: 8, color: "#fff", weight: 2, fillColor: "#e08a00", fillOpacity: 1 });
  const trail = L.polyline([], { color: "#e08a00", weight: 2 }).addTo(map);

  // --- layers, as on the live map: airspace zones in force, markets (in session now highlighted), schools
  window.AirspaceLayers.overlays(map, el, {  // the flight still shows without them
    schools: JSON.parse(document.getElementById("map-schools").textContent),
    labels: { layer_zones: el.dataset.layerZones, layer_markets: el.dataset.layerMarkets, layer_schools: el.dataset.layerSchools },
  });

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function fmt(value, digits, unit) {
    return value == null ? "—" : Number(value).toFixed(digits) + (unit ? " " + unit : "");
  }
  function props(rows) {
    return rows.map(function (r) {
      return "<dt>" + esc(r[0]) + "</dt><dd" + (r[2] ? ' class="' + r[2] + '"' : "") + ">" + esc(r[1]) + "</dd>";
    }).join("");
  }
  function clock(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function api(path, method, body) {
    return fetch(base + path, {
      method: method || "GET", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().catch(function () { return { detail: "HTTP " + r.status }; }).then(function (data) {
        if (!r.ok) { throw data; }
        return data;
      });
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

  // --- control ---------------------------------------------------------------------------------
  const controlBox = document.getElementById("control");
  const lockLabels = Object.assign({}, labels, controlBox ? controlBox.dataset : {});
  const lock = canFly ? window.DroneLock({
    csrf: csrf, renewS: el.dataset.lockRenewS, me: el.dataset.username, labels: lockLabels,
    onChange: function () { renderControl(); },
  }) : null;

  function holding() { return !!lock && lock.holds(droneId); }

  function renderControl() {
    if (!lock) { return; }
    const st = lock.state;
    const out = document.getElementById("lock-state");
    const button = document.getElementById("btn-lock");
    const mine = holding();
    let text;
    if (st.phase === "lost") {
      text = lockLabels.controlLost + (st.error ? ": " + st.error : "");
    } else if (mine) {
      text = labels.controlled_by + ": " + labels.you + (st.expiresAt ? " (" + labels.until + " " + st.expiresAt.toLocaleTimeString() + ")" : "") +
        (st.phase === "failing" ? " · " + lockLabels.renewFailing + ": " + st.error : "");
    } else if (st.phase === "other" && st.holder) {
      text = labels.controlled_by + ": " + st.holder + (st.expiresAt ? " (" + labels.until + " " + st.expiresAt.toLocaleTimeString() + ")" : "");
    } else {
      text = labels.controlled_by + ": " + labels.nobody;
    }
    out.textContent = text;
    out.dataset.phase = st.phase;
    controlBox.className = "lockbox " + (st.phase === "lost" || st.phase === "failing" ? "lost" : mine ? "mine" : "");
    button.hidden = mine;
    button.disabled = st.busy;
    button.textContent = st.phase === "lost" ? lockLabels.takeBack : labels.take_control;
    el.dataset.lockPhase = st.phase;
    document.querySelectorAll("[data-needs-control]").forEach(function (b) {
      if (!b.dataset.busy) { b.disabled = !mine; }
    });
  }

  if (lock) {
    document.getElementById("btn-lock").addEventListener("click", function () {
      lock.take(droneId).then(function () {
        showError(null);
        if (flight && flight.status === "preflight") {
          api("preflight/", "POST", { confirmed: false }).then(renderChecklist).catch(showError);
        }
      }).catch(showError);
    });
  }

  // --- rendering -------------------------------------------------------------------------------
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

  function etaLeft() {
    if (progress.eta_s == null) { return null; }
    const running = flight && flight.status !== "paused";
    return Math.max(0, progress.eta_s - (running ? (Date.now() - progressAt) / 1000 : 0));
  }

  function renderProgress() {
    if (!flight) { return; }
    const eta = etaLeft();
    document.getElementById("progress-props").innerHTML = props([
      [labels.status, (labels.statuses || {})[flight.status] || flight.status],
      [labels.item, flight.current_item == null ? "—" : flight.current_item],
      [labels.reached, (flight.reached_items || []).join(", ") || "—"],
      [labels.speaker, flight.speaker_on ? labels.on : labels.off],
      [labels.eta, eta == null ? "—" : clock(eta)],
      [labels.remaining, progress.remaining_m == null ? "—" : progress.remaining_m + " m"],
    ]);
    el.dataset.etaS = eta == null ? "" : String(Math.round(eta));
  }

  // Delayed: the server said so, or what is shown is over the limit by now (while the link is up).
  function judgeLive() {
    const delayed = liveMarked || (!!(live && live.link_ok) && liveClock.old(liveSent));
    document.getElementById("live-delayed").hidden = !delayed;
    el.dataset.delayed = delayed ? "1" : "0";
  }

  function renderLive() {
    const s = live;
    const box = document.getElementById("live-props");
    if (!s) { box.innerHTML = props([[labels.link, labels.no_data, "bad"]]); return; }
    const age = Math.round((Date.now() - liveAt) / 1000);
    const linkOk = s.link_ok && age < 10;
    box.innerHTML = props([
      [labels.mode, (s.mode || "—") + " · " + (s.armed ? labels.armed : labels.disarmed)],
      [labels.alt, fmt(s.alt_rel_m, 1, "m")],
      [labels.speed, fmt(s.groundspeed_mps, 1, "m/s")],
      [labels.battery, (s.battery_pct == null ? "—" : s.battery_pct + "%") + " · " + fmt(s.battery_v, 1, "V"),
        s.battery_pct != null && s.battery_pct < 30 ? "bad" : ""],
      [labels.gps, labels.gps_fix + " " + (s.gps_fix == null ? "—" : s.gps_fix) + " · " +
        (s.satellites == null ? "—" : s.satellites) + " " + labels.satellites, s.gps_fix != null && s.gps_fix < 3 ? "bad" : ""],
      [labels.link, linkOk ? labels.ok + " · " + labels.ago.replace("%(seconds)s", age) : labels.no_link +
        (s.error ? " (" + s.error + ")" : ""), linkOk ? "ok" : "bad"],
    ]);
    el.dataset.alt = s.alt_rel_m == null ? "" : Number(s.alt_rel_m).toFixed(1);
    el.dataset.link = linkOk ? "ok" : "lost";
  }

  function renderOutcome() {
    const out = document.getElementById("outcome");
    if (!flight.outcome && !flight.outcome_detail) { out.textContent = ""; return; }
    const label = (labels.outcomes || {})[flight.outcome] || flight.outcome || "";
    out.textContent = labels.outcome + ": " + label + (flight.outcome_detail ? " — " + flight.outcome_detail : "");
    out.className = "outcome " + (flight.outcome === "completed" ? "ok" : "bad");
    el.dataset.outcome = flight.outcome || "";
  }

  const alertsShown = {};
  function addFlightAlert(at, text, severity, key) {
    if (key && alertsShown[key]) { return; }
    if (key) { alertsShown[key] = true; }
    const list = document.getElementById("flight-alerts");
    if (!list.children.length) {
      const head = document.createElement("li");
      head.className = "head";
      head.textContent = labels.fence_and_failsafes;
      list.appendChild(head);
    }
    const li = document.createElement("li");
    li.className = "sev-" + severity;
    li.textContent = at.toLocaleTimeString() + " " + text;
    list.appendChild(li);
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
    renderProgress();
    renderOutcome();
    if (lock) { lock.adopt(droneId, flight.control || flight.lock); renderControl(); }
    if (DONE.indexOf(flight.status) >= 0 && !logLoaded) { loadLog(); }
  }

  function refresh() {
    return api("").then(function (data) { flight = data; render(); });
  }

  function loadEvents(log) {
    (log.events || []).slice().reverse().forEach(function (e) {
      if (ALERT_KINDS.indexOf(e.kind) >= 0 || e.alert) {
        addFlightAlert(new Date(e.at), eventText(e), e.severity, "db" + e.id);
      }
    });
  }

  function loadLog() {
    logLoaded = true;
    api("log/").then(function (log) {
      loadEvents(log);
      const s = log.stats || {};
      document.getElementById("log-stats").innerHTML = props([
        [labels.duration, Math.round(s.duration_s || 0) + " s"], [labels.distance, Math.round(s.distance_m || 0) + " m"],
        [labels.max_alt, Math.round(s.max_alt_m || 0) + " m"], [labels.broadcast, Math.round(s.broadcast_s || 0) + " s"],
        [labels.link_lost, s.link_losses],
      ]);
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
        return '<li class="sev-' + e.severity + '">' + esc(new Date(e.at).toLocaleTimeString()) + " " + esc(eventText(e)) + "</li>";
      }).join("");
      el.dataset.logPoints = String(log.track.length);
    }).catch(function () { logLoaded = false; });
  }

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + el.dataset.wsPath);
    socket.onmessage = function (ev) {
      const msg = JSON.parse(ev.data);
      // "telemetry" always holds the drone's full state; "delayed": over a second old when sent;
      // "at": when its position left the vehicle, judged again here (live_clock.js).
      const state = msg.type === "telemetry" ? msg.state : msg.type === "snapshot" ? msg.drones[el.dataset.drone] : null;
      if (state) {
        live = state;
        liveAt = Date.now();
        if (msg.type === "telemetry") {
          liveSent = msg.at;
          liveMarked = liveClock.arrived(msg.at) || !!msg.delayed;
        } else {
          liveSent = (msg.at || {})[el.dataset.drone];
          liveMarked = false;
        }
        judgeLive();
        renderLive();
      }
      if (state && state.lat != null) {
        drone.setLatLng([state.lat, state.lon]).addTo(map);
        if (ACTIVE.indexOf(flight && flight.status) >= 0) {
          const pts = trail.getLatLngs();
          pts.push([state.lat, state.lon]);
          trail.setLatLngs(pts.slice(-600));
        }
      }
      if (msg.type === "event") {
        const e = msg.event;
        const li = document.createElement("li");
        li.className = "sev-" + e.severity;
        li.textContent = new Date(e.t * 1000).toLocaleTimeString() + " " + eventText(e);
        document.getElementById("event-log").prepend(li);
        const data = e.data || {};
        if (ALERT_KINDS.indexOf(e.kind) >= 0 || data.alert) {
          addFlightAlert(new Date(e.t * 1000), eventText(e), e.severity, null);
        }
        if (e.kind === "mission" && data.report === "progress") {
          progress = data;
          progressAt = Date.now();
          renderProgress();
        }
        if (e.kind === "mission" || e.kind === "reached") { refresh(); }
      }
    };
    socket.onclose = function () { setTimeout(connect, 3000); };
  }

  function busy(button, promise) {
    button.disabled = true;
    button.dataset.busy = "1";
    return promise.finally(function () {
      delete button.dataset.busy;
      button.disabled = false;
      renderControl();
    });
  }

  if (canFly) {
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
    document.getElementById("btn-cancel").addEventListener("click", function (ev) {
      if (!window.confirm(labels.confirm_cancel)) { return; }
      showError(null);
      busy(ev.target, api("cancel/", "POST", {}).then(function (data) {
        flight = data;
        render();
      }).catch(showError));
    });
    document.querySelectorAll("#progress button[data-command]").forEach(function (button) {
      button.addEventListener("click", function () {
        showError(null);
        busy(button, api("command/", "POST", { command: button.dataset.command }).then(function (data) {
          flight = data;
          render();
        }).catch(showError));
      });
    });
  }

  // --- live video and snapshots into the flight log ------------------------------------------------
  const videoSource = document.getElementById("flight-video-source");
  const player = videoSource && window.VideoPlayer ?
    window.VideoPlayer(document.getElementById("flight-video"), JSON.parse(videoSource.textContent)) : null;
  const snapshotLayer = L.layerGroup().addTo(map);

  function renderSnapshots(list) {
    document.getElementById("snapshots").hidden = !list.length;
    snapshotLayer.clearLayers();
    const ul = document.getElementById("snapshot-list");
    ul.innerHTML = "";
    list.forEach(function (s) {
      const at = new Date(s.taken_at).toLocaleTimeString();
      const where = s.lat == null ? el.dataset.positionUnknown :
        s.lat.toFixed(6) + ", " + s.lon.toFixed(6) + (s.alt_rel_m == null ? "" : " · " + s.alt_rel_m.toFixed(1) + " m");
      const li = document.createElement("li");
      li.dataset.snapshot = s.id;
      const link = document.createElement("a");
      link.href = s.image_url;
      link.target = "_blank";
      link.rel = "noopener";
      const img = document.createElement("img");
      img.src = s.image_url;
      img.alt = el.dataset.snapshotLabel + " " + at;
      img.loading = "lazy";
      link.appendChild(img);
      const text = document.createElement("span");
      text.textContent = at + " · " + where + (s.taken_by ? " · " + s.taken_by : "");
      li.appendChild(link);
      li.appendChild(text);
      ul.appendChild(li);
      if (s.lat != null) {
        L.circleMarker([s.lat, s.lon], { radius: 5, color: "#fff", weight: 1, fillColor: "#7b3fb5", fillOpacity: 1 })
          .bindTooltip(esc(el.dataset.snapshotLabel + " " + at)).addTo(snapshotLayer);
      }
    });
    el.dataset.snapshots = String(list.length);
  }

  function loadSnapshots() {
    return api("snapshots/").then(renderSnapshots).catch(function () {});
  }

  const snapButton = document.getElementById("btn-snapshot");
  if (snapButton && player) {
    snapButton.addEventListener("click", function () {
      const out = document.getElementById("snapshot-result");
      out.className = "";
      out.textContent = labels.working;
      const sent = player.snapshot().then(function (blob) {
        const form = new FormData();
        form.append("image", blob, "snapshot.png");
        return fetch(base + "snapshots/", {
          method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" },
          body: form,
        }).then(function (r) {
          return r.json().catch(function () { return { detail: "HTTP " + r.status }; }).then(function (data) {
            if (!r.ok) { throw { message: el.dataset.snapshotFailed + ": " + (data.detail || r.status) }; }
            return data;
          });
        });
      }).then(function () {
        out.textContent = el.dataset.snapshotTaken;
        out.dataset.state = "ok";
        return loadSnapshots();
      }).catch(function (err) {
        out.textContent = (err && err.message) || el.dataset.snapshotFailed;
        out.className = "error";
        out.dataset.state = (err && err.code) || "error";
      });
      busy(snapButton, sent);
    });
  }
  loadSnapshots();

  renderLive();
  renderControl();
  refresh().then(function () {
    if (flight.status === "preflight" && canFly && holding()) {
      api("preflight/", "POST", { confirmed: false }).then(renderChecklist).catch(showError);
    }
    if (ACTIVE.indexOf(flight.status) >= 0) {
      api("log/").then(loadEvents).catch(function () {});
    }
    connect();
  });
  setInterval(function () { if (flight && ACTIVE.indexOf(flight.status) >= 0) { refresh(); } }, 2000);
  // Time to go and the link's age move every second, between the reports that set them.
  setInterval(function () {
    if (flight && ACTIVE.indexOf(flight.status) >= 0) { renderProgress(); }
    judgeLive();
    renderLive();
  }, 1000);
})();
