// export.js: data-js="export" on the capture screen (and sign-out.js): download the notes not yet
// sent, with their photos and audio as base64, and the interviews recorded here and not yet sent with
// theirs, as a JSON file (a copy in hand before clearing a browser). Only the signed-in account's notes,
// and those saved before notes had an account (legacy.js); never another account's. Photos leave without
// their location (strip-location.js).
import { all, unsentInterviews } from "./db.js";
import { recordingBlob } from "./interview-store.js";
import { currentAccount, isLegacy, isMine } from "./outbox.js";

const ours = (row) => isMine(row) || isLegacy(row);

export function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

// A photo is exported only once its location is removed; a type that cannot be cleaned is left out.
async function mediaEntry({ blob, ...meta }) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (meta.slot !== "photo") return { ...meta, base64: base64(bytes) };
  let clean = null;
  try {
    // Loaded on the first export, not with the screen (precached all the same: fieldnotes/pwa.py).
    const { stripLocation } = await import("./strip-location.js");
    clean = stripLocation(bytes);
  } catch {
    clean = null;  // damaged metadata: not exported rather than exported with a location
  }
  if (!clean) {
    return { ...meta, base64: null, left_out: "The location data could not be removed from this type of photo, "
      + "so it is not in this file. It is still on this phone." };
  }
  // sha256 and size stay the phone's original's (what the note declares); these bytes differ.
  return { ...meta, base64: base64(clean), location_removed: true };
}

// The interviews not yet sent, with their audio as base64, each as recorded (a WebM that plays, and that the
// visit page's "Add a recording" takes as the same upload: its SHA-256 is the row's).
// An interview can be two hours of audio (about 60 MB): its base64 goes into the file in pieces (each a whole
// number of 3-byte groups, so the pieces join into one base64 text), never as one string the phone must hold.
async function audioPieces(row) {
  const bytes = new Uint8Array(await (await recordingBlob(row)).arrayBuffer());
  const pieces = [];
  for (let i = 0; i < bytes.length; i += 3 * 0x4000) pieces.push(base64(bytes.subarray(i, i + 3 * 0x4000)));
  return pieces;
}

// The file's JSON, each interview's audio put in where its placeholder (a random token: no note can hold it) is.
export async function withInterviews(file, interviews) {
  const token = crypto.randomUUID();
  file.interviews = interviews.map((row, i) => ({ ...row, base64: `${token}:${i}` }));
  let rest = JSON.stringify(file, null, 2);
  const parts = [];
  for (const [i, row] of interviews.entries()) {
    const [before, after] = rest.split(`"${token}:${i}"`);
    parts.push(before, '"', ...(await audioPieces(row)), '"');
    rest = after;
  }
  return [...parts, rest];
}

export async function exportUnsent() {
  const [outbox, records, blobs, attention, interviews] = await Promise.all(
    [all("outbox"), all("records"), all("blobs"), all("attention"), unsentInterviews(currentAccount())])
    .then((lists) => [lists[0].filter(ours), lists[1], lists[2].filter(ours), lists[3].filter(ours), lists[4]]);
  const ids = new Set([...outbox, ...attention].map((m) => m.entity_id).concat(blobs.map((b) => b.note_id)));
  const file = {
    exported_at: new Date().toISOString(),
    notes: records.filter((r) => ids.has(r.id)),
    mutations: outbox.map(({ n, ...m }) => m),
    needs_attention: attention,
    media: await Promise.all(blobs.map(mediaEntry)),
  };
  // Interviews' audio goes in without one string of it all (withInterviews).
  const parts = interviews.length ? await withInterviews(file, interviews)
    : [JSON.stringify({ ...file, interviews }, null, 2)];
  const url = URL.createObjectURL(new Blob(parts, { type: "application/json" }));
  const link = Object.assign(document.createElement("a"), {
    href: url, download: `fieldnotes-unsent-${file.exported_at.slice(0, 19).replace(/:/g, "-")}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export default function exportButton(button) {
  button.addEventListener("click", exportUnsent);
}
