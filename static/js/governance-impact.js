// Impact preview chart: the fund's cumulative delta over the scenario's liquidations, under
// current and under proposed values (data from the page's JSON block, no inline script).
(function () {
  "use strict";
  var block = document.getElementById("impact-data");
  if (!block || !window.Chart) {
    return;
  }
  var scenarios = JSON.parse(block.textContent);
  document.querySelectorAll("canvas.impact-chart").forEach(function (canvas) {
    var scenario = scenarios[canvas.dataset.scenario];
    if (!scenario || !scenario.current) {
      return;
    }
    var current = scenario.current.fund_delta_path.map(Number);
    var proposed = scenario.proposed.fund_delta_path.map(Number);
    var labels = current.map(function (_, i) { return i + 1; });
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: "current values", data: current, borderColor: "#7f8c8d", pointRadius: 0 },
          { label: "proposed values", data: proposed, borderColor: "#2e8b57", pointRadius: 0 },
        ],
      },
      options: {
        animation: false,
        scales: {
          x: { title: { display: true, text: "liquidation #" } },
          y: { title: { display: true, text: "fund delta (smallest unit)" } },
        },
      },
    });
  });
})();
