// flush.js: send the outbox to POST /api/sync/push (app.js, sync-badge.js, after every save).
// One flusher at a time, across tabs, under the Web Lock "outbox-flush". A mutation leaves
// the outbox only on a final answer (applied, duplicate; conflict and rejected go to
// attention); a network error, timeout, 5xx or 429 keeps it and retries with back-off.
import { deviceId, getMeta, request, setMeta, tx } from "./db.js";
import { emit, setState } from "./status.js";
import { uploadMedia } from "./media.js";
import { pull } from "./pull.js";
import { AuthNeeded, Refused, TryLater, post } from "./net.js";
import { recordFrom } from "./outbox.js";

const BATCH = 200;  // the server's limit
let batchSize = BATCH;  // halved after a 413, so a batch of big notes still gets through
let studyId = null;
let attempt = 0;
let timer = null;
let queued = false;

export function configure(id) { studyId = id; }

// The next batch: the oldest mutation of each note (a note's later edits wait for its ack).
async function takeBatch() {
  return tx(["outbox", "records"], "readwrite", async ({ outbox, records }) => {
    const seen = new Set();
    const batch = [];
    for (const m of (await request(outbox.getAll())).sort((a, b) => a.n - b.n)) {
      if (seen.has(m.entity_id) || batch.length >= batchSize) continue;
      seen.add(m.entity_id);
      if (m.base_pending) {  // the mutations before it are acknowledged now: base it on their version
        m.base_version = (await request(records.get(m.entity_id)))?.version ?? null;
        m.base_pending = false;
      }
      m.sent = true;  // frozen from here on
      outbox.put(m);
      batch.push(m);
    }
    return batch;
  });
}

async function applyResults(batch, results) {
  const byId = new Map(batch.map((m) => [m.mutation_id, m]));
  await tx(["outbox", "records", "attention"], "readwrite", async ({ outbox, records, attention }) => {
    for (const result of results) {
      const m = byId.get(result.mutation_id);
      if (!m) continue;
      outbox.delete(m.n);
      const record = await request(records.get(m.entity_id));
      if (result.status === "applied" || result.status === "duplicate") {
        if (m.op === "delete") records.delete(m.entity_id);
        else if (record) records.put({ ...record, version: result.version ?? record.version });
        continue;
      }
      // conflict or rejected: never dropped, shown on the note with the server's reason.
      attention.put({
        mutation_id: m.mutation_id, entity_id: m.entity_id, status: result.status, op: m.op,
        errors: result.errors || null, server: result.server || null, data: m.data,
        at: new Date().toISOString(),
      });
      // The server's version is what stands now (pull would bring it too); ours is in attention.
      const later = await request(outbox.index("entity").count(m.entity_id));
      if (result.status === "conflict" && result.server && later === 0) {
        if (result.server.deleted) records.delete(m.entity_id);
        else records.put(recordFrom(result.server));
      }
    }
  });
}

async function pushAll() {
  for (;;) {
    const batch = await takeBatch();
    if (!batch.length) return;
    const response = await post("/api/sync/push", { device_id: await deviceId(), mutations: batch.map(wire) });
    if (response.status === 413) batchSize = Math.max(1, Math.floor(batch.length / 2));
    if (response.status === 413) throw new TryLater("batch too large; sending smaller ones");
    if (!response.ok) {
      const reason = (await response.json().catch(() => ({}))).description || "";
      throw new Refused(`The server refused to take notes (${response.status}). ${reason}`.trim());
    }
    const body = await response.json();
    await noteEpoch(body.epoch);
    await applyResults(batch, body.results || []);
    emit("changed", {});
  }
}

// A new epoch means the server was restored from a backup: pull.js re-sends every note held here.
async function noteEpoch(epoch) {
  const known = await getMeta("epoch");
  if (!epoch || epoch === known) return;
  await setMeta("epoch", epoch);
  if (known) await setMeta("epoch_changed", true);
}

function wire({ mutation_id, entity, entity_id, op, base_version, data, client_time }) {
  return { mutation_id, entity, entity_id, op, base_version, data, client_time };
}

async function run() {
  if (!navigator.onLine) {
    // Certainly unsent: don't mark anything sent (frozen) for a request that cannot leave.
    setState({ online: false });
    return retryLater();
  }
  setState({ flushing: true, online: true });
  try {
    await pushAll();
    await uploadMedia();
    if (studyId) await pull(studyId);
    await pushAll();  // a reset re-queues every note held here
    attempt = 0;
    setState({ unreachable: false, signInNeeded: false, refused: null, lastError: null });
  } catch (error) {
    if (error instanceof AuthNeeded) {
      setState({ signInNeeded: true });  // paused: keep everything, ask for a sign-in
    } else {
      setState({ unreachable: error instanceof TryLater, lastError: String(error.message || error),
        refused: error instanceof Refused ? error.message : null });
      retryLater();
    }
  } finally {
    setState({ flushing: false });
    emit("changed", {});
  }
}

function retryLater() {
  clearTimeout(timer);
  const delay = Math.min(60000, 1000 * 2 ** attempt) * (0.5 + Math.random());
  attempt = Math.min(attempt + 1, 6);
  timer = setTimeout(() => flush(), delay);
}

// Flush now, or right after the flush that is running (in this tab or another) ends.
export async function flush() {
  if (queued) return;
  queued = true;
  clearTimeout(timer);
  const go = async () => { queued = false; await run(); };
  if (navigator.locks) return navigator.locks.request("outbox-flush", go);
  return go();
}
