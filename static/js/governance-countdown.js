// Live countdowns on the governance pages: every <time data-countdown datetime="…"> shows
// the time left, updated each second (the server renders a static text first).
(function () {
  "use strict";

  function left(ms) {
    if (ms <= 0) {
      return "now";
    }
    var s = Math.floor(ms / 1000);
    var parts = [
      [Math.floor(s / 86400), "d"],
      [Math.floor((s % 86400) / 3600), "h"],
      [Math.floor((s % 3600) / 60), "m"],
      [s % 60, "s"],
    ];
    while (parts.length > 1 && parts[0][0] === 0) {
      parts.shift();
    }
    return parts.slice(0, 3).map(function (p) { return p[0] + p[1]; }).join(" ");
  }

  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      el.textContent = left(new Date(el.getAttribute("datetime")).getTime() - Date.now());
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
