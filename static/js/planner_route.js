/* What the planner reads from a route without drawing it: distances and laps. window.PlannerRoute:
 *   PlannerRoute.distanceM(a, b)  -> great-circle metres between two [lat, lon] (WGS-84)
 *   PlannerRoute.laps(route, params) -> the 1-based lap of each waypoint, or null when the route does not
 *       repeat. The leg into waypoint i belongs to lap laps[i].
 * Laps are found from the waypoints themselves: the shortest period p such that every waypoint from p on
 * repeats the one p before it (a school patrol's loop, a street flown out and back), over at least two whole
 * periods. When that fails, the mission's own params.laps is tried: N laps of equal length whose waypoints
 * are the first lap's, in any order (a market area swept one way, then back). */
(function () {
  "use strict";
  const SAME_DEG = 5e-6;  // about half a metre: generated laps repeat their coordinates exactly

  function distanceM(a, b) {
    const r = 6371008.8, rad = Math.PI / 180;
    const p1 = a[0] * rad, p2 = b[0] * rad;
    const dp = p2 - p1, dl = (b[1] - a[1]) * rad;
    const h = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function same(a, b) { return Math.abs(a.lat - b.lat) < SAME_DEG && Math.abs(a.lon - b.lon) < SAME_DEG; }

  function lapsOfPeriod(n, p) {
    const out = [];
    for (let i = 0; i < n; i++) { out.push(i === 0 ? 1 : Math.floor((i - 1) / p) + 1); }
    return out;
  }

  function periodic(route) {
    const n = route.length;
    for (let p = 2; 2 * p <= n - 1; p++) {
      let ok = true;
      for (let i = p; i < n && ok; i++) { ok = same(route[i], route[i - p]); }
      if (ok) { return p; }
    }
    return null;
  }

  function fromParams(route, params) {
    const n = route.length;
    const count = params && Number(params.laps);
    if (!(count >= 2) || (n - 1) % count !== 0) { return null; }
    const p = (n - 1) / count;
    if (p < 2) { return null; }
    const first = route.slice(0, p + 1);
    for (let i = p + 1; i < n; i++) {
      if (!first.some(function (wp) { return same(wp, route[i]); })) { return null; }
    }
    return p;
  }

  function laps(route, params) {
    if (route.length < 5) { return null; }
    const p = periodic(route) || fromParams(route, params);
    return p ? lapsOfPeriod(route.length, p) : null;
  }

  window.PlannerRoute = { distanceM: distanceM, laps: laps };
})();
