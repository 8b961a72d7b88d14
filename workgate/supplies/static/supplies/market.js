// The allocation page: two small bar charts of the optimal allocation against first come,
// first served — urgency-weighted need met (%) and cost (yuan). Data from json_script
// (the CSP forbids inline scripts).
(function () {
  "use strict";

  function draw(el, data) {
    if (!window.echarts) { return; }
    var key = el.dataset.chart;
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    var narrow = el.clientWidth < 360;
    chart.setOption({
      title: { text: data.labels[key], left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: "normal" } },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category", data: [data.labels.optimal, data.labels.greedy],
        axisLabel: { interval: 0, fontSize: narrow ? 10 : 12, width: narrow ? 80 : 120, overflow: "break" }
      },
      yAxis: { type: "value", max: key === "met" ? 100 : undefined },
      series: [{
        type: "bar", barMaxWidth: 48,
        data: data[key].map(function (v, i) {
          return { value: v, itemStyle: { color: i === 0 ? (key === "met" ? "#2e7d32" : "#1565c0") : "#90a4ae" } };
        }),
        label: {
          show: true, position: "top",
          formatter: function (p) { return key === "met" ? p.value + " %" : "¥" + p.value.toLocaleString(); }
        }
      }]
    });
    el.dataset.chartReady = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("allocation-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart=met], [data-chart=cost]").forEach(function (el) {
      draw(el, data);
    });
  });
})();
