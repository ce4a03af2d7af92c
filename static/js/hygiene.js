// hygiene.js: on the capture screen (app.js): say plainly when this browser cannot keep notes
// (no IndexedDB, e.g. private mode), ask for persistent storage, and suggest installing the
// app (beforeinstallprompt; "Add to Home Screen" text on iOS Safari, which also stops Safari
// from clearing the site's storage after 7 days without a visit).
import { openDb } from "./db.js";

export async function checkStorage(root) {
  try {
    await openDb();
  } catch {
    root.querySelector("[data-no-storage]").hidden = false;
    for (const button of root.querySelectorAll('[data-js="capture-form"] button')) button.disabled = true;
    return false;
  }
  if (navigator.storage?.persist && !(await navigator.storage.persisted())) {
    navigator.storage.persist().catch(() => {});
  }
  return true;
}

export function installHint(root) {
  const box = root.querySelector("[data-install]");
  const button = box.querySelector("[data-install-button]");
  const standalone = matchMedia("(display-mode: standalone)").matches || navigator.standalone;
  if (standalone) return;
  const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) && !/crios|fxios/i.test(navigator.userAgent);
  if (ios) {
    box.hidden = false;
    box.querySelector("[data-install-ios]").hidden = false;
    return;
  }
  let deferred = null;
  addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    deferred = event;
    box.hidden = false;
    button.hidden = false;
  });
  button.addEventListener("click", async () => {
    if (!deferred) return;
    deferred.prompt();
    await deferred.userChoice;
    deferred = null;
    box.hidden = true;
  });
  addEventListener("appinstalled", () => { box.hidden = true; });
}
