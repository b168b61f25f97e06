// Behaviour shared by every page: htmx settings, toasts, the upload form.
"use strict";

// htmx 2 swaps only 2xx answers by default. The upload form's 400 and 413
// answers carry the form with its error messages, so those are swapped too.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "^(400|413)$", swap: true, error: false },
  { code: "^409$", swap: false, error: false },
  { code: "[45]..", swap: false, error: true },
];

// Toasts ---------------------------------------------------------------

const TOAST_SECONDS = { success: 6, error: 12 };

function dismissToast(toast) {
  toast.remove();
}

function armToast(toast, level) {
  toast.querySelector(".toast__close").addEventListener("click", () => dismissToast(toast));
  setTimeout(() => dismissToast(toast), (TOAST_SECONDS[level] || 6) * 1000);
}

function showToast(message, level = "success") {
  const toast = document.createElement("div");
  toast.className = `toast toast--${level}`;
  if (level === "error") {
    toast.setAttribute("role", "alert");
  }
  const text = document.createElement("p");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast__close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  toast.append(text, close);
  document.getElementById("toasts").append(toast);
  armToast(toast, level);
}

// Servers send {"showToast": {"message": ..., "level": ...}} in HX-Trigger;
// scripts dispatch the same event on document.body.
document.addEventListener("showToast", (event) => {
  showToast(event.detail.message, event.detail.level);
});

// Polls keep running after a session ends or the server stops; tell the
// person once a minute at most instead of failing silently.
const lastWarning = {};

function warnOnce(key, message) {
  const now = Date.now();
  if (lastWarning[key] && now - lastWarning[key] < 60000) {
    return;
  }
  lastWarning[key] = now;
  showToast(message, "error");
}

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  if (status === 403) {
    warnOnce("403", "Your session has ended. Sign in again to see live updates.");
  } else if (status === 404) {
    warnOnce("404", "This item no longer exists. Reload the page.");
  } else {
    warnOnce("5xx", `The server failed to answer (HTTP ${status}). Try again in a moment.`);
  }
});

document.addEventListener("htmx:sendError", () => {
  warnOnce("network", "The server cannot be reached. Check the connection; updates resume when it is back.");
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("#toasts .toast").forEach((toast) => {
    armToast(toast, toast.classList.contains("toast--error") ? "error" : "success");
  });
});

// Upload form: file name, drag and drop, size check, progress ----------

function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function showChosenFile(form) {
  const file = form.querySelector("input[type=file]").files[0];
  form.querySelector("[data-file-name]").textContent = file
    ? `${file.name} (${formatBytes(file.size)})`
    : "No file chosen";
}

function showFieldError(form, message) {
  const list = form.querySelector("[data-field-errors]");
  list.replaceChildren();
  if (message) {
    const item = document.createElement("li");
    item.textContent = message;
    list.append(item);
  }
  form.querySelector(".field").classList.toggle("field--invalid", Boolean(message));
}

document.addEventListener("change", (event) => {
  const form = event.target.closest("[data-upload-form]");
  if (form && event.target.type === "file") {
    showChosenFile(form);
    showFieldError(form, "");
  }
});

for (const type of ["dragenter", "dragover"]) {
  document.addEventListener(type, (event) => {
    const zone = event.target.closest?.("[data-drop-zone]");
    if (zone) {
      event.preventDefault();
      zone.classList.add("drop-zone--over");
    }
  });
}

document.addEventListener("dragleave", (event) => {
  const zone = event.target.closest?.("[data-drop-zone]");
  if (zone && !zone.contains(event.relatedTarget)) {
    zone.classList.remove("drop-zone--over");
  }
});

document.addEventListener("drop", (event) => {
  const zone = event.target.closest?.("[data-drop-zone]");
  if (!zone) {
    return;
  }
  event.preventDefault();
  zone.classList.remove("drop-zone--over");
  if (event.dataTransfer.files.length) {
    const input = zone.querySelector("input[type=file]");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// Reject a file over the limit before sending it; the server checks again.
document.addEventListener("htmx:confirm", (event) => {
  const form = event.target.closest?.("[data-upload-form]");
  if (!form || event.target !== form) {
    return;
  }
  const file = form.querySelector("input[type=file]").files[0];
  if (file && file.size > Number(form.dataset.maxBytes)) {
    event.preventDefault();
    showFieldError(form, form.dataset.tooLargeMessage);
  }
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt.closest?.("[data-upload-form]");
  if (form) {
    form.querySelector("[data-upload-progress]").hidden = false;
  }
});

// htmx reports upload progress and then the response's download progress
// under the same event name; keeping the highest value stops the bar from
// jumping back when the small response starts to arrive.
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.detail.elt?.closest?.("[data-upload-form]");
  if (!form || !event.detail.lengthComputable) {
    return;
  }
  const bar = form.querySelector("[data-upload-progress] progress");
  const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
  bar.value = Math.max(bar.value, percent);
  form.querySelector("[data-progress-text]").textContent =
    bar.value >= 100 ? "Uploaded, saving…" : `${bar.value} %`;
});

// Shared with recorder.js: the CSRF token that htmx sends from <body>.
function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
}
