// media.js: upload photos and audio after their note (flush.js), resumably: POST /api/media,
// then PATCH 1 MB chunks from the server's offset (HEAD asks it after a mismatch). The blob
// is freed only when the server says the file is verified. Each chunk sent is told as "progress"
// (the badge shows "1 photo 40%"); only the signed-in account's files are sent, and a file the
// server refused waits in attention until someone asks to send it again (resolve.js).
import { all, request, tx } from "./db.js";
import { isMine } from "./outbox.js";
import { emit } from "./status.js";
import { post, send, TryLater } from "./net.js";

const CHUNK = 1024 * 1024;

async function serverOffset(id) {
  const response = await send(`/api/media/${id}`, { method: "HEAD" });
  if (!response.ok) throw new TryLater(`HEAD answered ${response.status}`);
  return Number(response.headers.get("Upload-Offset") || 0);
}

async function sendChunk(item, offset) {
  let response;
  try {
    response = await fetch(`/api/media/${item.id}`, {
      method: "PATCH", credentials: "same-origin", body: item.blob.slice(offset, offset + CHUNK),
      headers: { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
      signal: AbortSignal.timeout(60000),
    });
  } catch (error) {
    throw new TryLater(`upload cut off: ${error.message}`);
  }
  if (response.status === 409) return serverOffset(item.id);
  if (response.status >= 500 || response.status === 429 || response.status === 401) {
    throw new TryLater(`upload answered ${response.status}`);
  }
  if (!response.ok) return { refused: await response.json().catch(() => ({})) };
  return Number(response.headers.get("Upload-Offset") || offset + CHUNK);
}

function progress(item, sent) {
  emit("progress", { id: item.id, note_id: item.note_id, slot: item.slot, sent: Math.min(sent, item.size),
    size: item.size });
}

async function finish(item, outcome) {
  await tx(["blobs", "attention"], "readwrite", async ({ blobs, attention }) => {
    if (outcome === "verified") blobs.delete(item.id);
    else attention.put({ mutation_id: `media-${item.id}`, entity_id: item.note_id, status: "rejected",
      op: "media", errors: { [item.slot]: [outcome.description || "The server refused this file."] },
      account: item.account, media_id: item.id, at: new Date().toISOString() });
  });
  emit("changed", { id: item.note_id });
}

async function upload(item) {
  const meta = { id: item.id, observation_id: item.note_id, slot: item.slot, sha256: item.sha256,
    size: item.size, mime: item.mime };
  const created = await post("/api/media", meta);
  const body = await created.json().catch(() => ({}));
  if (!created.ok) return finish(item, body);
  let offset = Number(body.offset || 0);
  progress(item, body.status === "verified" ? item.size : offset);
  while (body.status !== "verified" && offset < item.size) {
    const next = await sendChunk(item, offset);
    if (next.refused) return finish(item, next.refused);
    offset = next;
    progress(item, offset);
  }
  const check = await send(`/api/media/${item.id}`, { headers: { Accept: "application/json" } });
  const status = check.ok ? (await check.json()).status : null;
  if (status === "verified") return finish(item, "verified");
  throw new TryLater(`media ${item.id} not verified yet (${status})`);
}

// Upload every held blob of this account whose note the server already has.
export async function uploadMedia() {
  for (const item of (await all("blobs")).filter(isMine)) {
    const note = await tx(["records", "attention"], "readonly", async ({ records, attention }) => ({
      record: await request(records.get(item.note_id)),
      refused: await request(attention.count(`media-${item.id}`)),
    }));
    if (!note.record || note.record.version == null) continue;  // the note must arrive first
    if (note.refused) continue;  // refused: sent again only when the person asks (resolve.js)
    await upload(item);
  }
}
