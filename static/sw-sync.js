// sw-sync.js: the service worker where Background Sync exists (Chromium), served at /sw-sync.js
// by fieldnotes/pwa.py and registered by sw-update.js: the same worker as /sw.js, plus a "sync"
// handler that flushes the outbox under the same Web Lock ("outbox-flush") as the open tabs,
// so notes still leave when no tab is open. A bonus only: tabs flush on their own triggers.
// It sends only the notes of the account a capture page last named (none after a sign-out).
import "/sw.js";
import { getMeta } from "/static/js/db.js";
import { configure, flush } from "/static/js/flush.js";
import { unsent, useAccount } from "/static/js/outbox.js";

self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil((async () => {
    useAccount(await getMeta("account"));
    configure(await getMeta("last_study"));
    await flush();
    // Still waiting (offline, server down, signed out): failing asks the browser to retry later.
    if ((await unsent()).count) throw new Error("notes are still waiting");
  })());
});
