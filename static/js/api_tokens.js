// API tokens page: a "Copy key" button for the key shown once after creating a token.
// Without JavaScript (or clipboard access) the button stays hidden; the key can still be selected.
(function () {
  "use strict";
  document.querySelectorAll("button.copy-key[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });
})();
