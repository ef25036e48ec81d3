/* The notice bell in the top bar (templates/base.html, notices/_bell.html): the unread count, kept live
 * over /ws/notices/ (?lang= the page's language, so new notices arrive translated). A new notice shows a
 * short toast; an urgent one a banner that stays until dismissed, with a short chime. The chime is a tiny
 * WAV built here in memory and played through WebAudio (no sound files). Browsers allow sound only after
 * the page had a click or a key press. */
(function () {
  "use strict";
  const bell = document.getElementById("notice-bell");
  if (!bell) { return; }
  const t = bell.dataset;
  const badge = bell.querySelector(".notice-count");
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  let audio = null;
  let chime = null;

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return csrfInput ? csrfInput.value : m ? decodeURIComponent(m[1]) : "";
  }

  function setCount(n) {
    n = Math.max(0, Number(n) || 0);
    t.count = String(n);
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    bell.setAttribute("aria-label", bell.title + ": " + n + " " + t.lUnread);
    const listBadge = document.getElementById("notice-list-unread");
    if (listBadge) { listBadge.textContent = n + " " + t.lUnread; }
  }

  // A 16-bit mono PCM WAV of two short sine tones (E6 then A5), 0.36 s at 16 kHz: about 11 KB.
  function wavBytes() {
    const rate = 16000;
    const tones = [[1318.5, 0.16], [880, 0.2]];
    const total = tones.reduce(function (s, x) { return s + Math.round(x[1] * rate); }, 0);
    const buf = new ArrayBuffer(44 + total * 2);
    const v = new DataView(buf);
    function str(off, s) { for (let i = 0; i < s.length; i++) { v.setUint8(off + i, s.charCodeAt(i)); } }
    str(0, "RIFF"); v.setUint32(4, 36 + total * 2, true); str(8, "WAVE");
    str(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
    str(36, "data"); v.setUint32(40, total * 2, true);
    let off = 44;
    tones.forEach(function (tone) {
      const n = Math.round(tone[1] * rate);
      for (let i = 0; i < n; i++) {
        const env = Math.min(1, i / 160, (n - i) / 800);  // short attack, softer release: no clicks
        const sample = Math.sin(2 * Math.PI * tone[0] * i / rate) * 0.45 * env;
        v.setInt16(off, Math.round(sample * 32767), true);
        off += 2;
      }
    });
    return buf;
  }

  function play() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      audio = audio || new Ctx();
      if (audio.state === "suspended") { audio.resume().catch(function () {}); }
      const ready = chime ? Promise.resolve(chime) : audio.decodeAudioData(wavBytes()).then(function (b) { chime = b; return b; });
      ready.then(function (buffer) {
        const src = audio.createBufferSource();
        src.buffer = buffer;
        src.connect(audio.destination);
        src.start();
        bell.dataset.chimes = String(Number(bell.dataset.chimes || 0) + 1);
      }).catch(function () {});
    } catch (e) { /* no sound: the banner still shows */ }
  }
  ["click", "keydown"].forEach(function (type) {
    document.addEventListener(type, function () {
      if (audio && audio.state === "suspended") { audio.resume().catch(function () {}); }
    }, { once: true, capture: true });
  });

  function holder() {
    let box = document.getElementById("notice-live");
    if (!box) {
      box = document.createElement("div");
      box.id = "notice-live";
      box.className = "notice-live";
      box.setAttribute("aria-live", "polite");
      const header = document.querySelector(".topbar");
      header.parentNode.insertBefore(box, header.nextSibling);
    }
    return box;
  }

  function markRead(id) {
    return fetch("/api/notices/" + id + "/read/", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    }).catch(function () {});
  }

  function show(notice) {
    const item = document.createElement("div");
    item.className = notice.urgent ? "notice-banner" : "notice-toast";
    item.dataset.notice = String(notice.id);
    if (notice.urgent) { item.setAttribute("role", "alert"); }
    const text = document.createElement("span");
    text.className = "notice-text";
    if (notice.urgent) {
      const tag = document.createElement("strong");
      tag.textContent = t.lUrgent + " · ";
      text.appendChild(tag);
    }
    text.appendChild(document.createTextNode(notice.title + (notice.body ? " — " + notice.body : "")));
    item.appendChild(text);
    const open = document.createElement("a");
    open.href = notice.url || bell.getAttribute("href");
    open.textContent = t.lOpen;
    open.addEventListener("click", function (ev) {
      ev.preventDefault();
      markRead(notice.id).then(function () { location.href = open.href; });
    });
    item.appendChild(open);
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = t.lDismiss;
    dismiss.addEventListener("click", function () { item.remove(); });
    item.appendChild(dismiss);
    holder().appendChild(item);
    if (notice.urgent) { play(); } else { setTimeout(function () { item.remove(); }, 8000); }
  }

  let retry = 1000;
  function connect() {
    const lang = encodeURIComponent(document.documentElement.lang || "");
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + t.wsPath + "?lang=" + lang);
    socket.onopen = function () { retry = 1000; t.live = "1"; };
    socket.onmessage = function (ev) {
      const msg = JSON.parse(ev.data);
      if (msg.type === "unread") { setCount(msg.count); } else if (msg.type === "notice") { show(msg.notice); }
    };
    socket.onclose = function (ev) {
      t.live = "0";
      if (ev.code === 4401 || ev.code === 4403) { return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
