/* A drone event's text in the page's language: mission events are written again from their data with
 * the page's templates (drones/missions/event_labels.py); any other event keeps the text it was stored
 * with (the vehicle's own messages are ArduPilot's English, as every ground station shows them). */
(function () {
  "use strict";
  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (all, name) {
      const v = values[name];
      return v == null ? "—" : Array.isArray(v) ? v.join(", ") : String(v);
    });
  }
  window.EventText = function (labels) {
    labels = labels || {};
    const steps = labels.steps || {};
    const parts = labels.parts || {};
    function step(code) {
      code = String(code == null ? "" : code);
      if (steps[code]) { return steps[code]; }
      const words = code.split(" ");
      if (words.length === 2 && steps[words[0]]) { return fill(steps[words[0]], { part: parts[words[1]] || words[1] }); }
      return code;
    }
    return function (e) {
      const data = (e && e.data) || {};
      const template = e && e.kind === "mission" ? labels[data.report] : null;
      if (!template) { return e ? e.text : ""; }
      const values = Object.assign({}, data);
      if ("step" in values) { values.step = step(values.step); }
      if (values.action && (labels.actions || {})[values.action]) { values.action = labels.actions[values.action]; }
      return fill(template, values);
    };
  };
})();
