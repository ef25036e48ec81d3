/* The planner's altitude profile: distance along the route (x) against height above the launch point (y),
 * the height ceiling as a line, each waypoint numbered. Plain SVG, drawn with DOM calls (no chart library,
 * no style attributes: the classes are in static/css/drones.css). window.PlannerProfile.draw(svg, data):
 *   data.points  [{d_m, alt_m, label, wp}]: wp is the 0-based waypoint index, or null for the launch point
 *   data.ceiling_m  the highest a mission may fly (settings.DRONE_MAX_HEIGHT_M)
 *   data.labels  {distance, height, ceiling, ground, above_ground}
 *   data.ground  with a terrain model: [{d_m, h_m}], the ground relative to the launch point's (h_m null
 *                where the model has none); drawn shaded, with the ceiling above the ground as a line
 *                following it; data.clearance_m the least height above it. points[i].agl_m: the height
 *                above the ground there (a dot above the ceiling or below the clearance is marked). Without
 *                a terrain model, heights are above the launch point only. */
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

  // Runs of consecutive known ground points (a gap where the model has no ground).
  function runs(ground) {
    const out = [];
    let run = [];
    ground.forEach(function (g) {
      if (g.h_m == null) { if (run.length) { out.push(run); } run = []; } else { run.push(g); }
    });
    if (run.length) { out.push(run); }
    return out.filter(function (r) { return r.length > 1; });
  }

  function draw(svg, data) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const points = data.points || [];
    const ceiling = Number(data.ceiling_m) || 0;
    const labels = data.labels || {};
    const ground = (data.ground || []).filter(function (g) { return g.h_m == null || isFinite(g.h_m); });
    const known = ground.filter(function (g) { return g.h_m != null; }).map(function (g) { return g.h_m; });
    svg.dataset.points = String(points.filter(function (p) { return p.wp != null; }).length);
    svg.dataset.ground = String(known.length);
    if (!points.length) { return; }
    const total = Math.max(points[points.length - 1].d_m, 1);
    const highest = Math.max(ceiling, Math.max.apply(null, points.map(function (p) { return p.alt_m; })),
      known.length ? Math.max.apply(null, known) + ceiling : 0);
    const bottom = Math.min(0, known.length ? Math.min.apply(null, known) : 0);
    const top = (highest - bottom) * 1.12 + bottom || 10;
    const x = function (d) { return PAD.left + d / total * (W - PAD.left - PAD.right); };
    const y = function (h) { return H - PAD.bottom - (Math.max(bottom, h) - bottom) / (top - bottom) * (H - PAD.top - PAD.bottom); };

    // The ground under the route, shaded down to the bottom, and the ceiling above it following it.
    runs(ground).forEach(function (run) {
      const line = run.map(function (g) { return x(g.d_m).toFixed(1) + "," + y(g.h_m).toFixed(1); });
      const floor = y(bottom).toFixed(1);
      node(svg, "polygon", {
        class: "profile-ground",
        points: x(run[0].d_m).toFixed(1) + "," + floor + " " + line.join(" ") + " " + x(run[run.length - 1].d_m).toFixed(1) + "," + floor,
      });
      if (ceiling) {
        node(svg, "polyline", {
          class: "profile-ceiling terrain",
          points: run.map(function (g) { return x(g.d_m).toFixed(1) + "," + y(g.h_m + ceiling).toFixed(1); }).join(" "),
        });
      }
    });

    // Axes, with the ends written on them.
    node(svg, "line", { x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0), class: "profile-axis" });
    node(svg, "line", { x1: PAD.left, y1: y(bottom), x2: PAD.left, y2: PAD.top, class: "profile-axis" });
    node(svg, "text", { x: PAD.left - 3, y: y(0) + 3, class: "profile-tick end" }, "0");
    if (bottom < 0) { node(svg, "text", { x: PAD.left - 3, y: y(bottom), class: "profile-tick end" }, String(Math.round(bottom))); }
    node(svg, "text", { x: W - PAD.right, y: H - 6, class: "profile-tick end" }, Math.round(total) + " m");
    node(svg, "text", { x: PAD.left, y: H - 6, class: "profile-tick" }, labels.distance || "");
    node(svg, "text", { x: 2, y: PAD.top - 2, class: "profile-tick" }, labels.height || "");
    if (ceiling) {
      node(svg, "line", { x1: PAD.left, y1: y(ceiling), x2: W - PAD.right, y2: y(ceiling), class: "profile-ceiling" });
      node(svg, "text", { x: PAD.left - 3, y: y(ceiling) + 3, class: "profile-tick end ceiling" }, String(Math.round(ceiling)));
      node(svg, "text", { x: W - PAD.right, y: y(ceiling) - 3, class: "profile-tick end ceiling" }, labels.ceiling || "");
    }
    if (known.length && labels.ground) {
      node(svg, "text", { x: W - PAD.right, y: y(bottom) - 3, class: "profile-tick end ground" }, labels.ground);
    }
    node(svg, "polyline", {
      class: "profile-line",
      points: points.map(function (p) { return x(p.d_m).toFixed(1) + "," + y(p.alt_m).toFixed(1); }).join(" "),
    });
    // Numbers where there is room for them; every point keeps its dot and a title with its values.
    let lastLabelX = -Infinity;
    points.forEach(function (p) {
      const cx = x(p.d_m), cy = y(p.alt_m);
      const overGround = p.agl_m != null && ceiling && (p.agl_m > ceiling || p.agl_m < (Number(data.clearance_m) || 0));
      const dot = node(svg, "circle", {
        cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3,
        class: "profile-point" + (p.wp == null ? " launch" : "") + ((ceiling && p.alt_m > ceiling) || overGround ? " over" : ""),
      });
      if (p.wp != null) { dot.setAttribute("data-wp", String(p.wp)); }
      const aboveGround = p.agl_m != null && labels.above_ground ? ", " + Math.round(p.agl_m) + " m " + labels.above_ground : "";
      node(dot, "title", {}, p.label + ": " + Math.round(p.d_m) + " m, " + p.alt_m + " m" + aboveGround);
      if (cx - lastLabelX >= 14) {
        node(svg, "text", { x: cx.toFixed(1), y: (cy - 6).toFixed(1), class: "profile-label" }, p.label);
        lastLabelX = cx;
      }
    });
  }

  window.PlannerProfile = { draw: draw };
})();
