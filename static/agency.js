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

// A failed htmx request is never dropped silently: the server's message (its error page's
// title and detail) goes into the page's alert region, announced by screen readers; the
// next request that succeeds clears it.
function requestErrorText(xhr) {
  const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
  const title = page.querySelector("[data-error-title]");
  const detail = page.querySelector("[data-error-detail]");
  if (title || detail) {
    return [title, detail].filter(Boolean).map((node) => node.textContent.trim()).join(": ");
  }
  return `The request failed (HTTP ${xhr.status}). Nothing was changed; please try again.`;
}

function showRequestError(text) {
  const region = document.querySelector("[data-request-error]");
  if (region) region.textContent = text;
}

document.addEventListener("htmx:responseError", (event) => {
  showRequestError(requestErrorText(event.detail.xhr));
});
document.addEventListener("htmx:sendError", () => {
  showRequestError("The server could not be reached. Check the connection and try again.");
});
document.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.successful) showRequestError("");
});
