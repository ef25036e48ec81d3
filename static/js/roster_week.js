// The roster week page: choosing a station or a school shows it at once. A new station starts on all of
// its schools (the school list is the old station's until the page reloads).
(function () {
  "use strict";
  var form = document.getElementById("roster-place");
  if (!form) return;
  var station = document.getElementById("roster-station");
  var school = document.getElementById("roster-school");
  if (station) {
    station.addEventListener("change", function () {
      if (school) school.value = "";
      form.submit();
    });
  }
  if (school) {
    school.addEventListener("change", function () {
      form.submit();
    });
  }
})();
