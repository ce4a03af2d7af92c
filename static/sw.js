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

async function page(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && isCapturePage(url)) {
      const cache = await caches.open(PAGES);
      await cache.put(url.pathname, response.clone());
    }
    return response;
  } catch {
    const cached = await caches.match(url.pathname, { cacheName: PAGES })
      || await caches.match(url.pathname, { cacheName: VERSION });
    return cached || (await caches.match("/offline", { cacheName: VERSION })) || Response.error();
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
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/") || SHELL.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});
