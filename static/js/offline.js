// offline.js: the offline page (templates/capture/offline.html, precached by sw.js). It lists the
// capture screens kept on this phone, each of which opens with no network, so nothing reachable
// from this page leads back to it ("Go to capture" opens the one kept last, sw.js). With none kept,
// it says how to keep one.
const PAGES = "fieldnotes-pages";
const CAPTURE = /^\/studies\/\d+\/capture$/;

async function keptPages() {
  if (!self.caches) return [];
  const cache = await caches.open(PAGES);
  const pages = [];
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (!CAPTURE.test(path)) continue;
    const html = await (await cache.match(request)).text();
    const title = new DOMParser().parseFromString(html, "text/html").title.replace(/ · Fieldnotes$/, "");
    pages.push({ path, title: title || "Capture" });
  }
  return pages;
}

async function start() {
  const box = document.querySelector('[data-js="offline-pages"]');
  if (!box) return;
  const pages = await keptPages();
  box.querySelector("[data-capture-link]").hidden = !pages.length;  // it opens the one kept last
  box.querySelector("[data-none]").hidden = pages.length > 0;
  const kept = box.querySelector("[data-kept]");
  kept.querySelector("ul").replaceChildren(...pages.map(({ path, title }) => {
    const item = document.createElement("li");
    item.append(Object.assign(document.createElement("a"), { href: path, textContent: title }));
    return item;
  }));
  kept.hidden = pages.length < 2;
}

start();
