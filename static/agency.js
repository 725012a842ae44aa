// agency: the little behaviour htmx does not cover. No framework, no build step.
"use strict";

// A file drop zone: dropping a file onto [data-dropzone] puts it in the zone's file input
// and submits the zone's form; clicking the zone opens the file picker.
document.addEventListener("DOMContentLoaded", () => {
  for (const zone of document.querySelectorAll("[data-dropzone]")) {
    const input = zone.querySelector("input[type=file]");
    const form = zone.closest("form");
    if (!input || !form) continue;
    const label = zone.querySelector("[data-dropzone-label]");
    const show = () => {
      if (label && input.files.length) label.textContent = input.files[0].name;
    };
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (!event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      show();
      form.requestSubmit();
    });
    input.addEventListener("change", show);
  }
});

// A copy button: [data-copy="#id"] copies that element's text to the clipboard and says
// so in its [data-copy-status] region. Hidden until this script runs (without it, or
// without a clipboard, the text is still there to select).
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("[data-copy]")) {
    const selector = button.dataset.copy;
    const source = document.querySelector(selector);
    if (!source) continue;
    const status = document.querySelector(`[data-copy-status="${selector}"]`);
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = "Copied.";
      } catch {
        if (status) status.textContent = "Could not copy: select the key and copy it.";
      }
    });
  }
});
