// legacy.js: data-js="legacy" on the capture screen. Notes saved before this phone tied its outbox to
// an account (IndexedDB schema 1) name nobody, and on a shared phone anyone may have made them. So
// they are never sent on their own: each person who signs in is asked once whether they made them.
// "Mine" makes them this account's (sent now, as theirs); "Not mine" leaves them for whoever says
// they are theirs, and for "Export what is not sent" meanwhile. Sending them as whoever signs in
// first would be exactly the bug of issue 9 item 4.
import { all, getMeta, request, setMeta, tx } from "./db.js";
import { flush } from "./flush.js";
import { currentAccount, isLegacy } from "./outbox.js";
import { emit, on } from "./status.js";

const DECLINED = "legacy_declined";  // accounts that said "not mine"

async function legacyNotes() {
  const [outbox, blobs, attention, records] = await Promise.all(
    [all("outbox"), all("blobs"), all("attention"), all("records")]);
  const ids = new Set([...outbox, ...attention].filter(isLegacy).map((r) => r.entity_id)
    .concat(blobs.filter(isLegacy).map((b) => b.note_id)));
  return [...ids].map((id) => records.find((r) => r.id === id) || { id, text: "" });
}

export async function claimLegacy(account = currentAccount()) {
  await tx(["outbox", "blobs", "attention"], "readwrite", async (stores) => {
    for (const store of Object.values(stores)) {
      for (const row of await request(store.getAll())) if (isLegacy(row)) store.put({ ...row, account });
    }
  });
  emit("changed", {});
}

export default async function legacy(box) {
  const text = box.querySelector("[data-legacy-text]");
  const sample = box.querySelector("[data-legacy-sample]");

  async function render() {
    const notes = await legacyNotes();
    const declined = await getMeta(DECLINED, []);
    box.hidden = !notes.length || declined.includes(currentAccount());
    if (box.hidden) return;
    const count = notes.length === 1 ? "1 note was" : `${notes.length} notes were`;
    text.textContent = `${count} saved on this phone before its notes belonged to an account, so it is not `
      + `known who made them. They are sent only once someone says they made them. Did you, ${box.dataset.name}?`;
    // The person needs to recognise them; this screen showed them to whoever used it before.
    sample.replaceChildren(...notes.slice(0, 3).map((n) => Object.assign(document.createElement("li"),
      { textContent: (n.text || "(photo or recording)").slice(0, 80) })));
  }

  box.querySelector("[data-legacy-mine]").addEventListener("click", async () => {
    await claimLegacy();
    box.hidden = true;
    flush();
  });
  box.querySelector("[data-legacy-not-mine]").addEventListener("click", async () => {
    await setMeta(DECLINED, [...(await getMeta(DECLINED, [])), currentAccount()]);
    box.hidden = true;
    document.querySelector("[data-badge-open]")?.focus();
  });
  on("changed", render);
  render();
}
