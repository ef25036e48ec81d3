/* The control lock of one drone, for a page that commands it (live map, flight page).
 *
 * take(): POST /api/drones/drones/<id>/lock/ with {}; if another operator holds it, ask, then
 * {"take_over": true}. While this page holds the lock it renews it every renewS seconds. A failed
 * renewal is never silent: the state turns "failing" (red, retrying every few seconds) and, once
 * the lock has lapsed or another operator took it, "lost" (red, with the button to take it back).
 *
 *   const lock = DroneLock({ csrf, renewS, me, labels, onChange: function (state) { ... } });
 *   lock.take(droneId); lock.release(); lock.adopt(droneId, { holder, expires_at, is_mine });
 *
 * state: { drone, phase: "none" | "mine" | "failing" | "lost" | "other", holder, expiresAt (Date),
 *          error, busy }.
 */
(function () {
  "use strict";
  const RETRY_S = 3;

  window.DroneLock = function (options) {
    const labels = options.labels || {};
    const renewMs = Math.max(5, Number(options.renewS) || 30) * 1000;
    const state = { drone: null, phase: "none", holder: null, expiresAt: null, error: "", busy: false };
    let timer = null;

    function changed() { if (options.onChange) { options.onChange(state); } }

    function call(droneId, method, body) {
      return fetch("/api/drones/drones/" + droneId + "/lock/", {
        method: method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": options.csrf, Accept: "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      }).then(function (r) {
        if (r.status === 204) { return {}; }
        return r.json().catch(function () { return { detail: "HTTP " + r.status }; }).then(function (data) {
          if (!r.ok) { data.status = r.status; throw data; }
          return data;
        });
      }, function () { throw { detail: labels.networkError || "network error" }; });
    }

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(renew, ms);
    }

    function held(droneId, data) {
      state.drone = droneId;
      state.phase = "mine";
      state.holder = options.me;
      state.error = "";
      state.expiresAt = new Date(Date.now() + (Number(data.expires_in_s) || renewMs * 3 / 1000) * 1000);
      schedule(renewMs);
      changed();
    }

    function lost(error, holder) {
      clearTimeout(timer);
      state.phase = "lost";
      state.error = error || "";
      if (holder !== undefined) { state.holder = holder; }
      changed();
    }

    function renew() {
      if (state.drone === null || (state.phase !== "mine" && state.phase !== "failing")) { return; }
      const droneId = state.drone;
      call(droneId, "POST", {}).then(function (data) {
        if (state.drone === droneId) { held(droneId, data); }
      }).catch(function (err) {
        if (state.drone !== droneId) { return; }
        const detail = err.detail || JSON.stringify(err);
        const takenOver = err.code === "locked_by_other" || err.status === 403;
        if (takenOver || (state.expiresAt && Date.now() >= state.expiresAt.getTime())) {
          lost(detail, takenOver ? ((err.errors && err.errors[0] && err.errors[0].holder) || null) : undefined);
        } else {
          // A hiccup (a busy database, the network): the lock still runs; try again soon, visibly.
          state.phase = "failing";
          state.error = detail;
          schedule(RETRY_S * 1000);
          changed();
        }
      });
    }

    function take(droneId) {
      const previous = state.drone;
      if (previous !== null && previous !== droneId && (state.phase === "mine" || state.phase === "failing")) {
        call(previous, "DELETE").catch(function () {});
      }
      clearTimeout(timer);
      state.drone = droneId;
      state.busy = true;
      changed();
      return call(droneId, "POST", {}).catch(function (err) {
        if (err.code === "locked_by_other" &&
            window.confirm((err.detail || "") + "\n\n" + (labels.take_over || "Take over") + "?")) {
          return call(droneId, "POST", { take_over: true });
        }
        throw err;
      }).then(function (data) {
        state.busy = false;
        held(droneId, data);
        return state;
      }).catch(function (err) {
        state.busy = false;
        if (err.code === "locked_by_other") {
          state.holder = (err.errors && err.errors[0] && err.errors[0].holder) || state.holder;
          if (state.phase !== "lost") { state.phase = "other"; }
        } else if (state.phase !== "lost") {
          state.phase = "none";
        }
        state.error = err.detail || JSON.stringify(err);
        changed();
        throw err;
      });
    }

    function release() {
      const droneId = state.drone;
      clearTimeout(timer);
      if (droneId === null) { return Promise.resolve(); }
      return call(droneId, "DELETE").then(function () {
        state.phase = "none";
        state.holder = null;
        state.expiresAt = null;
        state.error = "";
        changed();
      });
    }

    /* What the server said about the lock (e.g. the flight JSON's lock): {holder, expires_at, is_mine}. */
    function adopt(droneId, info) {
      if (!info || typeof info !== "object") { return; }
      if (state.drone !== null && state.drone !== droneId) { return; }
      state.drone = droneId;
      const mine = info.is_mine === true || (info.is_mine == null && info.holder && info.holder === options.me);
      const expires = info.expires_at ? new Date(info.expires_at) : null;
      if (mine) {
        if (state.phase !== "mine" && state.phase !== "failing") {
          state.phase = "mine";
          state.holder = options.me;
          state.expiresAt = expires;
          state.error = "";
          renew();  // renew now: the page holds it from here on
          changed();
        }
        return;
      }
      const live = info.holder && (!expires || expires.getTime() > Date.now());
      if (state.phase === "mine" || state.phase === "failing") {
        if (live) { lost(labels.takenBy ? labels.takenBy + ": " + info.holder : "", info.holder); }
        return;  // nobody holds it: our own renewal says whether we still do
      }
      if (state.busy) { return; }
      state.holder = live ? info.holder : null;
      state.expiresAt = live ? expires : null;
      if (state.phase !== "lost") { state.phase = live ? "other" : "none"; }
      changed();
    }

    function holds(droneId) {
      return state.drone === droneId && (state.phase === "mine" || state.phase === "failing");
    }

    return { take: take, release: release, adopt: adopt, holds: holds, state: state };
  };
})();
