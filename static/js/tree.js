// Expand/collapse of tree rows: a button with aria-expanded turns its ▸ (CSS) and shows or hides
// what it controls. The first opening loads the children through htmx (hx-trigger="click once");
// later clicks only toggle what is already there.
//   aria-controls="id"  → a nested list (the group tree): toggle its hidden attribute.
//   data-tree-level="n" → a table row (the asset hierarchy): toggle the rows below it with a deeper level.
(function () {
  function levelOf(row) { return Number(row.dataset.treeLevel || 0); }

  function showRowsBelow(row, open) {
    const level = levelOf(row);
    let closedBelow = null; // rows under a collapsed descendant stay hidden when we reopen
    for (let next = row.nextElementSibling; next && levelOf(next) > level; next = next.nextElementSibling) {
      if (!open) { next.hidden = true; continue; }
      if (closedBelow !== null && levelOf(next) > closedBelow) continue;
      next.hidden = false;
      const toggle = next.querySelector("[data-tree-toggle]");
      closedBelow = toggle && toggle.getAttribute("aria-expanded") !== "true" ? levelOf(next) : null;
    }
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-tree-toggle]");
    if (!toggle) return;
    event.preventDefault();
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    const controlled = toggle.getAttribute("aria-controls");
    if (controlled) {
      const target = document.getElementById(controlled);
      if (target) target.hidden = !open;
    } else {
      const row = toggle.closest("tr");
      if (row) showRowsBelow(row, open);
    }
  });
})();
