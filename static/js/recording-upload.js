// "Add a recording": a file of up to two hours, sent in pieces the server acknowledges one by one.
// The file is declared first (its SHA-256, size and type); the server answers where to start (0 for a
// new file, further on for one cut off before). A dropped connection is retried from the offset the
// server holds; choosing the same file again after a reload goes on where it stopped.
import { problemOf } from "./net.js";

const CHUNK = 4 * 1024 * 1024;
const RETRIES = 8;

const form = document.querySelector("[data-recording-upload]");
const stateLine = form.querySelector("[data-upload-state]");
const bar = form.querySelector("[data-upload-progress]");

function say(text) {
  stateLine.textContent = text;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sendFrom(url, file, offset) {
  let tries = 0;
  while (offset < file.size || offset === 0) {
    const end = Math.min(file.size, offset + CHUNK);
    let response;
    try {
      response = await fetch(url, {
        method: "PATCH", credentials: "same-origin", body: file.slice(offset, end),
        headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset) },
      });
    } catch {
      if (++tries > RETRIES) throw new Error("The connection dropped. Choose the same file again to go on where it stopped.");
      say(`The connection dropped; trying again (${tries} of ${RETRIES})…`);
      await pause(1000 * tries);
      continue;
    }
    if (response.status === 409) {  // the server holds another offset: go on from there
      offset = Number(response.headers.get("Upload-Offset"));
      continue;
    }
    if (!response.ok) throw new Error(await problemOf(response));
    const answer = await response.json();
    tries = 0;
    offset = answer.offset;
    bar.value = Math.floor((offset / file.size) * 100);
    say(`Uploaded ${Math.floor((offset / file.size) * 100)}%.`);
    if (answer.upload === "verified") return answer;
  }
  return null;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = form.elements.file.files[0];
  if (!file) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  bar.hidden = false;
  try {
    say("Checking the file…");
    const sha256 = hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    const participant = form.elements.participant_id.value;
    const response = await fetch(form.dataset.declareUrl, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: form.elements.title.value, sha256, size: file.size,
                             mime: file.type || "application/octet-stream",
                             participant_id: participant ? Number(participant) : null }),
    });
    if (!response.ok) throw new Error(await problemOf(response));
    const declared = await response.json();
    const done = declared.upload === "verified" ? declared
      : await sendFrom(`${form.dataset.chunkUrl}${declared.id}`, file, declared.offset);
    say("Uploaded. It is queued for transcription.");
    window.location.assign((done || declared).url);
  } catch (error) {
    say(error.message);
    button.disabled = false;
  }
});
