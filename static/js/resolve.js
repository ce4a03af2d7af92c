// resolve.js: answer an item in `attention` from the phone (the badge's panel, sync-badge.js). A conflict: keep mine
// (a new update of my version, based on the server's), keep theirs (the server's stands), or edit
// (capture-form.js saves with `resolves`). A refusal: send again, or discard. Each is one transaction:
// the item leaves attention only together with what replaces it.
import { request, tx } from "./db.js";
import { emit } from "./status.js";
import { enqueue, FIELDS, pushData, recordFrom } from "./outbox.js";

const STORES = ["attention", "records", "outbox", "blobs"];

function change(fn) {
  return async (item) => {
    await tx(STORES, "readwrite", async (stores) => {
      stores.attention.delete(item.mutation_id);
      await fn(stores, item);
    });
    emit("changed", { id: item.entity_id });
  };
}

const mineOf = (item) => Object.fromEntries(FIELDS.filter((f) => f in item.data).map((f) => [f, item.data[f]]));

// The server deleted the note: mine comes back as a new note, with the photos still on this phone.
async function asNewNote({ records, outbox, blobs }, item) {
  const id = crypto.randomUUID();
  const media = [];
  for (const m of item.data.media || []) {
    const held = await request(blobs.get(m.id));
    if (!held) continue;  // already on the server, with the deleted note's revision
    const copy = { ...held, id: crypto.randomUUID(), note_id: id };
    blobs.delete(m.id);
    blobs.put(copy);
    media.push({ id: copy.id, slot: m.slot, sha256: m.sha256, size: m.size, mime: m.mime });
  }
  const note = { ...mineOf(item), media, id, version: null, local_at: new Date().toISOString() };
  records.put(note);
  await enqueue(outbox, note, "save", pushData(note));
}

export const keepMine = change(async (stores, item) => {
  const server = item.server;
  if (!server || server.deleted) return item.op === "delete" ? undefined : asNewNote(stores, item);
  const theirs = recordFrom(server);
  if (item.op === "delete") {
    stores.records.put({ ...theirs, deleted: true });
    return enqueue(stores.outbox, theirs, "delete", {});
  }
  // Based on the server's version, so it applies (unless someone changes it again first).
  const note = { ...theirs, ...mineOf(item), id: item.entity_id, version: server.version };
  stores.records.put(note);
  return enqueue(stores.outbox, note, "save", pushData(note));
});

export const keepTheirs = change(async ({ records, outbox }, item) => {
  if (!item.server || await request(outbox.index("entity").count(item.entity_id))) return;
  if (item.server.deleted) records.delete(item.entity_id);
  else records.put(recordFrom(item.server));
});

// A refused note goes again as a new mutation (say the server was mended); a refused file is
// simply tried again by the next sync (media.js skips files waiting here).
export const sendAgain = change(async ({ records, outbox }, item) => {
  if (item.op === "media") return;
  const record = (await request(records.get(item.entity_id))) || { ...mineOf(item), id: item.entity_id, version: null };
  if (item.op === "delete") return enqueue(outbox, record, "delete", {});
  const note = { ...record, ...mineOf(item) };
  records.put(note);
  return enqueue(outbox, note, "save", pushData(note));
});

// Discard a refused file (the note no longer names it) or a refused note that never reached the server.
export const discard = change(async ({ records, outbox, blobs }, item) => {
  const record = await request(records.get(item.entity_id));
  if (item.op === "media") {
    blobs.delete(item.media_id);
    if (!record) return;
    const note = { ...record, media: (record.media || []).filter((m) => m.id !== item.media_id) };
    records.put(note);
    return enqueue(outbox, note, "save", pushData(note));
  }
  if (record && record.version == null && !(await request(outbox.index("entity").count(item.entity_id)))) {
    records.delete(item.entity_id);
    for (const key of await request(blobs.index("note").getAllKeys(item.entity_id))) blobs.delete(key);
  }
});
