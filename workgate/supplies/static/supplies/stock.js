// Community supplies: a stacked bar per consumable material of how many enterprises have how
// many days of supply (under 1 day red … 14 days or more green, not known grey).
(function () {
  "use strict";

  function draw(el, data) {
    if (!window.echarts) { return; }
    var narrow = el.clientWidth < 480;
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: data.series.map(function (s) { return s.colour; }),
      grid: { left: 8, right: 16, top: narrow ? 64 : 40, bottom: 8, containLabel: true },
      legend: { top: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: narrow ? 10 : 12 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1, name: narrow ? "" : data.axis },
      yAxis: {
        type: "category", data: data.materials, inverse: true,
        axisLabel: { fontSize: narrow ? 10 : 12, width: narrow ? 90 : 200, overflow: "break" }
      },
      series: data.series.map(function (s) {
        return { type: "bar", stack: "days", name: s.name, data: s.data, barMaxWidth: 28 };
      })
    });
    el.dataset.chartReady = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("supply-days-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart=supply-days]").forEach(function (el) { draw(el, data); });
  });
})();
