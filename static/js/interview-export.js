// interview-export.js: the interviews not yet sent, in the export of what is not sent (export.js), with their
// audio as base64, each as recorded (a WebM that plays, and that the visit page's "Add a recording" takes as the
// same upload: its SHA-256 is the row's). Loaded by export.js only when an interview waits.
import { base64 } from "./export.js";
import { recordingBlob } from "./interview-store.js";

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
