/* Live duty board of one station (school staff: their school). The page comes with the posts drawn; once
 * the socket is open (and after every reconnect) the snapshot of the same station is loaded from
 * /api/patrol/board/, then "shift" events from /ws/patrol/board/ (each carries the shift's whole row) of
 * the posts shown are applied, and every 30 s the time-based statuses are re-evaluated: someone not
 * checked in by start + grace becomes missing. Another station or day is another page (the form). */
(function () {
  "use strict";
  const el = document.getElementById("board");
  const labels = JSON.parse(document.getElementById("status-labels").textContent);
  const order = JSON.parse(document.getElementById("status-order").textContent);
  const L = el.dataset;
  const date = L.date;
  const station = L.station || "";
  const shifts = {};  // id -> row, once the snapshot is loaded
  let loaded = false;
  let socket = null;
  let retry = 1000;
  const socketState = document.getElementById("socket-state");

  function esc(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function hm(iso) { return iso ? iso.slice(11, 16) : "—"; }

  function personStatus(p, row, now) {
    if (p.checked_in_at) {
      if (p.checked_out_at) { return "checked_out"; }
      return p.late ? "late" : "on_duty";
    }
    return now > new Date(row.late_after) ? "missing" : "upcoming";
  }
  function shiftStatus(row, people) {
    if (row.uncovered) { return "uncovered"; }
    if (!people.length) { return "upcoming"; }
    if (people.indexOf("missing") >= 0) { return "missing"; }
    if (people.indexOf("late") >= 0) { return "late"; }
    if (people.every(function (s) { return s === "checked_out"; })) { return "checked_out"; }
    if (people.some(function (s) { return s === "on_duty" || s === "checked_out"; })) { return "on_duty"; }
    return "upcoming";
  }
  function evaluate() {
    const now = new Date();
    Object.values(shifts).forEach(function (row) {
      row.people.forEach(function (p) { p.status = personStatus(p, row, now); });
      row.status = shiftStatus(row, row.people.map(function (p) { return p.status; }));
    });
  }

  function renderCounts() {
    const posts = {}, people = {};
    order.forEach(function (s) { posts[s] = 0; if (s !== "uncovered") { people[s] = 0; } });
    let due = 0, recorded = 0;
    const rows = Object.values(shifts);
    rows.forEach(function (row) {
      posts[row.status] += 1;
      row.people.forEach(function (p) { people[p.status] += 1; });
      if (row.patrol_due) { due += 1; if (row.patrol) { recorded += 1; } }
    });
    const box = document.getElementById("board-counts");
    box.innerHTML = '<div class="card"><div class="muted">' + esc(L.lPosts) + '</div><div class="stat">' + rows.length + "</div></div>" +
      order.map(function (s) {
        return '<div class="card"><div class="muted st-' + s + '">' + esc(labels[s]) + '</div><div class="stat">' + posts[s] +
          (s in people ? " <small>/ " + people[s] + " " + esc(L.lPeople) + "</small>" : "") + "</div></div>";
      }).join("") +
      '<div class="card"><div class="muted">' + esc(L.lPatrols) + '</div><div class="stat">' + recorded + " <small>/ " + due + "</small></div></div>";
  }

  function personHtml(p) {
    let text = esc(p.name) + " (" + esc(p.role_label) + ') <span class="st-' + p.status + '">' + esc(labels[p.status]) + "</span>";
    if (p.checked_in_at) {
      text += ' <small class="muted">' + esc(L.lCheckedIn) + " " + hm(p.checked_in_at) +
        (p.distance_m != null ? " · " + p.distance_m + " m" : "") + (p.checked_out_at ? " · " + esc(L.lCheckedOut) + " " + hm(p.checked_out_at) : "") + "</small>";
      if (p.reason) { text += ' <small class="muted">· ' + esc(L.lReason) + ": " + esc(p.reason) + "</small>"; }
    }
    if (p.phone) { text += ' <a href="tel:' + esc(p.phone) + '">☎</a>'; }
    return "<li>" + text + "</li>";
  }
  function patrolHtml(row) {
    if (!row.patrol_due) { return ""; }
    const p = row.patrol;
    if (!p) { return '<span class="badge bad">' + esc(L.lNotRecorded) + "</span>"; }
    let text = '<span class="badge ok">' + esc(L.lRecorded) + "</span> " + esc(p.staff) + " " + hm(p.started_at) +
      (p.area_cleared ? " · " + esc(L.lCleared) : "");
    if (p.missing_equipment.length) {
      text += '<br><small class="error">' + esc(L.lNotCarried) + ": " + esc(p.missing_equipment.join(", ")) + "</small>";
    }
    return text;
  }
  function renderRows() {
    const body = document.getElementById("board-rows");
    const rows = Object.values(shifts).sort(function (a, b) {
      return a.start < b.start ? -1 : a.start > b.start ? 1 : a.school.name.localeCompare(b.school.name) || a.id - b.id;
    });
    if (!rows.length) { body.innerHTML = '<tr><td colspan="5" class="muted">' + esc(L.lNone) + "</td></tr>"; return; }
    body.innerHTML = rows.map(function (row) {
      const short = Object.keys(row.uncovered_roles).map(function (r) { return r + " ×" + row.uncovered_roles[r]; }).join(", ");
      return '<tr class="row-' + row.status + '" data-shift="' + row.id + '"><td class="nowrap">' + hm(row.start) + "–" + hm(row.end) +
        " " + esc(row.kind_label) + "</td><td>" + esc(row.school.name) + " · " + esc(row.gate.name) + " · " + esc(row.post.name) +
        '</td><td class="st-' + row.status + '">' + esc(labels[row.status]) +
        (short ? ' <small class="error">' + esc(L.lShort) + ": " + esc(short) + "</small>" : "") +
        '</td><td><ul class="people">' + row.people.map(personHtml).join("") + "</ul></td><td>" + patrolHtml(row) + "</td></tr>";
    }).join("");
  }
  function render() { if (loaded) { evaluate(); renderCounts(); renderRows(); } }
  // The posts of this page: one station's (NO_STATION: the schools without one), or all the user may see.
  function shown(row) {
    if (!station) { return true; }
    if (station === L.noStation) { return !row.station; }
    return !!row.station && String(row.station.id) === station;
  }

  function loadSnapshot() {
    const url = L.snapshotUrl + "?date=" + encodeURIComponent(date) + "&station=" + encodeURIComponent(station);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        Object.keys(shifts).forEach(function (k) { delete shifts[k]; });
        data.shifts.forEach(function (row) { shifts[row.id] = row; });
        loaded = true;
        render();
      });
  }

  function subscribe() {
    if (socket && socket.readyState === WebSocket.OPEN && L.schoolOnly !== "1") {
      // The schools without a station have no station group: their events reach the county's.
      socket.send(JSON.stringify({ type: "subscribe", station: station && station !== L.noStation ? Number(station) : null }));
    }
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + L.wsPath);
    socket.onopen = function () {
      retry = 1000;
      socketState.textContent = L.lConnected;
      socketState.className = "badge ok";
      subscribe();
      loadSnapshot();  // whatever changed while disconnected
    };
    socket.onclose = function () {
      if (!loaded) { loadSnapshot(); }  // no socket yet: at least the people and their statuses
      socketState.textContent = L.lClosed;
      socketState.className = "badge bad";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
    socket.onmessage = function (ev) {
      const msg = JSON.parse(ev.data);
      if (msg.type === "shift" && msg.shift.date === date && shown(msg.shift) && loaded) {
        shifts[msg.shift.id] = msg.shift;
        render();
      }
    };
  }

  const filter = document.getElementById("station-filter");
  if (filter) {
    filter.addEventListener("change", function () { document.getElementById("board-filters").submit(); });
  }
  setInterval(render, 30000);
  connect();  // the snapshot follows once the socket is open
})();
