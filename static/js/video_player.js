/* Live video of a drone from its media server: HLS (hls.js, or the browser's own HLS), WebRTC (a WHEP
 * endpoint: the SDP offer POSTed, the answer set) or HTTP-FLV (mpegts.js). Muted, autoplaying, inline.
 *
 *   const player = window.VideoPlayer(container, { url, kind: "hls" | "whep" | "flv", labels });
 *   player.snapshot()  -> Promise<Blob> (PNG of the frame shown), rejected with {code, message}
 *   player.destroy()
 *
 * The container gets data-state: connecting, playing, nosignal, cors (the server does not let this page
 * read the stream) or unsupported, and a status line with a retry button. A stream that fails is retried
 * every few seconds. The players are loaded on first use from the URLs on this script's own tag
 * (data-hls, data-mpegts), which also carries the default labels (data-label-*). hls.js runs without its
 * worker: a blob: worker is not allowed by the pages' Content-Security-Policy. */
(function () {
  "use strict";
  const script = document.currentScript;
  const sources = { hls: script.dataset.hls, flv: script.dataset.mpegts };
  const DEFAULT_LABELS = {};
  Object.keys(script.dataset).forEach(function (key) {
    if (key.indexOf("label") === 0 && key.length > 5) {
      DEFAULT_LABELS[key.charAt(5).toLowerCase() + key.slice(6)] = script.dataset[key];
    }
  });
  const RETRY_MS = 5000;
  const CORS_RETRY_MS = 15000;
  const STALL_MS = 10000;
  const loading = {};

  function loadScript(kind) {
    if (kind === "hls" && window.Hls) { return Promise.resolve(); }
    if (kind === "flv" && window.mpegts) { return Promise.resolve(); }
    if (!loading[kind]) {
      loading[kind] = new Promise(function (resolve, reject) {
        const tag = document.createElement("script");
        tag.src = sources[kind];
        tag.onload = function () { resolve(); };
        tag.onerror = function () { delete loading[kind]; reject(new Error("script")); };
        document.head.appendChild(tag);
      });
    }
    return loading[kind];
  }

  // Reachable but unreadable: a no-cors request gets an opaque answer where a CORS one failed.
  function probeCors(url) {
    return fetch(url, { mode: "no-cors", cache: "no-store", credentials: "omit" })
      .then(function () { return true; }, function () { return false; });
  }

  function iceGathered(pc, timeoutMs) {
    if (pc.iceGatheringState === "complete") { return Promise.resolve(); }
    return new Promise(function (resolve) {
      const done = function () { if (pc.iceGatheringState === "complete") { resolve(); } };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, timeoutMs);
    });
  }

  window.VideoPlayer = function (container, options) {
    const url = options.url;
    const kind = options.kind;
    const labels = Object.assign({}, DEFAULT_LABELS, options.labels || {});
    const box = document.createElement("div");
    box.className = "videoplayer";
    const video = document.createElement("video");
    video.muted = true;
    video.defaultMuted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.setAttribute("autoplay", "");
    const bar = document.createElement("p");
    bar.className = "videostatus";
    const status = document.createElement("span");
    status.setAttribute("role", "status");
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "small";
    retry.textContent = labels.retry || "↻";
    retry.hidden = true;
    bar.appendChild(status);
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(retry);
    box.appendChild(video);
    box.appendChild(bar);
    container.innerHTML = "";
    container.appendChild(box);

    let hls = null;
    let flv = null;
    let pc = null;
    let whepResource = null;
    let timer = null;
    let stopped = false;
    let corsBlocked = false;
    let generation = 0;  // a failure of an attempt already replaced is ignored
    let lastTime = -1;
    let lastMove = Date.now();

    function setState(state, text) {
      container.dataset.state = state;
      box.dataset.state = state;
      status.textContent = text;
      retry.hidden = state === "playing" || state === "connecting";
    }

    function teardown() {
      generation += 1;
      if (timer) { clearTimeout(timer); timer = null; }
      if (hls) { hls.destroy(); hls = null; }
      if (flv) { try { flv.destroy(); } catch (e) { /* already gone */ } flv = null; }
      if (pc) { pc.close(); pc = null; }
      if (whepResource) {
        fetch(whepResource, { method: "DELETE", credentials: "omit" }).catch(function () {});
        whepResource = null;
      }
      video.removeAttribute("src");
      video.srcObject = null;
      try { video.load(); } catch (e) { /* nothing loaded */ }
    }

    function retryLater(ms) {
      if (stopped) { return; }
      timer = setTimeout(start, ms);
    }

    // A failed attempt: the server is unreachable (no signal), or it answers but sends no CORS header.
    function fail(attempt, networkError) {
      if (attempt !== generation || stopped) { return; }
      teardown();
      const mine = generation;
      if (!networkError) {
        setState("nosignal", labels.noSignal);
        retryLater(RETRY_MS);
        return;
      }
      probeCors(url).then(function (reachable) {
        if (mine !== generation || stopped) { return; }
        if (!reachable) {
          setState("nosignal", labels.noSignal);
          retryLater(RETRY_MS);
          return;
        }
        corsBlocked = true;
        if (kind === "hls" && video.canPlayType("application/vnd.apple.mpegurl")) {
          // The browser plays HLS itself without CORS; only snapshots are then impossible.
          video.removeAttribute("crossorigin");
          video.src = url;
          video.play().catch(function () {});
          setState("connecting", labels.connecting);
          return;
        }
        setState("cors", labels.cors);
        retryLater(CORS_RETRY_MS);
      });
    }

    function startHls(attempt) {
      loadScript("hls").then(function () {
        if (attempt !== generation) { return; }
        if (window.Hls && window.Hls.isSupported()) {
          hls = new window.Hls({ enableWorker: false, lowLatencyMode: true, manifestLoadingMaxRetry: 1 });
          hls.on(window.Hls.Events.ERROR, function (event, data) {
            if (!data.fatal) { return; }
            const code = data.response && data.response.code;
            fail(attempt, data.type === window.Hls.ErrorTypes.NETWORK_ERROR && !code);
          });
          hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
          hls.loadSource(url);
          hls.attachMedia(video);
        } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
          video.crossOrigin = "anonymous";
          video.src = url;
          video.play().catch(function () {});
        } else {
          setState("unsupported", labels.unsupported);
        }
      }, function () { setState("unsupported", labels.unsupported); });
    }

    function startFlv(attempt) {
      loadScript("flv").then(function () {
        if (attempt !== generation) { return; }
        const mpegts = window.mpegts;
        if (!mpegts || !mpegts.getFeatureList().mseLivePlayback) {
          setState("unsupported", labels.unsupported);
          return;
        }
        flv = mpegts.createPlayer({ type: "flv", isLive: true, url: url }, { enableWorker: false, liveBufferLatencyChasing: true });
        flv.on(mpegts.Events.ERROR, function (type) { fail(attempt, type === mpegts.ErrorTypes.NETWORK_ERROR); });
        flv.attachMediaElement(video);
        flv.load();
        const played = flv.play();
        if (played && played.catch) { played.catch(function () {}); }
      }, function () { setState("unsupported", labels.unsupported); });
    }

    function startWhep(attempt) {
      if (!window.RTCPeerConnection) { setState("unsupported", labels.unsupported); return; }
      pc = new RTCPeerConnection();
      const peer = pc;
      peer.addTransceiver("video", { direction: "recvonly" });
      peer.addTransceiver("audio", { direction: "recvonly" });
      peer.ontrack = function (ev) {
        if (!video.srcObject) { video.srcObject = ev.streams[0] || new MediaStream([ev.track]); }
        video.play().catch(function () {});
      };
      peer.onconnectionstatechange = function () {
        if (peer.connectionState === "failed" || peer.connectionState === "disconnected") { fail(attempt, false); }
      };
      peer.createOffer()
        .then(function (offer) { return peer.setLocalDescription(offer); })
        .then(function () { return iceGathered(peer, 2000); })
        .then(function () {
          return fetch(url, {
            method: "POST", credentials: "omit", headers: { "Content-Type": "application/sdp" },
            body: peer.localDescription.sdp,
          }).catch(function () { throw { network: true }; });
        })
        .then(function (r) {
          if (!r.ok) { throw { network: false }; }
          const where = r.headers.get("Location");
          if (where) { whepResource = new URL(where, url).href; }
          return r.text();
        })
        .then(function (answer) {
          if (attempt !== generation) { return null; }
          return peer.setRemoteDescription({ type: "answer", sdp: answer });
        })
        .catch(function (err) { fail(attempt, !!(err && err.network)); });
    }

    function start() {
      if (stopped) { return; }
      teardown();
      const attempt = generation;
      lastTime = -1;
      lastMove = Date.now();
      setState("connecting", labels.connecting);
      if (kind !== "whep") { video.crossOrigin = "anonymous"; }
      if (kind === "hls") { startHls(attempt); }
      else if (kind === "flv") { startFlv(attempt); }
      else if (kind === "whep") { startWhep(attempt); }
      else { setState("unsupported", labels.unsupported); }
    }

    video.addEventListener("playing", function () {
      setState("playing", corsBlocked ? labels.playingNoSnapshots || labels.playing : labels.playing);
    });
    video.addEventListener("error", function () {
      if (hls || flv || pc || stopped) { return; }
      if (corsBlocked) {
        // The browser's own player could not play it either: say why, try again later.
        teardown();
        setState("cors", labels.cors);
        retryLater(CORS_RETRY_MS);
        return;
      }
      fail(generation, true);
    });
    // A live stream that stops moving is no signal, whatever the player believes.
    const watch = setInterval(function () {
      if (stopped || container.dataset.state !== "playing") { return; }
      if (video.currentTime !== lastTime) {
        lastTime = video.currentTime;
        lastMove = Date.now();
      } else if (Date.now() - lastMove > STALL_MS) {
        fail(generation, false);
      }
    }, 1000);
    retry.addEventListener("click", function () { corsBlocked = false; start(); });

    function snapshot() {
      return new Promise(function (resolve, reject) {
        if (corsBlocked) { reject({ code: "cors", message: labels.snapshotCors }); return; }
        if (video.readyState < 2 || !video.videoWidth) { reject({ code: "no_frame", message: labels.noFrame }); return; }
        const canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        try {
          canvas.toBlob(function (blob) {
            if (blob) { resolve(blob); } else { reject({ code: "no_frame", message: labels.noFrame }); }
          }, "image/png");
        } catch (err) {
          // A frame from another origin without CORS taints the canvas: it can be shown, not read.
          if (err && err.name === "SecurityError") { reject({ code: "cors", message: labels.snapshotCors }); }
          else { reject({ code: "error", message: String(err) }); }
        }
      });
    }

    function destroy() {
      stopped = true;
      clearInterval(watch);
      teardown();
      container.innerHTML = "";
      delete container.dataset.state;
    }

    start();
    return { video: video, snapshot: snapshot, destroy: destroy, restart: start };
  };
})();
