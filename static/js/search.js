// The header search (templates/assets/partials/header_search.html): "/" focuses it, htmx fills
// the listbox, the arrow keys move the active option (aria-activedescendant, focus stays in the
// input), Enter opens it, Escape closes; the live region says how many results there are.
(function () {
  "use strict";
  var form = document.querySelector("[data-header-search]");
  if (!form) return;
  var input = form.querySelector("[role=combobox]");
  var list = document.getElementById(input.getAttribute("aria-controls"));
  var status = document.getElementById("header-search-status");
  var active = -1;

  function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }

  function setActive(index) {
    var all = options();
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("active", i === index);
    });
    active = index;
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open(show) {
    list.hidden = !show;
    input.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) setActive(-1);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  list.addEventListener("htmx:afterSwap", function () { refresh(); });
  document.body.addEventListener("htmx:afterSwap", function (event) { if (event.target === list) refresh(); });

  function refresh() {
    var summary = list.querySelector("[data-summary]");
    var text = summary ? summary.getAttribute("data-summary") : "";
    status.textContent = text;
    open(Boolean(text) && input.value.trim() !== "" && document.activeElement === input);
    setActive(-1);
  }

  input.addEventListener("keydown", function (event) {
    var all = options();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) { if (all.length) open(true); else return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active + step;
      if (next >= all.length) next = 0;
      if (next < 0) next = all.length - 1;
      setActive(next);
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0 && all[active]) {
        event.preventDefault();
        window.location.assign(all[active].href);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); open(false); }
    }
  });

  input.addEventListener("input", function () { if (!input.value.trim()) { open(false); status.textContent = ""; } });
  input.addEventListener("focus", function () { if (options().length && input.value.trim()) open(true); });
  form.addEventListener("focusout", function (event) {
    if (!form.contains(event.relatedTarget)) open(false);
  });
  list.addEventListener("mousedown", function (event) { event.preventDefault(); });
})();
