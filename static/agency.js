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
