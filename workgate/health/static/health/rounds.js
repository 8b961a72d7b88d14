// Rounds pages.
// The overview's chart: enterprises with most people missing, as horizontal bars whose labels
// fit a phone (company-form suffix dropped, long names cut, the full name in the tooltip).
// The grid: Enter in a row's temperature or masks moves to the next row's temperature (a
// volunteer types down the column without reaching for the mouse); Enter on the last row moves
// to "Save round". The form shows it is busy while it is sent.
(function () {
  "use strict";

  function shortName(name) {
    return name.replace(/(股份)?有限(责任)?公司$/, "") || name;
  }

  function drawMissingChart(el) {
    if (!window.echarts) { return; }
    var source = document.getElementById(el.dataset.chartSource);
    if (!source) { return; }
    var rows = JSON.parse(source.textContent);
    var full = rows.map(function (r) { return r.label; });
    var narrow = el.clientWidth < 480;
    el.style.height = Math.max(160, rows.length * 28 + 40) + "px";
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var item = items[0];
          return full[item.dataIndex] + "<br>" + el.dataset.seriesName + ": " + item.value;
        }
      },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category", inverse: true,
        data: full.map(shortName),
        axisLabel: { width: narrow ? 110 : 240, overflow: "truncate" }
      },
      series: [{
        type: "bar", name: el.dataset.seriesName, itemStyle: { color: "#c62828" },
        label: { show: true, position: "right" },
        data: rows.map(function (r) { return r.missing; })
      }]
    });
    el.dataset.chartReady = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart=round-missing]").forEach(drawMissingChart);
  });

  function temperatures(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input.temp"));
  }

  document.addEventListener("keydown", function (evt) {
    var input = evt.target;
    if (evt.key !== "Enter" || !input.matches || !input.matches(".round-grid-form input.temp, .round-grid-form input.masks")) {
      return;
    }
    var form = input.form;
    var row = input.closest(".grid-row");
    var list = temperatures(form);
    var next = null;
    for (var i = 0; i < list.length; i++) {
      if (list[i].closest(".grid-row") === row) { next = list[i + 1] || null; break; }
    }
    evt.preventDefault();
    if (next) {
      next.focus();
      next.select();
    } else {
      var save = form.querySelector("button[type=submit]");
      if (save) { save.focus(); }
    }
  });

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.classList || !form.classList.contains("round-grid-form")) { return; }
    var save = form.querySelector("button[type=submit]");
    if (save) { save.setAttribute("aria-busy", "true"); }
  });
})();
