// Staking pages: share-price charts and unstake countdowns. No inline script (the CSP
// allows scripts from this origin only): the price series come from json_script blocks named
// by each canvas's data-share-price attribute, prices as decimal strings.
(function () {
  "use strict";

  function drawCharts() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-share-price]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.sharePrice);
      if (!source) return;
      var points = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: points.map(function (p) { return p.at.slice(0, 10); }),
          datasets: [{
            label: "Share price",
            data: points.map(function (p) { return Number(p.price); }),
            borderColor: "#1f5fbf",
            tension: 0,
          }],
        },
        options: { maintainAspectRatio: false, plugins: { legend: { display: false } } },
      });
    });
  }

  function left(ms) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    return (d ? d + " d " : "") + h + " h " + m + " min " + (s % 60) + " s left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-available-at]").forEach(function (el) {
      var ms = Date.parse(el.dataset.availableAt) - now;
      el.textContent = ms > 0 ? left(ms) : "ready to withdraw";
    });
    document.querySelectorAll("button[data-ready-at]").forEach(function (button) {
      button.disabled = Date.parse(button.dataset.readyAt) > now;
    });
  }

  drawCharts();
  tick();
  window.setInterval(tick, 1000);
})();
