// Fund dashboard charts: balance per day and flows by kind. The data comes from the
// json_script element #fund-chart-data, which the range buttons replace through htmx.
// Amounts arrive as exact integer strings; they become Numbers here for drawing only.
(function () {
  "use strict";
  var balanceChart = null;
  var flowsChart = null;

  function units(text, decimals) {
    return Number(text) / Math.pow(10, decimals);
  }

  function format(value) {
    return value.toLocaleString(undefined, { maximumFractionDigits: 2 });
  }

  function read() {
    var element = document.getElementById("fund-chart-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  // After an htmx swap the canvases are new elements: a chart on a detached one is dropped.
  function live(chart) {
    if (chart && !document.body.contains(chart.canvas)) {
      chart.destroy();
      return null;
    }
    return chart;
  }

  function drawBalance(data) {
    var canvas = document.getElementById("fund-chart");
    balanceChart = live(balanceChart);
    var points = data.closing.map(function (c) { return units(c, data.decimals); });
    if (balanceChart) {
      balanceChart.data.labels = data.labels;
      balanceChart.data.datasets[0].data = points;
      balanceChart.update();
      return;
    }
    balanceChart = new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: "Closing balance (" + data.asset + ")",
          data: points,
          borderColor: "#1f5fbf",
          backgroundColor: "rgba(31, 95, 191, 0.08)",
          fill: true,
          stepped: true,
          pointRadius: 0,
          borderWidth: 2,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (item) { return format(item.parsed.y) + " " + data.asset; } } },
        },
        scales: {
          x: { ticks: { maxTicksLimit: 10, autoSkip: true } },
          y: { ticks: { callback: function (value) { return format(value); } } },
        },
      },
    });
  }

  function drawFlows(data) {
    var canvas = document.getElementById("fund-flows");
    flowsChart = live(flowsChart);
    var inflow = data.flows.inflow.map(function (v) { return units(v, data.decimals); });
    var outflow = data.flows.outflow.map(function (v) { return -units(v, data.decimals); });
    if (flowsChart) {
      flowsChart.data.labels = data.flows.kinds;
      flowsChart.data.datasets[0].data = inflow;
      flowsChart.data.datasets[1].data = outflow;
      flowsChart.update();
      return;
    }
    flowsChart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.flows.kinds,
        datasets: [
          { label: "Inflow", data: inflow, backgroundColor: "#067647" },
          { label: "Outflow", data: outflow, backgroundColor: "#b42318" },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, ticks: { callback: function (value) { return format(value); } } },
          y: { stacked: true },
        },
        plugins: {
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + format(Math.abs(item.parsed.x)) + " " + data.asset; } } },
        },
      },
    });
  }

  function draw() {
    var data = read();
    if (!data || !window.Chart) {
      return;
    }
    drawBalance(data);
    drawFlows(data);
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
