// Copy-to-clipboard buttons: <button data-copy="text">.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(function () {
    const label = button.textContent;
    button.textContent = button.dataset.copiedLabel || "Copied";
    setTimeout(function () { button.textContent = label; }, 1500);
  });
});
// Ask once before a destructive form is submitted: <form data-confirm="...">.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  // Stop double submissions: disable the buttons after the first submit.
  if (!event.defaultPrevented && form.method.toLowerCase() === "post" && !form.hasAttribute("hx-post")) {
    setTimeout(function () { form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; }); }, 0);
  }
});
