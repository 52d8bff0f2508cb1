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
// Ask once before a destructive action: <form data-confirm="..."> or <button data-confirm="...">.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
  // Stop double submissions: disable the buttons after the first submit.
  if (!event.defaultPrevented && form.method.toLowerCase() === "post" && !form.hasAttribute("hx-post")) {
    setTimeout(function () { form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; }); }, 0);
  }
});
// Pages marked data-reload-on-back show state that may have changed (a submitted form): when the browser
// brings one back from its back-forward cache, fetch it again instead of showing the stale copy.
window.addEventListener("pageshow", function (event) {
  if (event.persisted && document.querySelector("[data-reload-on-back]")) window.location.reload();
});
// Move the focus to an error summary (data-autofocus), so screen readers and keyboards start there.
document.addEventListener("DOMContentLoaded", function () {
  const target = document.querySelector("[data-autofocus]");
  if (target) target.focus();
});
// Text areas grow with their text where the browser cannot do it in CSS (field-sizing).
if (!(window.CSS && CSS.supports("field-sizing", "content"))) {
  const grow = function (area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  };
  document.addEventListener("input", function (event) {
    if (event.target.matches("textarea")) grow(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea").forEach(grow);
  });
}
// Progress bars: <div class="progress-bar" data-progress="42">. The width is set here because the
// Content-Security-Policy allows no inline style attribute; htmx swaps in new bars while polling.
function applyProgress(root) {
  root.querySelectorAll("[data-progress]").forEach(function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0)) + "%";
  });
}
document.addEventListener("DOMContentLoaded", function () { applyProgress(document); });
document.addEventListener("htmx:afterSettle", function () { applyProgress(document); });

// An htmx request that could not be sent at all (a chosen file changed on disk since it was chosen,
// which browsers refuse to upload; or the network is down) says so in the form's feedback box
// instead of doing nothing: <form data-send-error="message" hx-target="#box">.
document.addEventListener("htmx:sendError", function (event) {
  const form = event.detail.elt.closest("form[data-send-error]");
  const box = form && document.querySelector(form.getAttribute("hx-target"));
  if (!box) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = form.dataset.sendError;
  box.replaceChildren(alert);
});
// A "select all" checkbox: <input type="checkbox" data-select-all="name"> ticks every checkbox named so.
document.addEventListener("change", function (event) {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});
