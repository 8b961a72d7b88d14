// A call-out's page: the cumulative count of people who accepted (and who answered at all) by
// minutes since posting, with the number needed as a line. The data comes with the live part
// of the page, which htmx refreshes every few seconds; the chart is updated in place.
(function () {
  "use strict";

  function steps(minutes) {
    var points = [[0, 0]];
    minutes.forEach(function (m, i) { points.push([m, i + 1]); });
    return points;
  }

  function draw() {
    var el = document.querySelector("[data-chart=callout-times]");
    var source = document.getElementById("live");
    if (!el || !source || !source.dataset.chartData || !window.echarts) { return; }
    var data = JSON.parse(source.dataset.chartData);
    var narrow = el.clientWidth < 480;
    var last = Math.max(1, data.answered.length ? data.answered[data.answered.length - 1] : 0);
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: ["#2e7d32", "#90a4ae", "#c62828"],
      grid: { left: 8, right: 16, top: narrow ? 56 : 36, bottom: 24, containLabel: true },
      legend: { top: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: narrow ? 10 : 12 } },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "value", min: 0, max: Math.ceil(last * 1.05 + 0.5),
        name: data.labels.minutes, nameLocation: "middle", nameGap: 22
      },
      yAxis: { type: "value", minInterval: 1, min: 0, name: narrow ? "" : data.labels.people },
      series: [
        { type: "line", step: "end", name: data.labels.accepted, data: steps(data.accepted), showSymbol: false, areaStyle: { opacity: 0.15 } },
        { type: "line", step: "end", name: data.labels.answered, data: steps(data.answered), showSymbol: false },
        { type: "line", name: data.labels.needed, data: [[0, data.needed], [Math.ceil(last * 1.05 + 0.5), data.needed]], showSymbol: false, lineStyle: { type: "dashed" } }
      ]
    }, { notMerge: false });
    el.dataset.chartReady = "true";
    el.dataset.points = String(data.accepted.length);
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", function () {
    var el = document.querySelector("[data-chart=callout-times]");
    var chart = el && window.echarts && window.echarts.getInstanceByDom(el);
    if (chart) { chart.resize(); }
  });
})();
