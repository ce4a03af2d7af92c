// capabilities.js: what this browser can and cannot do for the notes kept on it, said plainly on the
// capture screen (app.js): whether it can keep them at all (checkStorage), what its engine lacks
// (data-js="capabilities"), and notes that have waited so long that Safari may clear them (longWait).
// Engines differ: Safari and Firefox have no Background Sync, older WebKit no Web Locks, some no
// MediaRecorder type we can use, and any may refuse persistent storage. Each fallback is in the module
// that needs it (flush.js, recorder.js, outbox.js); this says plainly, on the phone, what the person
// must do instead.
import { all, openDb } from "./db.js";
import { exportUnsent } from "./export.js";
import { isMine } from "./outbox.js";
import { on } from "./status.js";

const SAY = {
  backgroundSync: "Notes are sent only while Fieldnotes is open in this browser: open it when you have signal.",
  locks: "Keep Fieldnotes open in one tab only while it sends.",
  recorder: "This browser cannot record audio here: record with the phone's own voice memo app.",
  storage: "This browser may clear notes kept here when the phone runs short of space: "
    + "send them when you have signal, or export a copy.",
};

export async function missing() {
  const gaps = [];
  if (!("SyncManager" in self)) gaps.push("backgroundSync");
  if (!navigator.locks) gaps.push("locks");
  if (!("MediaRecorder" in self) || !navigator.mediaDevices?.getUserMedia) gaps.push("recorder");
  if (!(await persisted())) gaps.push("storage");
  return gaps;
}

// persist() may ask the person (Firefox) and never settle: whatever it says within a moment counts.
async function persisted() {
  if (!navigator.storage?.persist) return false;
  try {
    if (await navigator.storage.persisted()) return true;
    const asked = navigator.storage.persist().catch(() => false);
    return await Promise.race([asked, new Promise((resolve) => setTimeout(() => resolve(false), 1500))]);
  } catch {
    return false;
  }
}

export default async function capabilities(el) {
  const gaps = await missing();
  el.querySelector("ul").replaceChildren(...gaps.map((gap) => {
    const item = document.createElement("li");
    item.dataset.gap = gap;
    item.textContent = SAY[gap];
    return item;
  }));
  el.hidden = gaps.length === 0;
}

// checkStorage and installHint (app.js): say plainly when this browser cannot keep notes (no
// IndexedDB, e.g. private mode), ask for persistent storage, and suggest installing the app
// (beforeinstallprompt; "Add to Home Screen" text on iOS Safari, which also stops Safari from
// clearing the site's storage after 7 days without a visit).
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

// longWait: data-js="long-wait" on the capture screen (app.js). Safari may clear a site's storage
// after 7 days without a visit (unless installed to the home screen), so notes that have waited on
// this phone for days are at risk: say so, and offer the export right there.
export const LONG_WAIT_DAYS = 3;  // well before Safari's 7 days
const DAY = 24 * 60 * 60 * 1000;

async function oldestWaiting() {
  const times = (await all("outbox")).filter(isMine).map((m) => Date.parse(m.client_time)).filter(Number.isFinite);
  return times.length ? Math.min(...times) : null;
}

export function longWait(el) {
  const text = el.querySelector("[data-long-wait-text]");
  async function check() {
    const oldest = await oldestWaiting();
    const days = oldest == null ? 0 : Math.floor((Date.now() - oldest) / DAY);
    el.hidden = days < LONG_WAIT_DAYS;
    if (!el.hidden) {
      text.textContent = `Notes have waited on this phone for ${days} days. Safari may clear a site's storage `
        + "after 7 days without use: send them when you have signal, or export a copy now.";
    }
  }
  el.querySelector("[data-long-wait-export]").addEventListener("click", exportUnsent);
  on("changed", check);
  check();
}
