// Small page behaviours declared with data- attributes, so that templates need no inline handlers
// (the Content-Security-Policy refuses on*= attributes and inline scripts):
//   <select data-autosubmit>       submits its form when changed (a <noscript> button stays for no-JS)
//   <button data-print>            opens the browser's print dialogue
//   <input data-select-on-click>   selects its whole text when clicked (a link to copy)
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      // requestSubmit runs the form's validation and submit listeners, as a click on its button would.
      if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
    }
  });
  document.addEventListener("click", function (event) {
    const target = event.target.closest ? event.target : null;
    if (!target) { return; }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    const selectable = target.closest("[data-select-on-click]");
    if (selectable && selectable.select) { selectable.select(); }
  });
})();
