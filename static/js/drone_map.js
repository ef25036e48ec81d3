/* Live drone map: the fleet websocket feeds markers (heading, trail) and the side panel.
 * Each drone's updates carry a sequence number. An update holds what changed since the seq
 * before it, or ("full") the whole state, which replaces updates the server skipped because a
 * newer one came first. Any other jump is a gap: the page asks for a fresh snapshot ("resync")
 * instead of drifting. An update the server marks "delayed" (more than a second old when
 * sent), or that this page finds over a second old on arrival or while it is shown (its "at", see
 * live_clock.js), shows a "delayed" badge on its drone until fresh data comes. */
(function () {
  "use strict";
  const el = document.getElementById("map");
  const labels = JSON.parse(document.getElementById("drone-labels").textContent);
  const eventText = window.EventText(labels.mission_events);
  const fleet = JSON.parse(document.getElementById("drone-list-data").textContent);
  const canCommand = el.dataset.canCommand === "1";
  const me = el.dataset.username;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const TRAIL = 300;

  const map = L.map(el).setView([parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], 14);
  if (window.BaseMap) { window.BaseMap(map, el); }
  L.control.scale({ imperial: false }).addTo(map);

  const delayedLabel = el.dataset.delayedLabel;
  const clock = window.LiveClock(parseFloat(el.dataset.delayedMs));
  const drones = {};  // id -> {info, state, seq, at, marked, delayed, marker, trail, events}
  let selected = null;
  let fitted = false;

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function fmt(value, digits, unit) {
    return value == null ? "—" : Number(value).toFixed(digits) + (unit ? " " + unit : "");
  }
  function linkState(s) {
    if (!s) { return "offline"; }
    if (s.link_ok) { return "connected"; }
    if (s.status === "other_gcs") { return "other_gcs"; }  // not lost: another station holds the link
    return s.status === "offline" && s.lat == null ? "offline" : "link_lost";
  }
  function colour(s) {
    const link = linkState(s);
    if (link === "link_lost") { return "#c0262d"; }
    if (link === "offline") { return "#8a94a6"; }
    if (link === "other_gcs") { return "#b26b00"; }
    return s.armed ? "#e08a00" : "#1456b8";
  }
  function icon(d) {
    const s = d.state || {};
    const heading = s.heading_deg || 0;
    return L.divIcon({
      className: "drone-marker", iconSize: [34, 34], iconAnchor: [17, 17],
      // SVG's own transform attribute, not style="" (which the Content-Security-Policy refuses): the
      // viewBox is centred on 0,0, so rotate() turns the arrow about its middle.
      html: '<svg class="drone-icon" width="34" height="34" viewBox="-17 -17 34 34"><path transform="rotate(' +
        Number(heading) + ')" d="M0,-14 L9,11 L0,6 L-9,11 Z" fill="' + colour(s) +
        '" stroke="#fff" stroke-width="2"/></svg><div class="drone-label ' + (d.labelPos || "pos-right") + '">' +
        esc(d.info.name) + "</div>",
    });
  }

  fleet.forEach(function (info) {
    // The events of the last hour come with the page; the socket adds the ones after.
    drones[info.id] = { info: info, state: null, seq: 0, at: null, marked: false, delayed: false, marker: null,
      trail: null, points: [], events: (info.events || []).slice(), labelPos: "pos-right" };
  });

  // --- layers: airspace zones in force, markets (in session now highlighted), schools -----------
  window.AirspaceLayers.overlays(map, el, {  // the drones still show without them
    schools: JSON.parse(document.getElementById("map-schools").textContent), labels: labels,
  });

  // --- labels that do not collide: each drone's name goes right, left, above or below its arrow,
  // where it overlaps no other label or arrow; the selected drone first, then armed ones; a name with
  // no room is hidden (the arrow keeps it as its title) until there is room again.
  const LABEL_H = 16;
  const PLACES = ["pos-right", "pos-left", "pos-above", "pos-below"];
  function labelWidth(name) {
    let w = 4;
    for (const ch of String(name)) { w += ch.charCodeAt(0) > 255 ? 12 : 7; }
    return w;
  }
  function labelBox(p, w, place) {
    const x0 = p.x - 17, y0 = p.y - 17;  // the 34 px icon's corner
    if (place === "pos-right") { return [x0 + 30, y0 + 8, x0 + 30 + w, y0 + 8 + LABEL_H]; }
    if (place === "pos-left") { return [x0 + 4 - w, y0 + 8, x0 + 4, y0 + 8 + LABEL_H]; }
    if (place === "pos-above") { return [p.x - w / 2, y0 - LABEL_H, p.x + w / 2, y0]; }
    return [p.x - w / 2, y0 + 34, p.x + w / 2, y0 + 34 + LABEL_H];
  }
  function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function declutter() {
    const shown = Object.values(drones).filter(function (d) { return d.marker; });
    const taken = shown.map(function (d) {
      d.point = map.latLngToContainerPoint(d.marker.getLatLng());
      return [d.point.x - 12, d.point.y - 12, d.point.x + 12, d.point.y + 12];
    });
    shown.sort(function (a, b) {
      return (b.info.id === selected) - (a.info.id === selected) ||
        (!!(b.state && b.state.armed)) - (!!(a.state && a.state.armed)) || a.info.id - b.info.id;
    });
    let hidden = 0;
    shown.forEach(function (d) {
      const w = labelWidth(d.info.name);
      let pos = "pos-hidden";
      for (const place of PLACES) {
        const box = labelBox(d.point, w, place);
        if (!taken.some(function (t) { return overlaps(t, box); })) { pos = place; taken.push(box); break; }
      }
      hidden += pos === "pos-hidden";
      if (pos !== d.labelPos) { d.labelPos = pos; d.marker.setIcon(icon(d)); }
    });
    el.dataset.hiddenLabels = String(hidden);
  }
  let declutterTimer = null;
  function declutterSoon() {
    if (declutterTimer === null) { declutterTimer = setTimeout(function () { declutterTimer = null; declutter(); }, 300); }
  }
  map.on("zoomend moveend", declutter);

  function renderList() {
    const list = document.getElementById("drone-list");
    list.innerHTML = "";
    Object.values(drones).forEach(function (d) {
      const s = d.state;
      const li = document.createElement("li");
      const link = linkState(s);
      li.dataset.drone = d.info.id;
      if (link === "link_lost") { li.classList.add("lost"); }
      if (selected === d.info.id) { li.classList.add("selected"); }
      li.innerHTML = '<div class="name">' + esc(d.info.name) + ' <span class="badge ' +
        (link === "connected" ? "ok" : link === "link_lost" ? "bad" : "") + '">' + esc(labels[link]) + "</span>" +
        (d.delayed ? ' <span class="badge warn delayed">' + esc(delayedLabel) + "</span>" : "") + "</div>" +
        '<div class="meta">' + (s ? esc(s.mode || "—") + " · " + (s.armed ? esc(labels.armed) : esc(labels.disarmed)) +
        " · " + fmt(s.alt_rel_m, 1, "m") + " · " + fmt(s.groundspeed_mps, 1, "m/s") + " · " +
        (s.battery_pct == null ? "—" : s.battery_pct + "%") : esc(labels.no_data)) + "</div>";
      li.addEventListener("click", function () { select(d.info.id); });
      list.appendChild(li);
    });
  }

  function renderDetail() {
    const box = document.getElementById("drone-detail");
    const d = drones[selected];
    if (!d) { box.hidden = true; return; }
    box.hidden = false;
    const s = d.state || {};
    document.getElementById("detail-name").textContent = d.info.name;
    document.getElementById("detail-delayed").hidden = !d.delayed;
    const banner = document.getElementById("detail-banner");
    const link = linkState(d.state);
    banner.hidden = link === "connected";
    const bannerHead = { link_lost: labels.link_lost, other_gcs: labels.other_gcs }[link] || labels.offline;
    banner.textContent = bannerHead + (s.error ? ": " + s.error : "");
    const rows = [
      [labels.mode, (s.mode || "—") + " · " + (s.armed ? labels.armed : labels.disarmed)],
      [labels.alt, fmt(s.alt_rel_m, 1, "m") + " (" + fmt(s.alt_msl_m, 1, "m MSL") + ")"],
      [labels.speed, fmt(s.groundspeed_mps, 1, "m/s")],
      [labels.climb, fmt(s.climb_mps, 1, "m/s")],
      [labels.battery, (s.battery_pct == null ? "—" : s.battery_pct + "%") + " · " + fmt(s.battery_v, 2, "V")],
      [labels.gps, "fix " + (s.gps_fix == null ? "—" : s.gps_fix) + " · " + (s.satellites == null ? "—" : s.satellites) +
        " " + labels.satellites],
      [labels.ekf, s.ekf_ok ? labels.ok : labels.bad],
      [labels.mission, s.mission_seq == null ? "—" : s.mission_seq + (s.mission_total ? " / " + s.mission_total : "")],
    ];
    document.getElementById("detail-props").innerHTML = rows.map(function (r) {
      return "<dt>" + esc(r[0]) + "</dt><dd>" + esc(r[1]) + "</dd>";
    }).join("");
    document.getElementById("event-log").innerHTML = d.events.slice(-50).reverse().map(function (e) {
      return '<li class="sev-' + e.severity + '">' + esc(new Date(e.t * 1000).toLocaleTimeString()) + " " +
        esc(eventText(e)) + "</li>";
    }).join("");
  }

  // A drone shown as live is delayed when the server said so or its data is over the limit by now.
  function judge(d) {
    const delayed = d.marked || (!!(d.state && d.state.link_ok) && clock.old(d.at));
    const changed = delayed !== d.delayed;
    d.delayed = delayed;
    el.dataset["delayed" + d.info.id] = delayed ? "1" : "0";
    return changed;
  }

  function applyState(id, state, seq, marked, at) {
    const d = drones[id];
    if (!d) { return; }
    d.state = state;
    d.seq = seq;
    d.at = at == null ? d.at : at;
    d.marked = !!marked;
    judge(d);
    if (state.lat != null && state.lon != null) {
      const at = [state.lat, state.lon];
      if (!d.marker) {
        d.marker = L.marker(at, { icon: icon(d), title: d.info.name }).addTo(map).on("click", function () { select(id); });
        d.trail = L.polyline([], { color: "#e08a00", weight: 2, opacity: 0.8 }).addTo(map);
      } else {
        d.marker.setLatLng(at);
        d.marker.setIcon(icon(d));
      }
      d.marker.getElement() && (d.marker.getElement().dataset.drone = id);
      const last = d.points[d.points.length - 1];
      if (!last || last[0] !== at[0] || last[1] !== at[1]) {
        declutterSoon();
        d.points.push(at);
        if (d.points.length > TRAIL) { d.points.shift(); }
        d.trail.setLatLngs(d.points);
      }
      el.dataset["lat" + id] = state.lat.toFixed(7);
      el.dataset["alt" + id] = state.alt_rel_m == null ? "" : state.alt_rel_m.toFixed(1);
    } else if (d.marker) {
      d.marker.setIcon(icon(d));
    }
    el.dataset["link" + id] = linkState(state);
  }

  function fit() {
    if (fitted) { return; }
    const markers = Object.values(drones).filter(function (d) { return d.marker; }).map(function (d) { return d.marker; });
    if (markers.length) {
      map.fitBounds(L.featureGroup(markers).getBounds().pad(0.5), { maxZoom: 17 });
      fitted = true;
    }
  }

  // The selected drone's live video (video_player.js), when it has a video URL.
  let player = null;
  let playerFor = null;
  function renderVideo() {
    if (playerFor === selected) { return; }
    const box = document.getElementById("detail-video");
    if (player) { player.destroy(); player = null; }
    playerFor = selected;
    const d = drones[selected];
    const video = d && d.info.video;
    box.hidden = !video || !window.VideoPlayer;
    if (!box.hidden) { player = window.VideoPlayer(box, { url: video.url, kind: video.kind }); }
  }

  function select(id) {
    selected = id;
    declutterSoon();
    renderList();
    renderDetail();
    renderVideo();
    if (canCommand) { refreshLock(); }
  }

  // --- websocket -------------------------------------------------------------------------------
  let socket = null;
  let retry = 1000;
  const socketState = document.getElementById("socket-state");

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + el.dataset.wsPath);
    socket.onopen = function () { retry = 1000; socketState.textContent = labels.connected; socketState.className = "badge ok"; };
    socket.onclose = function () {
      socketState.textContent = labels.socket_closed;
      socketState.className = "badge bad";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
    socket.onmessage = function (ev) {
      const msg = JSON.parse(ev.data);
      if (msg.type === "snapshot") {
        const times = msg.at || {};
        Object.keys(msg.drones).forEach(function (id) {
          applyState(Number(id), msg.drones[id], msg.drones[id].seq || 0, false, times[id]);
        });
        fit();
      } else if (msg.type === "fleet") {
        let gap = false;
        msg.updates.forEach(function (u) {
          const d = drones[u.drone];
          if (!d) { return; }
          const late = clock.arrived(u.at) || !!u.delayed;
          if (u.full) {
            applyState(u.drone, u.state, u.seq, late, u.at);
          } else if (d.state && u.seq === d.seq + 1) {
            applyState(u.drone, Object.assign({}, d.state, u.state), u.seq, late, u.at);
          } else if (u.seq > d.seq) {
            gap = true;  // a change on top of a state this page never got
          }
        });
        if (gap) { socket.send(JSON.stringify({ type: "resync" })); addNote(labels.resync); }
        fit();
      } else if (msg.type === "event") {
        const d = drones[msg.drone];
        if (d) { d.events.push(msg.event); if (d.events.length > 200) { d.events.shift(); } }
        const report = (msg.event.data || {}).report;
        if (msg.event.kind === "mission" && (report === "started" || report === "landed" || report === "failed")) {
          loadRoutes();
        }
      }
      renderList();
      renderDetail();
      el.dataset.updates = String(Number(el.dataset.updates || 0) + 1);
    };
  }

  // Nothing new for a while is no proof of freshness: judge what is shown twice a second.
  setInterval(function () {
    let changed = false;
    Object.values(drones).forEach(function (d) { changed = judge(d) || changed; });
    if (changed) { renderList(); renderDetail(); }
  }, 500);

  function addNote(text) {
    const d = drones[selected];
    if (d) { d.events.push({ t: Date.now() / 1000, text: text, severity: 6 }); }
  }

  // --- commands --------------------------------------------------------------------------------
  const controls = document.getElementById("controls");
  const lockLabels = Object.assign({}, labels, controls ? controls.dataset : {});
  // The control lock (static/js/drone_lock.js): taken here, renewed while held, loud when lost.
  const lock = canCommand ? window.DroneLock({
    csrf: csrf, renewS: el.dataset.lockRenewS, me: me, labels: lockLabels, onChange: function () { refreshLock(); },
  }) : null;

  function api(path, method, body) {
    return fetch(path, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      if (r.status === 204) { return {}; }
      return r.json().then(function (data) { if (!r.ok) { throw data; } return data; });
    });
  }

  function refreshLock() {
    const d = drones[selected];
    if (!d || !lock) { return; }
    const st = lock.state;
    const fieldset = document.getElementById("command-buttons");
    const button = document.getElementById("btn-lock");
    const out = document.getElementById("lock-state");
    const holding = lock.holds(selected);
    const here = st.drone === selected;
    fieldset.disabled = !holding;
    button.disabled = st.busy;
    button.textContent = holding ? labels.release : here && st.phase === "lost" ? lockLabels.takeBack : labels.take_control;
    let text = "";
    if (holding) {
      text = labels.controlled_by + ": " + labels.you + (st.phase === "failing" ? " · " + lockLabels.renewFailing + ": " + st.error : "");
    } else if (here && st.phase === "lost") {
      text = lockLabels.controlLost + (st.error ? ": " + st.error : "");
    } else if (here && st.phase === "other" && st.holder) {
      text = labels.controlled_by + ": " + st.holder;
    }
    out.textContent = text;
    out.className = "lockstate" + (here && (st.phase === "lost" || st.phase === "failing") ? " lost" : holding ? " mine" : "");
    out.dataset.phase = here ? st.phase : "none";
  }

  function showResult(text, ok, pending) {
    const out = document.getElementById("command-result");
    out.textContent = text;
    out.className = ok ? "" : "error";
    out.dataset.state = pending ? "pending" : ok ? "ok" : "error";
  }

  if (canCommand) {
    document.getElementById("btn-lock").addEventListener("click", function () {
      const action = lock.holds(selected) ? lock.release() : lock.take(selected);
      action.catch(function (e) { showResult(e.detail || JSON.stringify(e), false); });
    });
    document.querySelectorAll("#command-buttons button[data-command]").forEach(function (button) {
      button.addEventListener("click", function () {
        const command = button.dataset.command;
        const args = {};
        if (command === "takeoff") { args.alt_m = Number(document.getElementById("takeoff-alt").value); }
        if (command === "mode") { args.mode = document.getElementById("mode-select").value; }
        showResult(command + ": " + labels.sent, true, true);
        api("/api/drones/drones/" + selected + "/command/", "POST", { command: command, args: args })
          .then(function () { showResult(command + ": " + labels.done, true); })
          .catch(function (e) {
            const reasons = e.errors && e.errors[0] && e.errors[0].reasons ? " (" + e.errors[0].reasons.join("; ") + ")" : "";
            showResult((e.detail || JSON.stringify(e)) + reasons, false);
          });
      });
    });
  }

  // Planned routes of the missions flying now, dashed under the drones.
  const routes = L.layerGroup().addTo(map);
  function loadRoutes() {
    fetch("/api/drones/flights/?active=true", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        routes.clearLayers();
        (data.results || data || []).forEach(function (flight) {
          const points = (flight.items || []).slice(1).filter(function (i) {
            return [16, 17, 18, 19].indexOf(i[0]) >= 0 && (i[2] || i[3]);
          }).map(function (i) { return [i[2], i[3]]; });
          if (points.length) {
            L.polyline(points, { color: "#1456b8", weight: 2, dashArray: "6 4" })
              .bindTooltip(flight.drone_name + " · #" + flight.id).addTo(routes);
          }
        });
      }).catch(function () {});
  }
  loadRoutes();

  renderList();
  if (el.dataset.focus && drones[el.dataset.focus]) { select(Number(el.dataset.focus)); }
  else if (fleet.length) { select(fleet[0].id); }
  connect();
})();
