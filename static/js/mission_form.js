/* Mission form (missions page): the fields each kind needs, and for a point broadcast a small map
 * where a click adds a broadcast point to the "lat, lon" list (a click on a point removes it).
 * The list stays editable by hand; the map follows it. */
(function () {
  "use strict";
  const form = document.getElementById("generate-form");
  const el = document.getElementById("points-map");
  if (!form || !el) { return; }
  const kind = form.querySelector("[name=kind]");
  const text = form.querySelector("[name=points]");
  const KIND_FIELDS = {
    school_patrol: ["school", "laps", "buffer_m", "dismissal"],
    market_broadcast: ["market", "laps", "minutes"],
    point_broadcast: ["points", "hold_s"],
    free: [],
  };
  const OPTIONAL = ["school", "market", "laps", "minutes", "buffer_m", "dismissal", "points", "hold_s"];
  let map = null;
  const markers = L.layerGroup();

  function parse() {
    return text.value.split(/[\n;]+/).map(function (line) {
      const parts = line.replace(/，/g, ",").split(/[\s,]+/).filter(Boolean).map(Number);
      return parts.length === 2 && parts.every(isFinite) ? parts : null;
    }).filter(Boolean);
  }

  function draw(fit) {
    if (!map) { return; }
    markers.clearLayers();
    parse().forEach(function (p, index) {
      L.marker(p, {
        icon: L.divIcon({ className: "", html: '<div class="wp-icon speaker">' + (index + 1) + "</div>", iconSize: [22, 22] }),
      }).on("click", function () {
        const points = parse();
        points.splice(index, 1);
        text.value = points.map(function (q) { return q[0] + ", " + q[1]; }).join("\n");
        draw();
      }).addTo(markers);
    });
    const points = parse();
    el.dataset.points = String(points.length);
    if (fit === true && points.length) { map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 17 }); }
  }

  function ensureMap() {
    if (map) { map.invalidateSize(); return; }
    map = L.map(el).setView([Number(el.dataset.centerLat), Number(el.dataset.centerLon)], 15);
    if (window.BaseMap) { window.BaseMap(map, el); }
    markers.addTo(map);
    map.on("click", function (ev) {
      const line = ev.latlng.lat.toFixed(6) + ", " + ev.latlng.lng.toFixed(6);
      text.value = (text.value.trim() ? text.value.trim() + "\n" : "") + line;
      draw();
    });
    map.attributionControl.setPrefix(el.dataset.hint);
    draw();
    const points = parse();
    if (points.length) { map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 17 }); }
  }

  function showFields() {
    const wanted = KIND_FIELDS[kind.value] || OPTIONAL;
    OPTIONAL.forEach(function (name) {
      const label = form.querySelector("label.field-" + name);
      if (label) {  // style, not the hidden attribute: the site's stylesheet shows every label as a block
        label.style.display = wanted.indexOf(name) < 0 ? "none" : "";
      }
    });
    el.hidden = kind.value !== "point_broadcast";
    if (!el.hidden) { ensureMap(); }
  }

  kind.addEventListener("change", showFields);
  text.addEventListener("input", function () { draw(true); });
  showFields();
})();
