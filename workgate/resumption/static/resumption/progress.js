// Back-to-work dashboard: two line charts of plan against actual per day — enterprises
// planned / back at work, employees planned / on duty (counted from the checks taken).
(function () {
  "use strict";

  function draw(el, data) {
    if (!window.echarts) { return; }
    var kind = el.dataset.chart;
    var keys = kind === "enterprises" ? ["planned", "resumed"] : ["planned_people", "on_duty"];
    var colors = kind === "enterprises" ? ["#90a4ae", "#2e7d32"] : ["#90a4ae", "#1565c0"];
    var narrow = el.clientWidth < 480;
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: colors,
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, data: keys.map(function (k) { return data.labels[k]; }) },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category", data: data.days,
        axisLabel: { formatter: function (v) { return v.slice(5); }, hideOverlap: true, fontSize: narrow ? 10 : 12 }
      },
      yAxis: { type: "value", minInterval: 1 },
      series: keys.map(function (k, i) {
        return {
          type: i === 0 ? "line" : "bar", name: data.labels[k], data: data[k],
          step: i === 0 ? "end" : undefined, symbol: i === 0 ? "none" : undefined,
          lineStyle: i === 0 ? { type: "dashed", width: 2 } : undefined,
          barMaxWidth: 24
        };
      })
    });
    el.dataset.chartReady = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // The batch form: a filter box over the enterprises' checkboxes.
    document.querySelectorAll("input[data-filter]").forEach(function (box) {
      box.addEventListener("input", function () {
        var q = box.value.trim();
        document.querySelectorAll(box.dataset.filter).forEach(function (el) {
          el.hidden = Boolean(q) && el.textContent.indexOf(q) < 0;
        });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (btn) {
      btn.addEventListener("click", function () { window.print(); });
    });
    var source = document.getElementById("progress-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart=enterprises], [data-chart=employees]").forEach(function (el) {
      draw(el, data);
    });
  });
})();
