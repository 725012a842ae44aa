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

// The consumer picker (templates/components/consumer_picker.html): htmx fills the list;
// here only the keyboard. Down from the search box goes into the list, Up and Down move
// in it, Escape goes back to the box; the box says whether the list is open.
document.addEventListener("keydown", (event) => {
  const picker = event.target.closest && event.target.closest("[data-picker]");
  if (!picker) return;
  const box = picker.querySelector("[role=combobox]");
  const options = [...picker.querySelectorAll("[role=option]")];
  const at = options.indexOf(event.target);
  if (event.key === "ArrowDown" && options.length) {
    event.preventDefault();
    options[Math.min(at + 1, options.length - 1)].focus();
  } else if (event.key === "ArrowUp" && at >= 0) {
    event.preventDefault();
    (at === 0 ? box : options[at - 1]).focus();
  } else if (event.key === "Escape" && at >= 0) {
    box.focus();
  }
});
document.addEventListener("htmx:afterSwap", () => {
  for (const picker of document.querySelectorAll("[data-picker]")) {
    const open = picker.querySelector("[role=option]") ? "true" : "false";
    picker.querySelector("[role=combobox]").setAttribute("aria-expanded", open);
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
