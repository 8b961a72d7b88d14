// The personal pass: a running clock (a screenshot shows a frozen one), and a fresh page when the
// phone is picked up again after a while (the colour may have changed since).
(function () {
  "use strict";
  var clock = document.querySelector("[data-clock]");
  var loaded = Date.now();

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    if (!clock) { return; }
    var d = new Date();
    clock.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  tick();
  window.setInterval(tick, 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() - loaded > 60 * 1000) {
      window.location.reload();
    }
  });
})();
