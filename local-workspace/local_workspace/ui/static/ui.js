// The pages' little JavaScript: the jobs filter, the parameters dialog, and the run page's
// refresh while a run is active. Everything works without it except the dialog.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-filter]")) {
    const rows = document.querySelectorAll(box.dataset.filter + " tbody tr[data-name]");
    const apply = () => {
      const text = box.value.trim().toLowerCase();
      for (const row of rows) row.hidden = !row.dataset.name.includes(text);
    };
    box.addEventListener("input", apply);
  }
  for (const button of document.querySelectorAll("[data-open]")) {
    button.addEventListener("click", () => document.querySelector(button.dataset.open).showModal());
  }
  for (const button of document.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => document.querySelector(button.dataset.close).close());
  }
  const every = Number(document.body.dataset.refresh || 0);
  if (every > 0) setTimeout(() => window.location.reload(), every);
});
