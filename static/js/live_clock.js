/* How old a live update is by now, judged in this browser: the server marks what it knows is late
 * when it writes ("delayed"), but cannot see socket buffers, the network or a page that reads late.
 * Each update carries "at" (UNIX ms: when its position left the vehicle). This browser's clock may
 * differ from the server's, so the offset between them is learnt as the smallest "now - at" seen
 * (the fastest an update ever came); an update is then as old as "now - offset - at". The offset may
 * rise by 0.2 ms a second (200 ppm), so clock drift never reads as delay, and no faster, so a backlog
 * is not learnt as the new normal within a minute (as drones.bridge.freshness does).
 * "now" runs with performance.now() from the page's start: a step of the computer's clock after
 * the page opened (an NTP correction) neither ages nor freshens anything.
 * Snapshots are judged with what was learnt but teach nothing: they may hold old states. */
(function () {
  "use strict";
  const DRIFT_PER_MS = 0.0002;
  function clockNow() { return performance.timeOrigin + performance.now(); }

  window.LiveClock = function (limitMs) {
    limitMs = Number(limitMs);
    if (!isFinite(limitMs) || limitMs < 0) { limitMs = 1000; }
    let offset = null;
    let offsetAt = 0;
    function learn(atMs, now) {
      const seen = now - atMs;
      offset = offset === null ? seen : Math.min(seen, offset + DRIFT_PER_MS * Math.max(0, now - offsetAt));
      offsetAt = now;
    }
    function ageMs(atMs) {
      return atMs == null || offset === null ? null : clockNow() - offset - atMs;
    }
    return {
      limitMs: limitMs,
      ageMs: ageMs,
      // A live update just arrived: learn from it, then say whether it is already too old to be live.
      arrived: function (atMs) {
        if (typeof atMs !== "number" || !isFinite(atMs)) { return false; }
        learn(atMs, clockNow());
        return ageMs(atMs) > limitMs;
      },
      // Is the update of atMs, shown now, older than the limit?
      old: function (atMs) {
        const age = ageMs(typeof atMs === "number" && isFinite(atMs) ? atMs : null);
        return age !== null && age > limitMs;
      },
    };
  };
})();
