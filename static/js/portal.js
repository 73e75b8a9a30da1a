// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Focus the error summary after a failed submit so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
  // Prevent double submission by disabling submit buttons once a form is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-once")) {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });
})();
