// The task form shows the fields of the chosen mode and content type.
(function () {
  var form = document.getElementById("task-form");
  function sync() {
    var checked = form.querySelector("input[name=mode]:checked");
    var mode = checked ? checked.value : (form.querySelector("input[name=mode]") || {}).value;
    form.querySelectorAll("[data-modes]").forEach(function (el) {
      el.hidden = el.getAttribute("data-modes").split(" ").indexOf(mode) < 0;
    });
    form.querySelectorAll(".mode-picker [data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for") !== mode;
    });
    var type = form.querySelector("select[name=content_type]").value;
    form.querySelector("[data-content]").hidden = type !== "live_sponsorship";
  }
  form.addEventListener("change", sync);
  var radios = form.querySelectorAll("input[name=mode]");
  if (radios.length && !form.querySelector("input[name=mode]:checked")) radios[0].checked = true;
  sync();
})();
