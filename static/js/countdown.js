// Deadlines count down on the page (the server renders the first value).
(function () {
  var units = JSON.parse(document.getElementById("countdown-units").textContent);
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.floor((new Date(el.getAttribute("data-deadline")) - new Date()) / 1000);
      if (left <= 0) { el.textContent = units.over; return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60);
      el.textContent = units.left.replace("%d", d).replace("%h", h).replace("%m", m);
    });
  }
  tick(); setInterval(tick, 30000);
})();
