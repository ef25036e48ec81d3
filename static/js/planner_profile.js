/* The planner's altitude profile: distance along the route (x) against height above the launch point (y),
 * the height ceiling as a line, each waypoint numbered. Plain SVG, drawn with DOM calls (no chart library,
 * no style attributes: the classes are in static/css/drones.css). window.PlannerProfile.draw(svg, data):
 *   data.points  [{d_m, alt_m, label, wp}]: wp is the 0-based waypoint index, or null for the launch point
 *   data.ceiling_m  the highest a mission may fly (settings.DRONE_MAX_HEIGHT_M)
 *   data.labels  {distance, height, ceiling}
 * Terrain is not drawn: the project has no terrain model, so heights are above the launch point only. */
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const W = 360, H = 150;
  const PAD = { left: 34, right: 10, top: 12, bottom: 24 };

  function node(parent, name, attrs, text) {
    const n = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    if (text != null) { n.textContent = text; }
    parent.appendChild(n);
    return n;
  }

  function draw(svg, data) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const points = data.points || [];
    const ceiling = Number(data.ceiling_m) || 0;
    const labels = data.labels || {};
    svg.dataset.points = String(points.filter(function (p) { return p.wp != null; }).length);
    if (!points.length) { return; }
    const total = Math.max(points[points.length - 1].d_m, 1);
    const top = Math.max(ceiling, Math.max.apply(null, points.map(function (p) { return p.alt_m; }))) * 1.12 || 10;
    const x = function (d) { return PAD.left + d / total * (W - PAD.left - PAD.right); };
    const y = function (h) { return H - PAD.bottom - Math.max(0, h) / top * (H - PAD.top - PAD.bottom); };

    // Axes, with the ends written on them.
    node(svg, "line", { x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0), class: "profile-axis" });
    node(svg, "line", { x1: PAD.left, y1: y(0), x2: PAD.left, y2: PAD.top, class: "profile-axis" });
    node(svg, "text", { x: PAD.left - 3, y: y(0) + 3, class: "profile-tick end" }, "0");
    node(svg, "text", { x: W - PAD.right, y: H - 6, class: "profile-tick end" }, Math.round(total) + " m");
    node(svg, "text", { x: PAD.left, y: H - 6, class: "profile-tick" }, labels.distance || "");
    node(svg, "text", { x: 2, y: PAD.top - 2, class: "profile-tick" }, labels.height || "");
    if (ceiling) {
      node(svg, "line", { x1: PAD.left, y1: y(ceiling), x2: W - PAD.right, y2: y(ceiling), class: "profile-ceiling" });
      node(svg, "text", { x: PAD.left - 3, y: y(ceiling) + 3, class: "profile-tick end ceiling" }, String(Math.round(ceiling)));
      node(svg, "text", { x: W - PAD.right, y: y(ceiling) - 3, class: "profile-tick end ceiling" }, labels.ceiling || "");
    }
    node(svg, "polyline", {
      class: "profile-line",
      points: points.map(function (p) { return x(p.d_m).toFixed(1) + "," + y(p.alt_m).toFixed(1); }).join(" "),
    });
    // Numbers where there is room for them; every point keeps its dot and a title with its values.
    let lastLabelX = -Infinity;
    points.forEach(function (p) {
      const cx = x(p.d_m), cy = y(p.alt_m);
      const dot = node(svg, "circle", {
        cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3,
        class: "profile-point" + (p.wp == null ? " launch" : "") + (ceiling && p.alt_m > ceiling ? " over" : ""),
      });
      if (p.wp != null) { dot.setAttribute("data-wp", String(p.wp)); }
      node(dot, "title", {}, p.label + ": " + Math.round(p.d_m) + " m, " + p.alt_m + " m");
      if (cx - lastLabelX >= 14) {
        node(svg, "text", { x: cx.toFixed(1), y: (cy - 6).toFixed(1), class: "profile-label" }, p.label);
        lastLabelX = cx;
      }
    });
  }

  window.PlannerProfile = { draw: draw };
})();
