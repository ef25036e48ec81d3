// The drone form's loudspeaker: show the relay number for a relay, the channel and PWMs for a servo output.
(function () {
  "use strict";
  const output = document.getElementById("id_speaker_output");
  if (!output) { return; }
  function toggle(name, hide) {
    const row = document.querySelector('[data-field="' + name + '"]');
    if (row) { row.hidden = hide && !row.querySelector(".errorlist"); }  // an error always shows
  }
  function show() {
    const servo = output.value === "servo";
    toggle("speaker_relay", servo);
    ["speaker_servo", "speaker_on_pwm", "speaker_off_pwm"].forEach(function (name) { toggle(name, !servo); });
  }
  output.addEventListener("change", show);
  show();
})();
