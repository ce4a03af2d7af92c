// interview-store.js: interview recordings kept on this phone (interview.js, interview-upload.js), in their own
// IndexedDB database so the notes' store (db.js) keeps its schema. An interview is written as it is recorded:
// each second of audio is a chunk, stored with the interview's running length in one transaction, so a crash
// or a killed tab loses at most the chunk being recorded. The chunks go only once the server has verified the
// whole file; the interview's row stays, "sent", with its SHA-256.
import { emit } from "./status.js";

const NAME = "fieldnotes-interviews";
let opening = null;

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openStore() {
  opening ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(NAME, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore("interviews", { keyPath: "id" });
      r.result.createObjectStore("chunks", { keyPath: ["interview", "n"] });
    };
    r.onsuccess = () => {
      r.result.onversionchange = () => { r.result.close(); opening = null; };
      resolve(r.result);
    };
    r.onerror = () => { opening = null; reject(r.error); };
  });
  return opening;
}

// fn's requests in one transaction; resolves with fn's result once the transaction is durable.
async function tx(mode, fn) {
  const db = await openStore();
  return new Promise((resolve, reject) => {
    const t = db.transaction(["interviews", "chunks"], mode, { durability: "strict" });
    let result;
    Promise.resolve(fn(t.objectStore("interviews"), t.objectStore("chunks"))).then((value) => { result = value; },
      (error) => { reject(error); try { t.abort(); } catch { /* done */ } });
    t.oncomplete = () => resolve(result);
    t.onabort = () => reject(t.error || new Error("transaction aborted"));
  });
}

const chunksOf = (id) => IDBKeyRange.bound([id, 0], [id, Infinity]);

export function allInterviews() {
  return tx("readonly", (interviews) => request(interviews.getAll()));
}

export function getInterview(id) {
  return tx("readonly", (interviews) => request(interviews.get(id)));
}

// Each change of an interview's state (recording, queued, uploading, refused, sent, forgotten) is told to every
// tab (status.js), so the badge, the header's count and the sign-out warning count it; a chunk is not.
const told = (done) => done.then((value) => { emit("changed", {}); return value; });

export function putInterview(row) {
  return told(tx("readwrite", (interviews) => request(interviews.put(row))));
}

// A chunk of audio (bytes, not a Blob: Safari cannot keep Blobs in IndexedDB) and the interview's new length.
export function addChunk(row, n, bytes) {
  return tx("readwrite", (interviews, chunks) => {
    chunks.put({ interview: row.id, n, bytes });
    return request(interviews.put(row));
  });
}

// The whole recording as one Blob, its chunks in order.
export async function recordingBlob(row) {
  const parts = await tx("readonly", (_, chunks) => request(chunks.getAll(chunksOf(row.id))));
  return new Blob(parts.map((part) => part.bytes), { type: row.mime });
}

// The server holds the whole file, verified: free the audio, keep the row (what was sent, and where).
export function markSent(row) {
  return told(tx("readwrite", (interviews, chunks) => {
    chunks.delete(chunksOf(row.id));
    return request(interviews.put({ ...row, state: "sent" }));
  }));
}

export function forget(id) {
  return told(tx("readwrite", (interviews, chunks) => {
    chunks.delete(chunksOf(id));
    return request(interviews.delete(id));
  }));
}
