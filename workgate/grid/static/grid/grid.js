// A grid form shows the workshop field for a workshop grid and the dorm prefix for a dormitory
// grid; without script both stay visible and the server says which one is needed.
(function () {
  "use strict";
  function sync(select) {
    var form = select.closest("form");
    form.querySelectorAll("[data-kind-field]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind-field") !== select.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-kind-select]").forEach(function (select) {
      sync(select);
      select.addEventListener("change", function () { sync(select); });
    });
  });
})();
