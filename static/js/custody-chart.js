// Balance history of the tracked wallets (fund asset, whole units) from the page's JSON block.
(function () {
  "use strict";
  const source = document.getElementById("custody-series");
  const canvas = document.getElementById("custody-balances");
  if (!source || !canvas || !window.Chart) return;
  const series = JSON.parse(source.textContent).filter((s) => s.blocks.length);
  // Amounts are integer strings; divide with BigInt first so only the display is rounded.
  const whole = (amount, decimals) => {
    const scale = 10n ** BigInt(decimals);
    const value = BigInt(amount);
    return Number(value / scale) + Number(value % scale) / Number(scale);
  };
  new window.Chart(canvas, {
    type: "line",
    data: {
      datasets: series.map((s) => ({
        label: s.label,
        data: s.blocks.map((block, i) => ({ x: block, y: whole(s.amounts[i], s.decimals) })),
        stepped: true,
      })),
    },
    options: {
      maintainAspectRatio: false,
      parsing: false,
      scales: { x: { type: "linear", title: { display: true, text: "block" } } },
    },
  });
})();
