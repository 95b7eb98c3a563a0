// The dashboard's charts (ECharts), drawn from the JSON the page embeds (json_script).
// A file, not an inline script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  function draw() {
    if (!window.echarts) return;
    var node = document.getElementById("chart-data");
    if (!node) return;
    var d = JSON.parse(node.textContent);
    var trend = document.querySelector('[data-chart="trend"]');
    var bars = document.querySelector('[data-chart="bars"]');
    function chart(el) { return echarts.getInstanceByDom(el) || echarts.init(el); }
    chart(trend).setOption({
      title: {text: d.title, textStyle: {fontSize: 14}}, tooltip: {trigger: "axis"},
      grid: {left: 40, right: 10, bottom: 30},
      xAxis: {type: "category", data: d.dates}, yAxis: {type: "value"},
      series: [{type: "line", data: d.values, smooth: true}]
    });
    chart(bars).setOption({
      tooltip: {}, grid: {left: 40, right: 10, bottom: 60},
      xAxis: {type: "category", data: d.bars.names, axisLabel: {rotate: 30}}, yAxis: {type: "value"},
      series: [{type: "bar", data: d.bars.values}]
    });
  }
  // Loaded with defer: the document is parsed, DOMContentLoaded may not have fired yet.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  // Print at the paper's width, then back to the screen's.
  function resize() {
    document.querySelectorAll(".chart").forEach(function (el) {
      var c = window.echarts && echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  }
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  document.body.addEventListener("htmx:afterSettle", draw);
})();
