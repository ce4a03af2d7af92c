// sw.js: the service worker, served at /sw.js by fieldnotes/pwa.py (scope: the whole site).
// Precache the app shell; pages network-first, else the cached copy, else /offline; static
// files from the cache; NEVER /api/ (the outbox lives in IndexedDB, not here). A new version
// waits until the page asks it to take over, so no half-written note is reloaded away.
const VERSION = "fieldnotes-v1";  // pwa.py appends a digest of the shell
const SHELL = ["__SHELL__"];
const PAGES = "fieldnotes-pages";  // capture pages, kept across versions so offline keeps working

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) =>
    cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== VERSION && name !== PAGES) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
});

function isCapturePage(url) {
  return /^\/studies\/\d+\/capture$/.test(url.pathname);
}

async function fromNetwork(request, url) {
  const response = await fetch(request);
  if (response.ok && !response.redirected && isCapturePage(url)) {
    const cache = await caches.open(PAGES);
    await cache.put(url.pathname, response.clone());
  }
  return response;
}

// Network first; on a weak signal a kept capture page is shown after 4 s (the network copy
// still refreshes the cache), and with no network at all the kept copy or /offline.
async function page(event) {
  const url = new URL(event.request.url);
  const network = fromNetwork(event.request, url);
  event.waitUntil(network.catch(() => null));
  const kept = await caches.match(url.pathname, { cacheName: PAGES });
  const slow = kept ? new Promise((resolve) => setTimeout(() => resolve(kept), 4000)) : null;
  try {
    return await (slow ? Promise.race([network, slow]) : network);
  } catch {
    return kept || (await caches.match("/offline", { cacheName: VERSION })) || Response.error();
  }
}

async function asset(request) {
  const cached = await caches.match(request, { cacheName: VERSION, ignoreSearch: false });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/media/")) return;  // never cached
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/static/") || SHELL.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});
