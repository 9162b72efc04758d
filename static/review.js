// The review desk's live clocks. Every second, each [data-countdown-to] shows the time left
// to its due time and each [data-elapsed-since] the time since; both read the server's clock
// (data-server-now on an enclosing element), so a laptop whose clock is off shows the truth.
// Durations read as the server writes them (web/review/formatting.py: duration).
"use strict";

(function () {
  // server time minus browser time, per clock root: a fragment swapped in by htmx brings
  // its own data-server-now and so its own fresh offset
  var offsets = new WeakMap();

  function serverNow(element) {
    var root = element.closest("[data-server-now]");
    if (!root) return Date.now();
    if (!offsets.has(root)) {
      var served = Date.parse(root.getAttribute("data-server-now"));
      offsets.set(root, isNaN(served) ? 0 : served - Date.now());
    }
    return Date.now() + offsets.get(root);
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function duration(seconds) {
    var whole = Math.floor(Math.abs(seconds));
    var days = Math.floor(whole / 86400);
    var rest = whole % 86400;
    var text = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" +
      pad(rest % 60);
    if (days) text = days + " d " + text;
    return seconds < 0 ? "overdue " + text : text;
  }

  function tick() {
    document.querySelectorAll("[data-countdown-to]").forEach(function (clock) {
      var left = (Date.parse(clock.getAttribute("data-countdown-to")) - serverNow(clock)) / 1000;
      clock.textContent = duration(left);
      clock.classList.toggle("overdue", left < 0);
      // A receipt that breaches while the board is open turns red at once, not at the
      // next refresh.
      var row = clock.closest("[data-sla-row]");
      if (row && left < 0) row.classList.add("tone-error", "breached");
    });
    document.querySelectorAll("[data-elapsed-since]").forEach(function (clock) {
      var since = (serverNow(clock) - Date.parse(clock.getAttribute("data-elapsed-since"))) / 1000;
      clock.textContent = duration(Math.max(since, 0));
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();
