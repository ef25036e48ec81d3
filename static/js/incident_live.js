/* Live incident events from /ws/incidents/ (no framework).
 * Inbox: on any event, show a banner (with a short beep for new reports) and reload the list fragment.
 * Detail: when this report changes, offer a reload. Also draws the report's point on a Leaflet map. */
(function () {
  "use strict";
  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  const mapEl = document.getElementById("incident-map");
  if (mapEl && window.L) {
    const lat = parseFloat(mapEl.dataset.lat), lon = parseFloat(mapEl.dataset.lon);
    const map = L.map(mapEl).setView([lat, lon], 17);
    if (window.BaseMap) { window.BaseMap(map, mapEl); }
    L.circleMarker([lat, lon], { radius: 9, color: "#c0262d", fillOpacity: 0.6 }).addTo(map).bindTooltip(esc(mapEl.dataset.label));
  }

  const el = document.getElementById("incident-live");
  if (!el || !window.WebSocket) { return; }
  const D = el.dataset;
  const state = document.getElementById("socket-state");
  const banner = document.getElementById("live-banner");
  let retry = 1000;

  function beep() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      const ctx = new Ctx();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.3);
    } catch (e) { /* browsers may block sound until the user interacts */ }
  }

  function reloadList() {
    const list = document.getElementById("incident-list");
    if (!list) { return; }
    const url = new URL(window.location.href);
    url.searchParams.set("fragment", "1");
    fetch(url.toString(), { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { list.innerHTML = html; } });
  }

  function show(html) {
    if (!banner) { return; }
    banner.innerHTML = html;
    banner.hidden = false;
  }

  function onEvent(ev) {
    const inc = ev.incident;
    if (!inc) { return; }
    if (D.mode === "inbox") {
      const title = ev.type === "new" ? D.lNew : (ev.type === "escalated" ? D.lEscalated : D.lUpdated);
      show(esc(title) + ": " + esc(inc.reference) + " · " + esc(inc.school.name) + " · " + esc(inc.severity_label) + " · " +
        esc(inc.category_label) + (inc.liaison ? " · " + esc(inc.liaison.name) + ' <a href="tel:' + esc(inc.liaison.phone) + '">' +
        esc(inc.liaison.phone) + "</a>" : "") + ' · <a href="' + esc(inc.url) + '">' + esc(D.lOpen) + "</a>");
      if (ev.type === "new" || ev.type === "escalated") { beep(); }
      reloadList();
    } else if (String(inc.id) === D.incident) {
      show(esc(D.lUpdated) + ' <a href="">' + esc(D.lReload) + "</a>");
    }
  }

  function connect() {
    const proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(proto + window.location.host + D.wsPath);
    socket.onopen = function () { retry = 1000; if (state) { state.textContent = D.lConnected; } };
    socket.onmessage = function (msg) {
      let ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      onEvent(ev);
    };
    socket.onclose = function (e) {
      if (state) { state.textContent = D.lClosed; }
      if (e.code === 4401 || e.code === 4403) { return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
