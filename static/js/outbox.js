// outbox.js: save, edit and delete a note on this phone (capture-form.js, notes-list.js).
// The record and its mutation are written in ONE transaction; the promise resolves only
// when it is complete. A mutation already sent is frozen: a later edit is a new mutation.
// Every mutation and photo names the account that made it (useAccount, below): only that account sends it.
import { request, tx } from "./db.js";
import { emit } from "./status.js";

// Whose outbox this is (issue 9: shared phones). The capture page names the signed-in
// account (app.js, from data-account); the Background Sync worker takes the last account a page
// named (sw-sync.js). Mutations, photos and attention items carry their account, and only the
// signed-in account's are ever sent, shown or exported as its own.
let current = null;

export function useAccount(id) {
  current = id == null || id === "" ? null : Number(id);
}

export function currentAccount() {
  return current;
}

// A row this account made. Rows with no account were saved before the phone knew accounts (legacy.js).
export function isMine(row) {
  return current != null && row.account === current;
}

export function isLegacy(row) {
  return row.account == null;
}

export const FIELDS = ["study_id", "kind", "text", "expected", "touchpoint_id", "role_id",
  "participant_id", "visit_id", "tags", "captured_at", "media", "no_person"];
const STORES = ["records", "outbox", "blobs", "attention"];

// What the server is sent for a note: exactly the contract's fields.
export function pushData(note) {
  const data = Object.fromEntries(FIELDS.map((f) => [f, note[f] ?? null]));
  data.tags = note.tags || [];
  data.no_person = Boolean(note.no_person);  // a yes/no: never null
  data.media = (note.media || []).map(({ id, slot, sha256, size, mime }) => ({ id, slot, sha256, size, mime }));
  return data;
}

// A note as the server sent it (pull, conflict answers), as this phone keeps it.
export function recordFrom(change) {
  const data = Object.fromEntries(FIELDS.map((f) => [f, change.data[f] ?? null]));
  return { ...data, tags: data.tags || [], media: data.media || [], id: change.id,
    version: change.version, author: change.data.author, synced_at: change.data.synced_at };
}

function mutation(entityId, op, data, baseVersion, basePending) {
  return {
    mutation_id: crypto.randomUUID(), entity: "observation", entity_id: entityId, op,
    base_version: baseVersion, base_pending: basePending, data, sent: false,
    client_time: new Date().toISOString(), account: signedIn(),
  };
}

// Saving needs to know whose note it is: a note with no account would be sent by nobody.
function signedIn() {
  const account = currentAccount();
  if (account == null) throw new Error("no account is signed in on this screen");
  return account;
}

async function pendingFor(outbox, id) {
  const rows = await request(outbox.index("entity").getAll(id));
  return rows.sort((a, b) => a.n - b.n);
}

// Queue `op` for a note: fold into the last unsent mutation if there is one (of this account), else
// append. resolve.js calls it too, inside its own transaction.
export async function enqueue(outbox, record, op, data) {
  const pending = await pendingFor(outbox, record.id);
  const last = pending.at(-1);
  if (last && !last.sent && isMine(last)) {
    last.data = data;
    last.client_time = new Date().toISOString();
    if (op === "delete") last.op = "delete";
    return request(outbox.put(last));
  }
  const kind = op === "delete" ? "delete" : (record.version == null && !pending.length ? "create" : "update");
  const base = pending.length ? null : (record.version ?? null);
  return request(outbox.add(mutation(record.id, kind, data, base, pending.length > 0)));
}

// fields: the form's values (with id when editing); media: [{id, slot, sha256, size, mime, blob}].
// resolves: the attention item this save answers (an edit of a conflict or a refused note).
export async function saveNote(fields, media = [], { resolves = null } = {}) {
  const id = fields.id || crypto.randomUUID();
  const account = signedIn();
  if (blobsAsBytes) media = await asBytes(media);
  try {
    await store(id, account, fields, media, resolves);
  } catch (error) {
    // An aborted transaction wrote nothing, so trying again with the bytes cannot double the note.
    if (blobsAsBytes || !media.length) throw error;
    blobsAsBytes = true;
    await store(id, account, fields, await asBytes(media), resolves);
  }
  emit("changed", { id });
  return id;
}

// WebKit cannot always keep a Blob in IndexedDB (private browsing; WebKitGTK under automation): the
// transaction aborts. The same bytes as an ArrayBuffer it keeps; db.js all() makes them a Blob again.
let blobsAsBytes = false;
const asBytes = (media) => Promise.all(media.map(async (m) =>
  (m.blob instanceof Blob ? { ...m, blob: await m.blob.arrayBuffer() } : m)));

function store(id, account, fields, media, resolves) {
  return tx(STORES, "readwrite", async ({ records, outbox, blobs, attention }) => {
    const existing = await request(records.get(id));
    const kept = (existing?.media || []).filter((m) => !media.some((n) => n.slot === m.slot));
    const note = {
      ...existing, ...fields, id,
      captured_at: existing?.captured_at || fields.captured_at || new Date().toISOString(),
      media: [...kept, ...media.map(({ blob, ...meta }) => meta)],
      version: existing?.version ?? null, local_at: new Date().toISOString(),
    };
    for (const m of media) blobs.put({ ...m, note_id: id, account });
    records.put(note);
    if (resolves) attention.delete(resolves);
    await enqueue(outbox, note, "save", pushData(note));
  });
}

export async function deleteNote(id) {
  await tx(STORES, "readwrite", async ({ records, outbox, blobs, attention }) => {
    const record = await request(records.get(id));
    if (!record) return;
    const pending = await pendingFor(outbox, id);
    if (pending.length && pending.every((m) => !m.sent) && pending[0].op === "create") {
      // It never left the phone: forget it entirely.
      for (const m of pending) outbox.delete(m.n);
      for (const key of await request(blobs.index("note").getAllKeys(id))) blobs.delete(key);
      for (const key of await request(attention.index("entity").getAllKeys(id))) attention.delete(key);
      records.delete(id);
      return;
    }
    record.deleted = true;
    records.put(record);
    await enqueue(outbox, record, "delete", {});
  });
  emit("changed", { id });
}

// This account's notes with something not yet acknowledged: {count, ids, rows}.
export async function unsent() {
  const rows = (await tx(["outbox"], "readonly", ({ outbox }) => request(outbox.getAll()))).filter(isMine);
  const ids = new Set(rows.map((m) => m.entity_id));
  return { count: ids.size, ids, rows };
}
