// flush.js: send the outbox to POST /api/sync/push (app.js, sync-badge.js, after every save).
// One flusher at a time, across tabs, under the Web Lock "outbox-flush". A mutation leaves
// the outbox only on a final answer (applied, duplicate; conflict and rejected go to
// attention); a network error, timeout, 5xx or 429 keeps it and retries with back-off.
// Applied and duplicate ones are kept in `acked` for a while; "reset" means the server lost
// what the mutation is based on: it stays, and the phone resets (pull.js).
// Only the signed-in account's mutations are sent (outbox.js); a batch the server refuses
// whole is split until the item it refuses is alone (sendBatch).
import { deviceId, getMeta, request, setMeta, tx } from "./db.js";
import { emit, setState } from "./status.js";
import { uploadMedia } from "./media.js";
import { acknowledged, heldForReset, pull } from "./pull.js";
import { AuthNeeded, backoff, post, Refused, TryLater } from "./net.js";
import { currentAccount, isMine, recordFrom } from "./outbox.js";

// sendBatch: send one batch of mutations to POST /api/sync/push.
// When the server refuses a batch as a whole (a 4xx or a 500 for the batch, not answers per item),
// one bad item may be sinking the good ones: a single note once made every push answer 500, and the
// phone resent that batch forever (issue 9 item 8). So a refused batch is split in halves, each
// sent on its own, until the item the server refuses is alone; the others get their answers as
// usual. An item refused alone TRIES times (across syncs, with back-off, in case a 500 was passing)
// is parked in `attention` with the server's reason: kept and shown, never sent again on its own.
export const TRIES = 3;
// The session is another account's than the one that made these notes: nothing may be sent.
export class OtherAccount extends Error {}

function wire({ mutation_id, entity, entity_id, op, base_version, data, client_time }) {
  return { mutation_id, entity, entity_id, op, base_version, data, client_time };
}

async function refusalOf(response) {
  const body = await response.json().catch(() => ({}));
  return { status: response.status, reason: body.reason, description: body.description || body.message || "" };
}

// One more refusal of `m` sent alone; at TRIES it moves from the outbox to attention (true).
function refusedAlone(m, { status, description }) {
  const why = `The server answered ${status} each time this was sent on its own${description ? `: ${description}` : "."}`;
  return tx(["outbox", "attention"], "readwrite", async ({ outbox, attention }) => {
    const row = await request(outbox.index("mutation").get(m.mutation_id));
    if (!row) return false;
    const refusals = (row.refusals || 0) + 1;
    if (refusals < TRIES) {
      outbox.put({ ...row, refusals });
      return false;
    }
    outbox.delete(row.n);
    attention.put({ mutation_id: m.mutation_id, entity_id: m.entity_id, status: "rejected", op: m.op,
      errors: { note: [why] }, server: null, data: m.data, account: m.account, at: new Date().toISOString() });
    return true;
  });
}

// Send `batch` with `envelope` ({device_id, account}); `answered(part, body)` takes each part the
// server answered. Resolves with the refusals of items refused alone
// ([{mutation_id, status, description, parked}]; parked: moved to attention).
export async function sendBatch(batch, envelope, answered) {
  const response = await post("/api/sync/push", { ...envelope, mutations: batch.map(wire) }, "POST",
    { answerErrors: true });
  if (response.ok) {
    await answered(batch, await response.json());
    return [];
  }
  const refusal = await refusalOf(response);
  if (response.status === 409 && refusal.reason === "other_account") throw new OtherAccount(refusal.description);
  if (batch.length === 1) {
    const parked = await refusedAlone(batch[0], refusal);
    return [{ mutation_id: batch[0].mutation_id, ...refusal, parked }];
  }
  const half = Math.ceil(batch.length / 2);
  const first = await sendBatch(batch.slice(0, half), envelope, answered);
  return [...first, ...(await sendBatch(batch.slice(half), envelope, answered))];
}

const BATCH = 200;  // the server's limit
let studyId = null;
const retry = backoff();  // made at import: its "online" reset runs before app.js's flush on "online"
let timer = null;
let queued = false;

export function configure(id) { studyId = id; }

// The next batch: this account's oldest mutation of each note (a note's later edits wait for its
// ack), leaving out those refused in this sync (`held`); one refused before goes alone.
async function takeBatch(held) {
  return tx(["outbox", "records"], "readwrite", async ({ outbox, records }) => {
    const seen = new Set();
    const batch = [];
    for (const m of (await request(outbox.getAll())).sort((a, b) => a.n - b.n)) {
      if (!isMine(m) || seen.has(m.entity_id)) continue;
      seen.add(m.entity_id);
      if (held.has(m.mutation_id) || batch.length >= BATCH || (m.refusals && batch.length)) continue;
      if (m.base_pending) {  // the mutations before it are acknowledged now: base it on their version
        m.base_version = (await request(records.get(m.entity_id)))?.version ?? null;
        m.base_pending = false;
      }
      m.sent = true;  // frozen from here on
      outbox.put(m);
      batch.push(m);
      if (m.refusals) break;
    }
    return batch;
  });
}

// True when an answer asked this phone to reset before it sends more.
async function applyResults(batch, results) {
  const byId = new Map(batch.map((m) => [m.mutation_id, m]));
  const stores = ["outbox", "records", "attention", "acked", "meta"];
  return tx(stores, "readwrite", async ({ outbox, records, attention, acked, meta }) => {
    let resetFirst = false;
    for (const result of results) {
      const m = byId.get(result.mutation_id);
      if (!m) continue;
      if (result.status === "reset") {
        resetFirst = heldForReset({ outbox, meta }, m) || resetFirst;
        continue;
      }
      outbox.delete(m.n);
      const record = await request(records.get(m.entity_id));
      if (result.status === "applied" || result.status === "duplicate") {
        await acknowledged({ acked, meta }, m, result, record);
        if (m.op === "delete") records.delete(m.entity_id);
        else if (record) records.put({ ...record, version: result.version ?? record.version });
        continue;
      }
      // conflict or rejected: never dropped, shown on the note with the server's reason.
      attention.put({
        mutation_id: m.mutation_id, entity_id: m.entity_id, status: result.status, op: m.op,
        errors: result.errors || null, server: result.server || null, data: m.data,
        account: m.account, at: new Date().toISOString(),
      });
      // The server's version is what stands now (pull would bring it too); ours is in attention.
      const later = await request(outbox.index("entity").count(m.entity_id));
      if (result.status === "conflict" && result.server && later === 0) {
        if (result.server.deleted) records.delete(m.entity_id);
        else records.put(recordFrom(result.server));
      }
    }
    return resetFirst;
  });
}

// held: mutation id -> the server's refusal, for items refused alone in this sync.
async function pushAll(held) {
  const account = currentAccount();
  const envelope = { device_id: await deviceId(account), account };
  for (;;) {
    const batch = await takeBatch(held);
    if (!batch.length) return;
    let resetFirst = false;
    const refused = await sendBatch(batch, envelope, async (part, body) => {
      await noteEpoch(body.epoch);
      resetFirst = (await applyResults(part, body.results || [])) || resetFirst;
      emit("changed", {});
    });
    for (const refusal of refused) held.set(refusal.mutation_id, refusal);
    if (resetFirst) return;  // pull.js resets this phone; the held mutations go after that
  }
}

// A new epoch means the server was restored from a backup: pull.js resets this phone.
async function noteEpoch(epoch) {
  const known = await getMeta("epoch");
  if (!epoch || epoch === known) return;
  await setMeta("epoch", epoch);
  if (known) await setMeta("epoch_changed", true);
}

const OTHER_ACCOUNT = "Another account is signed in now: open this screen again to capture as them.";

async function run() {
  if (currentAccount() == null) return;  // signed out (the worker after a sign-out): nobody's to send
  // A capture screen opened since for another account (or a sign-out) names who may send now: this
  // tab or worker, left with an older account, sends nothing (and the server would refuse it).
  if ((await getMeta("account")) !== currentAccount()) return setState({ otherAccount: OTHER_ACCOUNT });
  if (!navigator.onLine) {
    // Certainly unsent: don't mark anything sent (frozen) for a request that cannot leave.
    setState({ online: false });
    return retryLater();
  }
  setState({ flushing: true, online: true });
  const held = new Map();
  try {
    await pushAll(held);
    await uploadMedia();
    if (studyId) await pull(studyId);
    await pushAll(held);  // a reset re-queues what the server acknowledged
    const refusal = [...held.values()].find((r) => !r.parked);  // tried again after a back-off
    if (refusal) throw new Refused(`The server refused to take notes (${refusal.status}). ${refusal.description}`.trim());
    retry.reset();
    setState({ unreachable: false, signInNeeded: false, refused: null, lastError: null, otherAccount: null });
  } catch (error) {
    if (error instanceof AuthNeeded) {
      setState({ signInNeeded: true });  // paused: keep everything, ask for a sign-in
    } else if (error instanceof OtherAccount) {
      // Paused until this screen is opened again by whoever is signed in now: nothing is retried.
      setState({ otherAccount: OTHER_ACCOUNT });
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
  timer = setTimeout(() => flush(), retry.next());
}

// Flush now, or right after the flush that is running (in this tab or another) ends.
export async function flush() {
  if (queued) return;
  queued = true;
  clearTimeout(timer);
  const go = async () => { queued = false; await run(); };
  if (navigator.locks) return navigator.locks.request("outbox-flush", go);
  // No Web Locks (older WebKit): at least one flush at a time in this tab; the server's
  // mutation ids keep a second tab's flush from doubling anything (capabilities.js says so).
  running = running.then(go, go);
  return running;
}
let running = Promise.resolve();
