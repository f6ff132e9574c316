/* klappt: small progressive enhancements for every page. No external code, no tracking. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var target = document.getElementById(b.getAttribute("data-copy"));
        if (!target) { return; }
        var text = target.value || target.textContent;
        var done = function () {
          var old = b.textContent;
          b.textContent = b.getAttribute("data-copied") || "✓";
          window.setTimeout(function () { b.textContent = old; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done);
        } else if (target.select) {
          target.select(); document.execCommand("copy"); done();
        }
      });
    });
    var summary = document.getElementById("error-summary") || document.getElementById("problem");
    if (summary) { summary.focus(); }
  });
})();
