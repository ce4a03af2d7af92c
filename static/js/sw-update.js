// sw-update.js: register the service worker (app.js), ask for a Background Sync after a save,
// and offer "A new version is ready — reload" when a new worker is waiting, but only while no
// note is half-written. The outbox is in IndexedDB, so the reload loses nothing.
import { on } from "./status.js";

export async function registerWorker(root) {
  if (!("serviceWorker" in navigator)) return;
  const banner = root.querySelector("[data-update]");
  const form = root.querySelector('[data-js="capture-form"]');
  let registration;
  try {
    // Where Background Sync exists, the worker can also flush with no tab open (a module worker).
    registration = "SyncManager" in self
      ? await navigator.serviceWorker.register("/sw-sync.js", { scope: "/", type: "module" })
      : await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  } catch {
    return;  // no offline shell, but capture still works while this page is open
  }

  // The first visit is not served through the worker, so keep this page for offline use here.
  if (!navigator.serviceWorker.controller && /^\/studies\/\d+\/capture$/.test(location.pathname)) {
    caches.open("fieldnotes-pages").then(async (cache) => {
      await cache.add(location.pathname);
      await cache.put("/__fieldnotes/last-capture", new Response(location.pathname));  // sw.js: offline /capture
    }).catch(() => {});
  }

  function offer() {
    const waiting = registration.waiting;
    banner.hidden = !(waiting && navigator.serviceWorker.controller && !form?.dataset.dirty);
  }
  function watch(worker) {
    worker?.addEventListener("statechange", offer);
  }
  watch(registration.installing);
  registration.addEventListener("updatefound", () => watch(registration.installing));
  form?.addEventListener("input", offer);
  on("saved", () => {
    offer();
    registration.sync?.register("outbox").catch(() => {});
  });
  offer();

  let asked = false;
  banner.querySelector("[data-update-reload]").addEventListener("click", () => {
    if (form?.dataset.dirty) return offer();
    asked = true;
    registration.waiting?.postMessage({ type: "SKIP_WAITING" });
  });
  // Reload only when this page asked for the new version, never mid-note on its own.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!asked) return;
    asked = false;  // once: a second reload would abort the first
    location.reload();
  });
  addEventListener("online", () => registration.update().catch(() => {}));
}
