// Light or dark: the choice made with the header's toggle (remembered in localStorage), else the
// system's prefers-color-scheme, followed live while no choice is remembered. Loaded in <head>
// without defer so the page is painted in its theme from the start.
(function () {
  const KEY = "theme";
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function wanted() {
    const choice = stored();
    return choice === "dark" || choice === "light" ? choice : (media.matches ? "dark" : "light");
  }
  function apply(theme) {
    document.documentElement.dataset.theme = theme;
    const toggle = document.getElementById("theme-toggle");
    if (toggle) toggle.setAttribute("aria-pressed", String(theme === "dark"));
  }
  apply(wanted());
  media.addEventListener("change", function () { if (!stored()) apply(wanted()); });
  document.addEventListener("DOMContentLoaded", function () {
    const toggle = document.getElementById("theme-toggle");
    if (!toggle) return;
    toggle.hidden = false;
    apply(wanted());
    toggle.addEventListener("click", function () {
      const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      apply(next);
    });
  });
})();
