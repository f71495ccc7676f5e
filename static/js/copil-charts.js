/* The COPIL's charts, drawn with chart.js (static/vendor/chart.umd.min.js)
   from the data-chart attribute beside each table. The table itself stays:
   without JavaScript, or for a screen reader, it says the same figures.
   Hidden groups ("< 5") are left out of the charts (null). */
(function () {
  "use strict";
  var COLOURS = ["#a8381b", "#1d5c63", "#c98a1a", "#5b4a9b", "#2f7d32", "#7a6f66"];

  function draw(box) {
    var spec;
    try { spec = JSON.parse(box.getAttribute("data-chart")); } catch (e) { return; }
    if (!spec || !spec.labels || !spec.labels.length) { return; }
    // Nothing left to draw once small groups are hidden: the table says it all.
    var anything = spec.datasets.some(function (d) { return d.data.some(function (v) { return v > 0; }); });
    if (!anything) { return; }
    var canvas = box.querySelector("canvas");
    // Long labels (communes, processes, themes) read better as horizontal bars.
    var horizontal = spec.labels.some(function (label) { return String(label).length > 14; });
    var stacked = spec.datasets.length > 1; // the columns are parts of the row's total
    if (horizontal) {
      box.style.height = Math.max(200, spec.labels.length * 34 + (stacked ? 110 : 70)) + "px";
    }
    box.hidden = false;
    var datasets = spec.datasets.map(function (d, i) {
      return { label: d.label, data: d.data, backgroundColor: COLOURS[i % COLOURS.length], borderWidth: 0 };
    });
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: {
          x: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function start() {
    if (typeof window.Chart === "function") {
      window.Chart.defaults.color = "#1f1a17";
      window.Chart.defaults.font.size = 13;
      Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
      window.addEventListener("beforeprint", function () {
        Object.keys(window.Chart.instances).forEach(function (id) { window.Chart.instances[id].resize(); });
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
