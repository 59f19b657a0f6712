// Destructive forms ask first: a form with data-confirm="question" submits only when the user
// agrees. (An inline onsubmit would be refused by the Content-Security-Policy.)
document.addEventListener("submit", function (event) {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
