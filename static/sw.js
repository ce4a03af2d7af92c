// sw.js: the service worker, served at /sw.js by fieldnotes/pwa.py (scope: the whole site).
// Precache the app shell (the interview recorder with it: usable offline from the first visit); pages
// network-first, else the cached copy, else /offline; static files from the cache; NEVER /api/ (the
// outbox lives in IndexedDB, not here). A new version waits until the page asks it to take over, so no
// half-written note is reloaded away.
// /capture (the offline page's "Go to capture", the installed app's start) opens the capture page
// last kept here when there is no network. Signing out forgets the kept capture pages: they were
// made for the account that signed out.
// Static files have fingerprinted names (fieldnotes/assets.py): the HTTP cache's copy of one is as good as
// the network's, so an update downloads only the files that changed. A name this version does not have
// (a capture page kept from an older version, a plain name from a browser without import maps) is
// answered by the network, else by this version's copy of the same file, as before fingerprints.
const VERSION = "fieldnotes-v1";  // pwa.py appends a digest of the shell
const SHELL = ["__SHELL__"];
const PAGES = "fieldnotes-pages";  // capture pages, kept across versions so offline keeps working
const LAST_CAPTURE = "/__fieldnotes/last-capture";  // in PAGES: the path of the capture page kept last

const FINGERPRINT = /\.[0-9a-f]{12}(\.\w+)$/;  // app.3f2a9c1b7d4e.js: a name that never changes content
const plainName = (pathname) => pathname.replace(FINGERPRINT, "$1");
const CURRENT = new Map(SHELL.map((url) => [plainName(url), url]));

self.addEventListener("install", (event) => {
  // Fingerprinted files may come from the HTTP cache; the rest (/offline, the manifest) are asked again.
  const fresh = (url) => (FINGERPRINT.test(url) ? "default" : "no-cache");
  event.waitUntil(caches.open(VERSION).then((cache) =>
    cache.addAll(SHELL.map((url) => new Request(url, { cache: fresh(url), credentials: "same-origin" })))));
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
    await cache.put(LAST_CAPTURE, new Response(url.pathname));
  }
  return response;
}

// With no network, /capture goes to the capture page kept last (the server would pick a study).
async function keptCapture() {
  const last = await caches.match(LAST_CAPTURE, { cacheName: PAGES });
  const path = last && (await last.text());
  return path && (await caches.match(path, { cacheName: PAGES })) ? Response.redirect(path, 302) : null;
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
    if (!kept && url.pathname === "/capture") return (await keptCapture()) || offlinePage();
    return kept || offlinePage();
  }
}

async function offlinePage() {
  return (await caches.match("/offline", { cacheName: VERSION })) || Response.error();
}

async function asset(request, url) {
  const cached = await caches.match(request, { cacheName: VERSION, ignoreSearch: false });
  if (cached) return cached;
  const response = await fetch(request).catch(() => null);
  if (response?.ok) return response;
  const current = CURRENT.get(plainName(url.pathname));
  const same = current && (await caches.match(current, { cacheName: VERSION }));
  return same || response || Response.error();
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname === "/logout" && url.origin === location.origin) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/media/")) return;  // never cached
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/static/") || SHELL.includes(url.pathname)) {
    event.respondWith(asset(request, url));
  }
});
