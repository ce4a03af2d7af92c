// interview.js: "Record the interview" on the capture screen (issue 14), loaded on first use (app.js).
// A whole interview, up to two hours, for the visit (and participant) chosen above: recorded with MediaRecorder
// in one-second chunks, each written to this phone (interview-store.js) as it comes, so a crash or a reload loses
// at most the last second or two; an interview cut off that way is kept and sent like any other, and said so.
// A participant who did not consent to audio recordings is not recorded. Sent when online (interview-upload.js).
import { chipValue } from "./chips.js";
import { getMeta } from "./db.js";
import { mayRecord } from "./guide.js";
import { allInterviews, addChunk, forget, putInterview, recordingBlob } from "./interview-store.js";
import { sendInterviews } from "./interview-upload.js";
import { backoff } from "./net.js";
import { currentAccount } from "./outbox.js";
import { recordingType } from "./recorder.js";

const TIMESLICE_MS = 1000;
const RETRY_MS = 30000;
const retry = backoff(RETRY_MS);

export function clock(ms) {
  const s = Math.floor(ms / 1000);
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function limitWords(ms) {
  return ms % 3600000 === 0 ? `${ms / 3600000} hour${ms === 3600000 ? "" : "s"}` : clock(ms);
}

function el(tag, attrs = {}, text = "") {
  const node = Object.assign(document.createElement(tag), attrs);
  if (text) node.textContent = text;
  return node;
}

async function hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The recorder's controls and the list of interviews on this phone, added to the template's section.
function controls(section) {
  const live = el("p", { className: "interview-live warning", hidden: true });
  const dot = el("span", {}, "● ");
  dot.setAttribute("aria-hidden", "true");
  live.append(dot, el("span", {}, "Recording"), " ",
    el("span", { className: "interview-elapsed" }, "0:00"));
  const pause = el("button", { type: "button", hidden: true }, "Pause");
  const stop = el("button", { type: "button", className: "primary", hidden: true }, "Stop and keep");
  const list = el("ul", { className: "note-list interview-list" });
  list.setAttribute("aria-label", "Interviews on this phone");
  section.querySelector("[data-interview-start]").after(live, pause, stop);
  section.append(list);
  return { live, mode: live.children[1], elapsed: live.children[2], pause, stop, list };
}

function setup(section) {
  const ui = controls(section);
  const startButton = section.querySelector("[data-interview-start]");
  const status = section.querySelector("[data-interview-status]");
  const app = section.closest("[data-study-id]");
  const studyId = Number(app.dataset.studyId);
  const form = app.querySelector('[data-js="capture-form"]');
  // Two hours (data-max-seconds may say less), said ten minutes before.
  const limit = () => Number(section.dataset.maxSeconds || 7200) * 1000;
  let active = null;  // the interview being recorded: { row, media, stream, before, since, release, writing }
  let sending = null;  // the interview being sent, with its offset
  let starting = false;  // a second tap while the first starts the microphone starts nothing
  const say = (text) => { status.textContent = text; };

  async function chosen() {
    const id = chipValue(form.querySelector('[data-chips="participant_id"]'));
    const context = await getMeta(`context:${studyId}`);
    return id ? (context?.participants || []).find((p) => String(p.id) === id) || null : null;
  }

  function stateWords(row) {
    if (sending?.id === row.id && row.state === "queued") {
      return `Uploading ${Math.floor(((sending.offset || 0) / row.size) * 100)}%`;
    }
    const kept = row.interrupted ? "Kept after an interruption; " : "";
    if (row.state === "recording") return "Recording";
    if (row.state === "sent") return "Sent: transcribed on the server";
    if (row.problem) return `${kept}not sent: ${row.problem}`;
    return `${kept}queued: sent when online`;
  }

  async function render() {
    const rows = (await allInterviews()).filter((row) => row.account === currentAccount())
      .sort((a, b) => b.started_at.localeCompare(a.started_at));
    ui.list.replaceChildren(...rows.map((row) => {
      const item = el("li", { className: "note interview-item" });
      item.dataset.interview = row.id;
      item.append(el("p", {}, `${row.title} · ${clock(row.elapsed_ms)}`),
        el("p", { className: "note-state" }, stateWords(row)));
      return item;
    }));
  }

  // A failed attempt (the signal not yet carrying after "online", a 503) is tried again soon (net.js backoff),
  // not left to the steady RETRY_MS. A call while an attempt runs (this tab's "online" during an offline
  // attempt) runs again right after it.
  let running = false;
  let again = false;
  let timer = null;
  function send() {
    if (running) { again = true; return; }
    running = true;
    clearTimeout(timer);
    sendInterviews((row) => { sending = row; render(); }).then((outcome) => {
      if (outcome === "later" && navigator.onLine) timer = setTimeout(send, retry.next());
      else retry.reset();
    }).catch(() => {}).finally(() => {
      running = false;
      render();
      if (again) { again = false; send(); }
    });
  }

  const elapsed = () => (active ? active.before + (active.since ? performance.now() - active.since : 0) : 0);

  function tick() {
    if (!active) return;
    const [ms, maxMs] = [elapsed(), active.maxMs];
    ui.elapsed.textContent = clock(ms);
    if (ms >= maxMs) {
      stopRecording(`The recording reached ${limitWords(maxMs)}, the most one can be, and stopped.`);
    } else if (ms >= maxMs - Math.min(600000, maxMs / 4) && !active.warned) {
      active.warned = true;
      say(`${clock(maxMs - ms)} left: the recording stops at ${limitWords(maxMs)}.`);
    }
  }

  function keepChunk(blob) {
    active.writing = active.writing.then(async () => {
      const bytes = await blob.arrayBuffer();
      const row = active.row;
      active.row = { ...row, chunks: row.chunks + 1, bytes: row.bytes + bytes.byteLength, elapsed_ms: elapsed() };
      await addChunk(active.row, row.chunks, bytes);
    }).catch(() => stopRecording("This phone could not keep more audio (its storage is full?): the recording "
      + "stopped, and what was recorded is kept."));
  }

  // Only the tab that records holds the interview's lock: a row "recording" with a free lock was cut off.
  function hold(id) {
    return new Promise((held) => {
      if (!navigator.locks) return held(() => {});
      navigator.locks.request(`interview:${id}`, () => new Promise((release) => held(release)));
    });
  }

  async function start() {
    if (active || starting) return;
    starting = true;
    try {
      await startRecording();
    } finally {
      starting = false;
    }
  }

  async function startRecording() {
    const visitId = Number(form.elements.visit_id.value) || null;
    if (!visitId) {
      say("Choose the visit first, under “Filed under” above: the interview is added to it.");
      form.querySelector("[data-context]").open = true;
      form.elements.visit_id.focus();
      return;
    }
    const participant = await chosen();
    if (participant && !mayRecord(participant)) {
      say(`${participant.pseudonym} did not consent to audio recordings: do not record this interview.`);
      return;
    }
    if (!("MediaRecorder" in self) || !navigator.mediaDevices?.getUserMedia) {
      say("This browser cannot record audio: record with the phone's voice memo app, then add the file on the "
        + "visit's page (Add a recording).");
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      say("The microphone is not available: allow this site to use it, then try again.");
      return;
    }
    const type = recordingType();
    let media;
    try {
      media = new MediaRecorder(stream, { ...(type ? { mimeType: type } : {}), audioBitsPerSecond: 64000 });
    } catch {
      stream.getTracks().forEach((track) => track.stop());
      say("This browser cannot record audio here: record with the phone's voice memo app instead.");
      return;
    }
    const now = new Date();
    const when = `${now.toLocaleDateString()} ${now.toTimeString().slice(0, 5)}`;
    const row = { id: crypto.randomUUID(), account: currentAccount(), study_id: studyId, visit_id: visitId,
      participant_id: participant ? participant.id : null, mime: media.mimeType || type || "audio/webm",
      title: `Interview${participant ? ` with ${participant.pseudonym}` : ""}, recorded on the phone ${when}`,
      state: "recording", started_at: now.toISOString(), elapsed_ms: 0, chunks: 0, bytes: 0 };
    await putInterview(row);  // on the phone before the first second is recorded
    active = { row, media, stream, before: 0, since: performance.now(), writing: Promise.resolve(), maxMs: limit(),
      release: await hold(row.id), timer: setInterval(tick, 250) };
    media.ondataavailable = (event) => event.data.size && keepChunk(event.data);
    media.onstop = () => finishRecording();
    media.start(TIMESLICE_MS);
    startButton.hidden = true;
    ui.live.hidden = ui.pause.hidden = ui.stop.hidden = false;
    ui.mode.textContent = "Recording";
    ui.pause.textContent = "Pause";
    ui.stop.focus();
    say("Recording the interview. It is kept on this phone as it records.");
    render();
  }

  function togglePause() {
    if (!active) return;
    if (active.since) {
      active.before = elapsed();
      active.since = 0;
      active.media.pause();
      active.media.requestData();  // what was said so far goes to the phone now
      ui.mode.textContent = "Paused";
      ui.pause.textContent = "Resume";
      say(`Paused at ${clock(active.before)}.`);
    } else {
      active.since = performance.now();
      active.media.resume();
      ui.mode.textContent = "Recording";
      ui.pause.textContent = "Pause";
      say("Recording again.");
    }
  }

  function stopRecording(why = "") {
    if (!active || active.stopping) return;
    active.stopping = why || " ";
    if (active.since) active.before = elapsed();
    active.since = 0;
    clearInterval(active.timer);
    active.media.stop();  // its last data, then onstop: finishRecording
  }

  async function finishRecording() {
    const { stream, release, stopping } = active;
    await active.writing;
    stream.getTracks().forEach((track) => track.stop());
    const kept = await keep({ ...active.row, elapsed_ms: active.before }, false);
    release();
    active = null;
    startButton.hidden = false;
    ui.live.hidden = ui.pause.hidden = ui.stop.hidden = true;
    startButton.focus();
    say(`${stopping.trim()} ${kept ? `Interview kept on this phone (${clock(kept.elapsed_ms)}): it is sent when `
      + "online, then transcribed." : "Nothing was recorded."}`.trim());
    render();
    send();
  }

  // A recording's chunks become one file: its SHA-256 and size fix what is sent. Null when nothing was recorded.
  async function keep(row, interrupted) {
    const blob = await recordingBlob(row);
    if (!blob.size) {
      await forget(row.id);
      return null;
    }
    const ready = { ...row, state: "queued", size: blob.size, sha256: await hex(blob), interrupted, offset: 0 };
    await putInterview(ready);
    return ready;
  }

  // Interviews this account was recording when the page closed (a reload, a crash): kept, said, queued.
  async function recover() {
    for (const row of await allInterviews()) {
      if (row.state !== "recording" || row.account !== currentAccount() || active?.row.id === row.id) continue;
      const free = navigator.locks
        ? await navigator.locks.request(`interview:${row.id}`, { ifAvailable: true }, (lock) => Boolean(lock)) : true;
      if (!free) continue;  // another tab is recording it
      const kept = await keep(row, true);
      if (kept) say(`An interview recording was cut off when the page closed: the ${clock(kept.elapsed_ms)} `
        + "recorded are kept on this phone and will be sent.");
    }
  }

  async function showConsent() {
    if (active) return;
    const participant = await chosen();
    const allowed = !participant || mayRecord(participant);
    startButton.textContent = allowed ? "Record the interview"
      : `No audio consent from ${participant.pseudonym}: do not record the interview`;
    startButton.setAttribute("aria-disabled", String(!allowed));
  }

  startButton.addEventListener("click", start);
  ui.pause.addEventListener("click", togglePause);
  ui.stop.addEventListener("click", () => stopRecording());
  form.addEventListener("change", showConsent);
  addEventListener("online", send);
  setInterval(send, RETRY_MS);
  const ready = recover().then(render).then(showConsent).then(() => { send(); return { start }; });
  return ready;
}

// start: the researcher tapped "Record the interview" before this module was loaded.
export default function interview(section, start = false) {
  section.ready ??= setup(section);
  if (start) section.ready.then((ui) => ui.start());
}
