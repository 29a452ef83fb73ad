// The income page's chart, drawn from the #income-data JSON the server renders.
(function () {
  var canvas = document.getElementById("income-chart");
  var data = JSON.parse(document.getElementById("income-data").textContent);
  if (!canvas || !window.Chart) { return; }
  var money = new Intl.NumberFormat("zh-CN", { style: "currency", currency: "CNY" });
  var axis = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 2 });
  var long = data.labels.length > 92;  // bars up to a quarter, a line beyond
  // Chart.js calls onComplete after the last animation frame, or at once when nothing animates.
  function markReady() { canvas.dataset.ready = "true"; }
  new Chart(canvas, {
    type: long ? "line" : "bar",
    data: {
      labels: data.labels,
      datasets: [{
        label: data.label,
        // Fen from the server; yuan only for drawing the axis.
        data: data.fen.map(function (fen) { return fen / 100; }),
        backgroundColor: long ? "rgba(255, 80, 0, 0.12)" : "#ff5000",
        hoverBackgroundColor: "#e04600",
        borderColor: "#ff5000",
        borderWidth: long ? 2 : 0,
        borderRadius: 4,
        maxBarThickness: 36,
        pointRadius: 0,
        fill: long,
        tension: 0.25
      }]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 400, onComplete: markReady },
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (item) { return money.format(item.parsed.y); } } }
      },
      scales: {
        x: {
          grid: { display: false },
          ticks: {
            maxRotation: 0,
            autoSkip: true,
            callback: function (value) { return this.getLabelForValue(value).slice(5); }
          }
        },
        y: {
          beginAtZero: true,
          grid: { color: "#eef0f3" },
          ticks: { callback: function (value) { return "¥" + axis.format(value); } }
        }
      }
    }
  });
})();
