// interview-upload.js: send the interviews kept on this phone with the visit page's resumable upload
// (fieldnotes/transcripts/uploads.py). Each attempt declares the file first (its SHA-256, size and type): the
// same file on the same visit is the same upload, so the answer says the offset the server holds (0 for a new
// one, further on after a cut connection, "verified" when an earlier answer was lost). Then 256 KB chunks from
// that offset; a chunk the server already holds is answered 409 with its offset, so nothing is written twice.
// A network error stops the attempt (the next one goes on from the server's offset). One tab sends at a
// time (Web Locks). The phone frees its copy only when the server has checked the whole file's SHA-256.
import { allInterviews, markSent, putInterview, recordingBlob } from "./interview-store.js";
import { post, problemOf, Refused, send, TryLater } from "./net.js";
import { currentAccount } from "./outbox.js";

// Small enough to go through in the 30 s net.js allows on a weak signal (256 KB at 70 kbit/s).
const CHUNK = 256 * 1024;

async function declare(row) {
  const response = await post(`/api/studies/${row.study_id}/visits/${row.visit_id}/recordings`,
    { title: row.title, sha256: row.sha256, size: row.size, mime: row.mime, participant_id: row.participant_id });
  if (!response.ok) throw new Refused(await problemOf(response));
  return response.json();
}

function sendChunk(answer, blob, offset) {
  return send(`/api/studies/${answer.study_id}/recordings/${answer.id}`, {
    method: "PATCH", body: blob.slice(offset, offset + CHUNK),
    headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset) } });
}

// progress(row): the row as it goes (its offset), for the screen.
async function upload(row, progress) {
  let answer = await declare(row);
  const blob = answer.upload === "verified" ? null : await recordingBlob(row);
  while (answer.upload !== "verified") {
    const response = await sendChunk({ ...answer, study_id: row.study_id }, blob, answer.offset);
    if (response.status === 409) {  // the server holds another offset: go on from there
      const held = Number(response.headers.get("Upload-Offset") ?? (await response.json()).offset);
      answer = { ...answer, offset: held };
      continue;
    }
    if (!response.ok) throw new Refused(await problemOf(response));
    answer = { ...answer, ...(await response.json()) };
    row = { ...row, offset: answer.offset, problem: null };
    await putInterview(row);
    progress(row);
  }
  await markSent({ ...row, offset: row.size, problem: null, url: answer.url });
}

// "later" when a network error or a busy server stopped it: the caller tries again soon.
async function sendAll(progress) {
  const mine = (await allInterviews()).filter((row) => row.state === "queued" && row.account === currentAccount());
  for (const row of mine) {
    progress({ ...row, sending: true });
    try {
      await upload(row, (now) => progress({ ...now, sending: true }));
    } catch (error) {
      // Refused: the server read it and said no (a deleted visit, a damaged copy): said, kept, tried again later.
      if (error instanceof Refused) await putInterview({ ...row, problem: error.message });
      progress(null);
      if (!(error instanceof Refused)) return error instanceof TryLater ? "later" : null;  // later, all of them
      continue;
    }
    progress(null);
  }
}

// Send every queued interview of the signed-in account; a tab that finds another tab sending leaves it to it.
// Answers "later" when the network or the server stopped it (offline, unreachable, 503).
export function sendInterviews(progress = () => {}) {
  if (!navigator.locks) return sendAll(progress);
  return navigator.locks.request("interview-upload", { ifAvailable: true }, (lock) => lock && sendAll(progress));
}
