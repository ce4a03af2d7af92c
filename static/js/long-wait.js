// long-wait.js: data-js="long-wait" on the capture screen (app.js). Safari may clear a site's storage
// after 7 days without a visit (unless installed to the home screen), so notes that have waited on
// this phone for days are at risk: say so, and offer the export right there.
import { isMine } from "./account.js";
import { all } from "./db.js";
import { exportUnsent } from "./export.js";
import { on } from "./status.js";

export const LONG_WAIT_DAYS = 3;  // well before Safari's 7 days
const DAY = 24 * 60 * 60 * 1000;

async function oldestWaiting() {
  const times = (await all("outbox")).filter(isMine).map((m) => Date.parse(m.client_time)).filter(Number.isFinite);
  return times.length ? Math.min(...times) : null;
}

export default function longWait(el) {
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
