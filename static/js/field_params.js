// The field editor's "Add a field" shows only the params the chosen field type takes; the others
// are hidden and disabled, so they are not sent either.
(function () {
  function sync(select) {
    const form = select.form;
    form.querySelectorAll(".param[data-param-of]").forEach(function (param) {
      const applies = param.dataset.paramOf.split(" ").includes(select.value);
      param.hidden = !applies;
      param.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !applies; });
    });
  }
  function syncAll(root) {
    root.querySelectorAll("select[name=field_type]").forEach(sync);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name=field_type]")) sync(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  document.addEventListener("htmx:load", function (event) { syncAll(event.target); });
})();
