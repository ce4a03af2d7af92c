// batches.js: send one batch of mutations to POST /api/sync/push (flush.js).
// When the server refuses a batch as a whole (a 4xx or a 500 for the batch, not answers per item),
// one bad item may be sinking the good ones: a single note once made every push answer 500, and the
// phone resent that batch forever (issue 9 item 8). So a refused batch is split in halves, each
// sent on its own, until the item the server refuses is alone; the others get their answers as
// usual. An item refused alone TRIES times (across syncs, with back-off, in case a 500 was passing)
// is parked in `attention` with the server's reason: kept and shown, never sent again on its own.
import { request, tx } from "./db.js";
import { post } from "./net.js";

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
