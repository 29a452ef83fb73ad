// Behaviour every page shares, bound here because the Content-Security-Policy allows no inline
// script or handler attribute:
// - <form data-confirm="question"> asks before it is sent (cancelling, paying);
// - <select data-autosubmit> sends its form when the choice changes.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
}, true);
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
});
