/* Drone alerts on every page (failsafe, fence breach, link lost, low battery, a mode change nobody
 * asked for): a red banner with a beep that stays until someone acknowledges the alert. The open
 * alerts come from /api/drones/alerts/ when the page loads, new ones and acknowledgements from
 * /ws/drones/alerts/, so every watcher's banner agrees. The beep is made with WebAudio (no files);
 * it repeats while an alert is open. Browsers allow sound only after the page had a click or key. */
(function () {
  "use strict";
  const box = document.getElementById("drone-alerts");
  if (!box) { return; }
  const t = box.dataset;
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const alerts = {};  // id -> alert (as the API gives it)
  const acked = {};  // id -> who acknowledged it, shown briefly before the line goes
  const REPEAT_MS = 15000;
  let audio = null;
  let lastBeep = 0;

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return csrfInput ? csrfInput.value : m ? decodeURIComponent(m[1]) : "";
  }

  function beep() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      audio = audio || new Ctx();
      if (audio.state === "suspended") { audio.resume().catch(function () {}); }
      const now = audio.currentTime;
      [0, 0.25, 0.5].forEach(function (offset) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, now + offset);
        gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.18);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + offset);
        osc.stop(now + offset + 0.2);
      });
      lastBeep = Date.now();
      box.dataset.beeps = String(Number(box.dataset.beeps || 0) + 1);
    } catch (e) { /* no sound: the banner still shows */ }
  }
  // A page that has not been clicked yet may not play sound: unlock it on the first gesture.
  ["click", "keydown"].forEach(function (type) {
    document.addEventListener(type, function () {
      if (audio && audio.state === "suspended") { audio.resume().catch(function () {}); }
    }, { once: true, capture: true });
  });

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function render() {
    const ids = Object.keys(alerts).sort(function (a, b) { return Number(b) - Number(a); });
    box.hidden = ids.length === 0;
    box.dataset.count = String(Object.keys(alerts).filter(function (id) { return !acked[id]; }).length);
    box.innerHTML = "<ul>" + ids.map(function (id) {
      const a = alerts[id];
      const when = new Date(a.at);
      const by = acked[id];
      return '<li data-alert="' + a.id + '" data-kind="' + esc(a.alert) + '"><span class="what">⚠ ' + esc(a.drone_name) + " · " +
        esc(a.label) + ": " + esc(a.text) + ' <span class="when">' + esc(when.toLocaleTimeString()) + "</span></span>" +
        (by ? '<span class="acked">' + esc(t.ackedBy) + " " + esc(by) + "</span>" :
          '<button type="button" data-ack="' + a.id + '">' + esc(t.ack) + "</button>") + "</li>";
    }).join("") + "</ul>";
  }

  function add(alert, fresh) {
    if (!alert || alert.acknowledged_at || alerts[alert.id]) { return; }
    alerts[alert.id] = alert;
    render();
    if (fresh || Date.now() - lastBeep > REPEAT_MS) { beep(); }
  }

  function acknowledged(alert) {
    if (!alerts[alert.id]) { return; }
    acked[alert.id] = alert.acknowledged_by || "—";
    render();
    setTimeout(function () { delete alerts[alert.id]; delete acked[alert.id]; render(); }, 4000);
  }

  box.addEventListener("click", function (ev) {
    const id = ev.target && ev.target.dataset ? ev.target.dataset.ack : null;
    if (!id) { return; }
    ev.target.disabled = true;
    fetch(t.ackUrl.replace("/0/", "/" + id + "/"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: "{}",
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { throw data; } return data; });
    }).then(acknowledged).catch(function () { ev.target.disabled = false; });
  });

  function load() {
    return fetch(t.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { (data.results || []).forEach(function (a) { add(a, false); }); })
      .catch(function () {});
  }

  let retry = 1000;
  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + t.wsPath);
    socket.onopen = function () {
      if (retry > 1000) { load(); }  // catch up on what was raised while disconnected
      retry = 1000;
      box.dataset.live = "1";
    };
    socket.onmessage = function (ev) {
      const msg = JSON.parse(ev.data);
      if (msg.type === "alert") { add(msg.alert, true); } else if (msg.type === "alert.ack") { acknowledged(msg.alert); }
    };
    socket.onclose = function (ev) {
      box.dataset.live = "0";
      if (ev.code === 4401 || ev.code === 4403) { return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  setInterval(function () {
    if (Object.keys(alerts).some(function (id) { return !acked[id]; }) && Date.now() - lastBeep > REPEAT_MS) { beep(); }
  }, 1000);
  load().then(connect);
})();
