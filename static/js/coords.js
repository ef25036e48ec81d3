/* Chinese map datums in the browser: WGS-84 (GPS, Tianditu), GCJ-02 (AMap, Tencent) and BD-09 (Baidu).
 * The same published formulas as common/geo.py (the GCJ-02 offset on the Krasovsky ellipsoid, Baidu's
 * rotation and scale on top of it); the inverses iterate the forward formulas, so a typed point converts
 * to within millimetres of what the server computes. window.Coords:
 *   Coords.toWgs84(lat, lon, crs)   -> [lat, lon] in WGS-84; crs is "wgs84", "gcj02" or "bd09"
 *   Coords.fromWgs84(lat, lon, crs) -> [lat, lon] in crs
 * Degrees throughout; latitude first, as Leaflet has it (common/geo.py takes longitude first). */
(function () {
  "use strict";
  const A = 6378245.0;  // Krasovsky 1940 semi-major axis, metres
  const EE = 0.00669342162296594323;  // its first eccentricity squared
  const X_PI = Math.PI * 3000.0 / 180.0;

  // GCJ-02 minus WGS-84 at a WGS-84 position, degrees: [dlat, dlon].
  function offset(lat, lon) {
    const x = lon - 105.0;
    const y = lat - 35.0;
    const sqrtAbsX = Math.sqrt(Math.abs(x));
    const common = (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrtAbsX + common;
    dlat += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrtAbsX + common;
    dlon += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    const radLat = lat / 180.0 * Math.PI;
    const magic = 1.0 - EE * Math.sin(radLat) * Math.sin(radLat);
    const sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtMagic) * Math.PI);
    dlon = (dlon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [dlat, dlon];
  }

  function wgs84ToGcj02(lat, lon) {
    const d = offset(lat, lon);
    return [lat + d[0], lon + d[1]];
  }

  function gcj02ToWgs84(lat, lon) {
    let wLat = lat, wLon = lon;
    for (let i = 0; i < 8; i++) {
      const f = wgs84ToGcj02(wLat, wLon);
      wLat -= f[0] - lat;
      wLon -= f[1] - lon;
    }
    return [wLat, wLon];
  }

  function gcj02ToBd09(lat, lon) {
    const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
    const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
    return [z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065];
  }

  function bd09ToGcj02(lat, lon) {
    // The usual closed form, then refined against the forward formula as common/geo.py does.
    const x = lon - 0.0065, y = lat - 0.006;
    const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
    const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
    let gLat = z * Math.sin(theta), gLon = z * Math.cos(theta);
    for (let i = 0; i < 4; i++) {
      const f = gcj02ToBd09(gLat, gLon);
      gLat -= f[0] - lat;
      gLon -= f[1] - lon;
    }
    return [gLat, gLon];
  }

  function toWgs84(lat, lon, crs) {
    if (crs === "gcj02") { return gcj02ToWgs84(lat, lon); }
    if (crs === "bd09") { const g = bd09ToGcj02(lat, lon); return gcj02ToWgs84(g[0], g[1]); }
    return [lat, lon];
  }

  function fromWgs84(lat, lon, crs) {
    if (crs === "gcj02") { return wgs84ToGcj02(lat, lon); }
    if (crs === "bd09") { const g = wgs84ToGcj02(lat, lon); return gcj02ToBd09(g[0], g[1]); }
    return [lat, lon];
  }

  window.Coords = { toWgs84: toWgs84, fromWgs84: fromWgs84, CRS: ["wgs84", "gcj02", "bd09"] };
})();
