/* Phone page "my duties today": before a check-in or check-out form is sent, ask the browser for
 * the position (WGS-84, navigator.geolocation) and fill the hidden lat/lon/accuracy fields. Without
 * a position the form is still sent: the server then asks for a reason. */
(function () {
  "use strict";
  const state = document.getElementById("geo-state");

  function say(key, value) {
    if (!state) { return; }
    state.textContent = (state.dataset[key] || "").replace("%s", value == null ? "" : value);
  }

  document.querySelectorAll("form.geo-form").forEach(function (form) {
    let located = false;
    form.addEventListener("submit", function (ev) {
      if (located) { return; }
      ev.preventDefault();
      const button = form.querySelector("button[type=submit]");
      function send() {
        located = true;
        form.submit();
      }
      if (!navigator.geolocation) { say("unsupported"); send(); return; }
      if (button) { button.disabled = true; }
      say("locating");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(7);
        form.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(7);
        form.querySelector("input[name=accuracy_m]").value = Math.round(pos.coords.accuracy);
        say("found", Math.round(pos.coords.accuracy));
        send();
      }, function (err) {
        say("failed", err.message || err.code);
        if (button) { button.disabled = false; }
        const reason = form.querySelector("input[name=reason]");
        if (reason && !reason.value.trim()) {
          located = true;  // the next press sends without a position, with the reason typed
          reason.focus();
          return;
        }
        send();
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });
  });
})();
