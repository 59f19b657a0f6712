// After htmx replaces the results, focus goes back to the control that asked for them (the
// sort header, Previous/Next) instead of dropping to the top of the page. Controls name
// themselves with data-focus-key; if the same one is gone (Next on the last page), its partner
// in the same pager or the results heading takes focus.
(function () {
  let wanted = null;
  document.addEventListener("htmx:beforeSwap", function () {
    const active = document.activeElement;
    wanted = active && active.dataset ? active.dataset.focusKey || null : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!wanted) return;
    const key = wanted;
    wanted = null;
    const partner = key.replace(/-(next|previous)$/, (_, which) => which === "next" ? "-previous" : "-next");
    const target = document.querySelector(`[data-focus-key="${key}"]`)
      || document.querySelector(`[data-focus-key="${partner}"]`)
      || document.getElementById("results-title");
    if (target) target.focus();
  });
})();
