// sign-out.js: the header's "Sign out" (templates/base.html, form[data-sign-out]) on the capture
// screen. With nothing left to send it signs out at once. With notes, photos, interviews or refusals
// still on this phone it asks first: send now, export a copy, or keep them for this account (sent when
// it signs in here again; never by anyone else). Signing out also forgets the capture pages this phone
// kept, so the next person offline cannot open a screen made for this account.
import { setMeta } from "./db.js";
import { exportUnsent } from "./export.js";
import { flush } from "./flush.js";
import { describe, waiting } from "./waiting.js";

const PAGES = "fieldnotes-pages";  // sw.js keeps capture pages there

async function leftOver() {
  const told = describe(await waiting());
  return told.allSent ? "" : [told.unsent, told.attention].filter(Boolean).join(" and ");
}

export default function signOut(dialog) {
  const form = document.querySelector("form[data-sign-out]");
  if (!form || !dialog.showModal) return;  // no <dialog>: the plain form still signs out
  const text = dialog.querySelector("[data-sign-out-text]");
  const status = dialog.querySelector("[data-sign-out-status]");
  const choices = dialog.querySelectorAll("[data-sign-out-send], [data-sign-out-keep]");

  async function leave() {
    await setMeta("account", null);  // the Background Sync worker sends nothing for a signed-out account
    await caches?.delete(PAGES).catch(() => {});
    HTMLFormElement.prototype.submit.call(form);  // no submit event: not asked twice
  }

  async function ask(message) {
    text.textContent = message;
    status.textContent = "";
    for (const button of choices) button.hidden = !navigator.onLine;
    if (!dialog.open) dialog.showModal();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const left = await leftOver();
    if (!navigator.onLine) {
      return ask(`This phone is offline, and signing out needs a connection. ${left ? `On this phone: ${left}. ` : ""}`
        + "Everything stays on this phone.");
    }
    if (!left) return leave();
    return ask(`On this phone: ${left}. They stay yours: nobody else who signs in here can send or see them.`);
  });

  dialog.querySelector("[data-sign-out-send]").addEventListener("click", async () => {
    status.textContent = "Sending…";
    await flush();
    await navigator.locks?.request("outbox-flush", () => {});  // also waits for a flush already under way
    if ((await waiting()).interviews.length) {
      // The recorder's upload, loaded only when an interview waits; a tab already sending it is waited for.
      await (await import("./interview-upload.js")).sendInterviews().catch(() => {});
      await navigator.locks?.request("interview-upload", () => {});
    }
    const left = await leftOver();
    if (!left) return leave();
    status.textContent = `Still not sent: ${left}. Export a copy, or keep them for you on this phone.`;
  });
  dialog.querySelector("[data-sign-out-export]").addEventListener("click", async () => {
    await exportUnsent();
    if (navigator.onLine) return leave();
    status.textContent = "A copy is downloaded. Sign out again when this phone has a connection.";
  });
  dialog.querySelector("[data-sign-out-keep]").addEventListener("click", leave);
  dialog.querySelector("[data-sign-out-cancel]").addEventListener("click", () => dialog.close());
}
