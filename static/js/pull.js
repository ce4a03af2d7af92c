// pull.js: bring other devices' changes into this phone (called by flush.js after each push).
// Each page and its new cursor are stored in the SAME transaction, so an aborted pull never
// skips a change. A pulled note with unsent local edits keeps the local edit.
// reset=true (the server was restored): drop the cursor, pull from the start, re-push every note.
import { getMeta, request, setMeta, tx } from "./db.js";
import { emit } from "./status.js";
import { send, TryLater } from "./net.js";
import { pushData, recordFrom } from "./outbox.js";

const PAGE = 200;

async function fetchPage(studyId, cursor) {
  const url = `/api/sync/pull?study_id=${studyId}&cursor=${encodeURIComponent(cursor || "")}&limit=${PAGE}`;
  const response = await send(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new TryLater(`pull answered ${response.status}`);
  return response.json();
}

function applyPage(studyId, page) {
  return tx(["records", "outbox", "meta"], "readwrite", async ({ records, outbox, meta }) => {
    for (const change of page.changes) {
      if (await request(outbox.index("entity").count(change.id))) continue;  // local edit wins here
      if (change.deleted) {
        records.delete(change.id);
        continue;
      }
      records.put(recordFrom(change));
    }
    meta.put({ key: `cursor:${studyId}`, value: page.cursor });
  });
}

// Every note this phone holds for the study goes back into the outbox as a create.
function requeueAll(studyId) {
  return tx(["records", "outbox", "meta"], "readwrite", async ({ records, outbox, meta }) => {
    for (const record of await request(records.index("study").getAll(studyId))) {
      if (record.deleted || await request(outbox.index("entity").count(record.id))) continue;
      outbox.add({
        mutation_id: crypto.randomUUID(), entity: "observation", entity_id: record.id, op: "create",
        base_version: null, base_pending: false, data: pushData(record), sent: false,
        client_time: new Date().toISOString(),
      });
    }
    meta.delete(`cursor:${studyId}`);
    meta.put({ key: "epoch_changed", value: false });
    meta.delete("epoch");  // the cursor is opaque: the next push answer names the new epoch
  });
}

export async function pull(studyId) {
  if (await getMeta("epoch_changed")) await requeueAll(studyId);
  for (let pages = 0; pages < 1000; pages++) {
    const cursor = await getMeta(`cursor:${studyId}`, "");
    const page = await fetchPage(studyId, cursor);
    if (page.reset) {
      await requeueAll(studyId);
      continue;
    }
    await applyPage(studyId, page);
    if (page.changes.length) emit("changed", {});
    if (!page.has_more) return;
  }
  await setMeta("pull_stopped", new Date().toISOString());
}
