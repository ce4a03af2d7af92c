// pull.js: bring other devices' changes into this phone (called by flush.js after each push),
// and reset the phone when the server went back in time (restored from a backup).
// Each page and its new cursor are stored in the SAME transaction, so an aborted pull never
// skips a change. A pulled note with unsent local edits keeps the local edit.
// `seen:<study>` is the latest change of the study this phone heard of (a pull or a push
// answer), sent with every pull: a server that lacks it was restored by hand and says reset.
// A reset (a pull answered reset, a push answer naming a new epoch, a push item answered
// "reset"): every cursor goes, and what the server acknowledged within the retention window
// goes back into the outbox, in its first order, so the server gets again what it lost.
import { getMeta, request, setMeta, tx } from "./db.js";
import { emit } from "./status.js";
import { send, TryLater } from "./net.js";
import { recordFrom } from "./outbox.js";

const PAGE = 200;
const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 30;  // until the study context names the server's setting

async function fetchPage(studyId, cursor, seen) {
  const last = seen ? `&seen=${encodeURIComponent(`${seen.id}:${seen.seq}`)}` : "";
  const url = `/api/sync/pull?study_id=${studyId}&cursor=${encodeURIComponent(cursor || "")}&limit=${PAGE}${last}`;
  const response = await send(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new TryLater(`pull answered ${response.status}`);
  return response.json();
}

// Keep the later of what this phone knew and (id, seq); inside the caller's transaction.
async function raiseSeen(meta, studyId, id, seq) {
  const key = `seen:${studyId}`;
  const known = await request(meta.get(key));
  if (!known || known.value.seq < seq) meta.put({ key, value: { id, seq } });
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
    const last = page.changes.at(-1);
    if (last) await raiseSeen(meta, studyId, last.id, last.seq);
  });
}

// flush.js, inside its transaction: a mutation the server answered applied or duplicate is
// kept in `acked` (sent again after a reset) and its change number raises `seen`.
export async function acknowledged({ acked, meta }, m, result, record) {
  const { resent_after_reset: _, ...mutation } = m;
  acked.put({ ...mutation, acked_at: new Date().toISOString() });
  const studyId = m.data?.study_id ?? record?.study_id;
  if (result.seq != null && studyId != null) await raiseSeen(meta, studyId, m.entity_id, result.seq);
}

// flush.js, inside its transaction: the server answered "reset", it lacks the version this
// mutation is based on. It stays in the outbox. The first time the phone resets, which sends
// again what rebuilds that version; if the server still lacks it after a reset, it goes with
// no base (an edit then recreates the note or meets it as a conflict). True: reset first.
export function heldForReset({ outbox, meta }, m) {
  if (m.resent_after_reset) {
    outbox.put({ ...m, base_version: m.op === "delete" ? null : 0 });
    return false;
  }
  outbox.put(m);
  meta.put({ key: "reset_needed", value: true });
  return true;
}

function resetPhone() {
  return tx(["outbox", "acked", "meta"], "readwrite", async ({ outbox, acked, meta }) => {
    for (const m of await request(outbox.getAll())) outbox.put({ ...m, resent_after_reset: true });
    for (const { acked_at: _, ...m } of await request(acked.getAll())) {
      acked.delete(m.mutation_id);
      if (await request(outbox.index("mutation").count(m.mutation_id))) continue;
      // Its own n, below every later mutation: a note's mutations go again in their first order.
      outbox.put({ ...m, sent: true, base_pending: false, resent_after_reset: true });
    }
    for (const key of await request(meta.getAllKeys())) {
      if (key.startsWith("cursor:") || key.startsWith("seen:")) meta.delete(key);
    }
    meta.put({ key: "epoch_changed", value: false });
    meta.delete("reset_needed");
    meta.delete("epoch");  // the next push answer names the epoch this phone follows now
  });
}

// Acknowledged mutations older than the retention window are forgotten.
async function pruneAcked(studyId) {
  const days = (await getMeta(`context:${studyId}`))?.ack_retention_days ?? RETENTION_DAYS;
  const before = new Date(Date.now() - days * DAY_MS).toISOString();
  await tx(["acked"], "readwrite", async ({ acked }) => {
    for (const key of await request(acked.index("at").getAllKeys(IDBKeyRange.upperBound(before, true)))) {
      acked.delete(key);
    }
  });
}

export async function pull(studyId) {
  if (await getMeta("epoch_changed") || await getMeta("reset_needed")) await resetPhone();
  for (let pages = 0; pages < 1000; pages++) {
    const cursor = await getMeta(`cursor:${studyId}`, "");
    const page = await fetchPage(studyId, cursor, await getMeta(`seen:${studyId}`));
    if (page.reset) {
      await resetPhone();
      continue;
    }
    await applyPage(studyId, page);
    if (page.changes.length) emit("changed", {});
    if (!page.has_more) return pruneAcked(studyId);
  }
  await setMeta("pull_stopped", new Date().toISOString());
}
