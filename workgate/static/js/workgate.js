// Workgate's page behaviour: charts from JSON in the page (no inline script, so CSP stays strict).
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var builders = {
    bar: function (rows) {
      return {
        grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.province; }) },
        series: [{ type: "bar", data: rows.map(function (r) { return r.count; }), itemStyle: { color: "#1565c0" } }]
      };
    },
    pie: function (rows) {
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
          data: rows.filter(function (r) { return r.count > 0; })
            .map(function (r) { return { name: r.label, value: r.count }; })
        }]
      };
    },
    // {series: [{key, name}], rows: [{label, <key>: n}], horizontal?}: bars side by side.
    grouped: function (data) {
      var labels = data.rows.map(function (r) { return r.label; });
      var category = { type: "category", data: labels, inverse: !!data.horizontal };
      var value = { type: "value", minInterval: 1 };
      var colours = ["#1565c0", "#2e7d32", "#b26a00", "#c62828"];
      return {
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: data.horizontal ? value : category,
        yAxis: data.horizontal ? category : value,
        series: data.series.map(function (s, i) {
          return {
            type: "bar", name: s.name, itemStyle: { color: colours[i % colours.length] },
            data: data.rows.map(function (r) { return r[s.key]; })
          };
        })
      };
    }
  };

  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var rows = readJson(el.dataset.chartSource);
      var build = builders[el.dataset.chart];
      if (!rows || !build) { return; }
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(rows));
      el.dataset.chartReady = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { drawCharts(evt.target); });
  window.addEventListener("resize", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
