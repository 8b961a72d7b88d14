// Duty post form: the gate list shows only the gates of the enterprise chosen (all when none),
// and choosing a gate chooses its enterprise.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var enterprise = document.getElementById("p-enterprise");
    var gate = document.getElementById("p-gate");
    if (!enterprise || !gate) { return; }
    function filter() {
      var chosen = enterprise.value;
      gate.querySelectorAll("optgroup").forEach(function (group) {
        var show = !chosen || group.dataset.enterprise === chosen;
        group.hidden = !show;
        group.disabled = !show;
      });
      var picked = gate.options[gate.selectedIndex];
      if (picked && picked.dataset.enterprise && chosen && picked.dataset.enterprise !== chosen) {
        gate.value = "";
      }
    }
    enterprise.addEventListener("change", filter);
    gate.addEventListener("change", function () {
      var picked = gate.options[gate.selectedIndex];
      if (picked && picked.dataset.enterprise) { enterprise.value = picked.dataset.enterprise; }
    });
    filter();
  });
})();
